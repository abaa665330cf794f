"""The type checkers' settings cover the whole package: pyright runs strict on every part a user
imports (only the local server's internals, ``mistral_async/testing``, stay on its default level,
"standard"), and both checkers read ``tests/typing`` and ``examples``."""

from __future__ import annotations

from pathlib import Path

import pytest

# Python 3.10 has no TOML reader; the settings checked are the same under every interpreter.
tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).parent.parent


def _config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        tool: dict[str, object] = tomllib.load(file)["tool"]
    return tool


def test_pyright_is_strict_everywhere_but_the_testing_server() -> None:
    pyright = _config()["pyright"]
    assert isinstance(pyright, dict)
    assert pyright["typeCheckingMode"] == "strict"
    assert set(pyright["include"]) == {"mistral_async", "tests/typing", "examples"}
    environments = {env["root"]: env for env in pyright["executionEnvironments"]}
    # Only the testing server's environment turns rules down; the others only add to strict.
    relaxed = {
        root
        for root, env in environments.items()
        if any(value in ("none", "warning", False) for value in env.values())
    }
    assert relaxed == {"mistral_async/testing"}
    assert environments["tests/typing"]["reportUnnecessaryTypeIgnoreComment"] == "error"
    # The catch-all comes last (pyright takes the first environment whose root holds a file).
    assert pyright["executionEnvironments"][-1] == {"root": "."}


def test_mypy_and_pyright_read_the_same_files() -> None:
    tool = _config()
    mypy, pyright = tool["mypy"], tool["pyright"]
    assert isinstance(mypy, dict)
    assert isinstance(pyright, dict)
    assert mypy["files"] == pyright["include"]
    assert mypy["python_version"] == pyright["pythonVersion"]
