"""The wheel and the sdist hold what they should: built here from the source, as a release is
(hatchling's PEP 517 hooks, without build isolation, so nothing is downloaded)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BUILD = """
import sys
from hatchling.build import build_sdist, build_wheel
print(build_wheel(sys.argv[1]) if sys.argv[2] == "wheel" else build_sdist(sys.argv[1]))
"""


def _build(kind: str, out: Path) -> Path:
    pytest.importorskip("hatchling")
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(out), kind],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out / done.stdout.strip().splitlines()[-1]


def test_the_wheel(tmp_path: Path) -> None:
    wheel = _build("wheel", tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = archive.read(metadata).decode()
    assert "mistral_async/__init__.py" in names
    assert "mistral_async/py.typed" in names
    assert "mistral_async/testing/mistral-openapi.yaml" in names  # the local server's contract
    assert any(n.startswith("mistral_async/testing/_server/routes/") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/", "examples/", ".ci/")) for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta
    for classifier in (
        "Typing :: Typed",
        "Framework :: AsyncIO",
        "Framework :: Trio",
        "Framework :: AnyIO",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.13",
    ):
        assert f"Classifier: {classifier}" in meta
    assert "Requires-Python: >=3.10" in meta
    for extra in ("server", "numpy", "aiohttp"):
        assert f"Provides-Extra: {extra}" in meta
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "mistral-async = mistral_async.cli:main" in archive.read(entry_points).decode()


def test_the_sdist(tmp_path: Path) -> None:
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "noxfile.py"):
        assert needed in names
    assert "mistral_async/py.typed" in names
    assert "tests/conftest.py" in names
    assert "examples/README.md" in names  # tests/test_examples.py runs them
    assert not any(n.startswith((".ci/", ".venv", ".git/")) for n in names)
