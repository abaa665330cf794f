"""``running_async_library``: which loop runs in this thread, asked without importing one."""

from __future__ import annotations

import sys
import types

import pytest

from mistral_async._core.runtime import running_async_library


def test_no_loop_in_a_plain_thread() -> None:
    assert running_async_library() is None


def test_a_trio_half_imported_by_another_thread_runs_no_loop_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What another thread's import of trio (httpcore imports it while the loop thread builds
    # the first pool) leaves in sys.modules for a moment: a module without its attributes.
    monkeypatch.setitem(sys.modules, "trio", types.ModuleType("trio"))
    assert running_async_library() is None


@pytest.mark.anyio
async def test_the_running_loop_is_named(anyio_backend: str) -> None:
    assert running_async_library() == anyio_backend
