"""The package's surface: one export list, every name loads, the import stays lazy.

``mistral_async/__init__.py`` lists its public names once, as a ``TYPE_CHECKING`` block of
``from ._x import Y as Y`` lines; the lazy look-up and ``__all__`` are read from that block at
import time. These tests parse the block as the type checker does (with ``ast``) and check that
the runtime agrees, that every name loads from the module named, and that each says it belongs
to ``mistral_async`` (and pickles so).
"""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

import mistral_async
from mistral_async._core.errors import status_error

INIT = Path(mistral_async.__file__)


def type_checking_block() -> dict[str, str]:
    """``{name: module}`` from the ``if _TYPE_CHECKING:`` block, as mypy reads it."""
    tree = ast.parse(INIT.read_text())
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "_TYPE_CHECKING"
    ]
    assert len(blocks) == 1, "one TYPE_CHECKING block, the export list"
    exports: dict[str, str] = {}
    for statement in blocks[0].body:
        assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
        assert statement.level == 1, ast.unparse(statement)
        assert statement.module, ast.unparse(statement)
        for alias in statement.names:
            # "Y as Y" is what marks a re-export for the type checker (and what the runtime reads)
            assert alias.asname == alias.name, ast.unparse(statement)
            assert alias.name not in exports, f"{alias.name} listed twice"
            exports[alias.name] = "." + statement.module
    return exports


def test_the_block_is_the_one_list() -> None:
    listed = type_checking_block()
    assert listed == mistral_async._MODULE_OF
    assert mistral_async.__all__ == sorted([*listed, "__version__"])
    assert set(mistral_async.__dir__()) >= set(mistral_async.__all__)


def test_no_other_list_in_the_package_root() -> None:
    """The old hand-kept map and list must not come back beside the block."""
    tree = ast.parse(INIT.read_text())
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    assert "_EXPORTS" not in assigned
    all_value = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert not isinstance(all_value, (ast.List, ast.Tuple)), "__all__ is derived, not written"


@pytest.mark.parametrize("name", sorted(type_checking_block()))
def test_every_name_loads_from_its_module(name: str) -> None:
    value = getattr(mistral_async, name)
    module = sys.modules[f"mistral_async{mistral_async._MODULE_OF[name]}"]
    assert getattr(module, name) is value
    if isinstance(value, type) or callable(value):
        assert value.__module__ == "mistral_async", name
        assert getattr(mistral_async, value.__qualname__) is value  # where pickle looks


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        mistral_async.Nope  # noqa: B018


def test_errors_pickle_by_their_public_name_without_the_key() -> None:
    secret = "sk-pickled-secret-123"
    request = httpx.Request(
        "POST",
        "https://api.mistral.ai/v1/chat/completions",
        headers={"Authorization": f"Bearer {secret}"},
    )
    error = status_error(
        429,
        content=b'{"message": "slow down"}',
        headers={"content-type": "application/json", "x-request-id": "req-1"},
        request=request,
    )
    assert type(error) is mistral_async.RateLimitError
    data = pickle.dumps(error)
    assert secret.encode() not in data
    # a fresh interpreter finds the class through the package's lazy look-up
    code = textwrap.dedent(
        """
        import pickle, sys
        error = pickle.loads(sys.stdin.buffer.read())
        print(type(error).__module__, type(error).__name__, error.status_code, error.request_id)
        print(error.request.method, error.request.url, error.request.headers["authorization"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, check=True
    ).stdout
    assert out.decode().split("\n")[:2] == [
        "mistral_async RateLimitError 429 req-1",
        "POST https://api.mistral.ai/v1/chat/completions Bearer ***",
    ]


@pytest.mark.parametrize(
    "error",
    [
        mistral_async.ArgumentError("messages[0]", "is required"),
        mistral_async.BatchInputError("not JSON", line=3, path="in.jsonl"),
        mistral_async.ParseError("bad", raw_text="{", errors=[{"type": "json_invalid"}]),
        mistral_async.JobWaitTimeoutError("gave up", job={"id": "j"}),
        mistral_async.APIConnectionError("refused", retries=2),
    ],
    ids=lambda error: type(error).__name__,
)
def test_every_error_kind_survives_pickling(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_importing_the_client_loads_no_model() -> None:
    code = textwrap.dedent(
        """
        import sys
        import mistral_async
        loaded = sorted(m for m in sys.modules if m.startswith("mistral_async."))
        assert loaded == ["mistral_async._version"], loaded
        assert "pydantic" not in sys.modules
        from mistral_async import AsyncMistral
        AsyncMistral(api_key="k")
        loaded = sorted(m for m in sys.modules if m.startswith(("mistral_async.", "pydantic.main")))
        assert not any(".types." in m or ".resources." in m for m in loaded), loaded
        assert "pydantic.main" not in loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
