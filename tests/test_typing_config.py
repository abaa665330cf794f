"""The type checkers' settings cover the whole package: pyright runs strict on every part a user
imports (only the local server's internals, ``mistral_async/testing``, stay on its default level),
and both checkers read ``tests/typing``."""

from __future__ import annotations

from pathlib import Path

import pytest

# Python 3.10 has no TOML reader; the settings checked are the same under every interpreter.
tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "mistral_async"


def _config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        tool: dict[str, object] = tomllib.load(file)["tool"]
    return tool


def test_pyright_is_strict_on_every_part_of_the_package_but_the_testing_server() -> None:
    pyright = _config()["pyright"]
    assert isinstance(pyright, dict)
    strict = set(pyright["strict"])
    folders = {
        f"mistral_async/{path.name}"
        for path in PACKAGE.iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert folders - strict == {"mistral_async/testing"}
    assert {"mistral_async/*.py", "tests/typing"} <= strict
    assert set(pyright["include"]) == {"mistral_async", "tests/typing"}


def test_mypy_and_pyright_read_the_same_files() -> None:
    tool = _config()
    mypy, pyright = tool["mypy"], tool["pyright"]
    assert isinstance(mypy, dict)
    assert isinstance(pyright, dict)
    assert mypy["files"] == pyright["include"]
    assert mypy["python_version"] == pyright["pythonVersion"]
