"""The blocking client over real sockets: same behaviour, threads, and event-loop detection."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest

from mistral_async import (
    BadRequestError,
    ClientClosedError,
    Mistral,
    SyncChatCompletionStream,
    SyncInEventLoopError,
)
from mistral_async._sync.portal import check_blocking_allowed, in_notebook_kernel
from mistral_async.types.chat import ChatCompletionResponse, CompletionChunk

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}


def test_complete_returns_the_same_model(sync_client: Mistral) -> None:
    completion = sync_client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    assert isinstance(completion, ChatCompletionResponse)
    assert completion.text
    assert completion.response_info is not None


def test_stream_with_and_for(sync_client: Mistral) -> None:
    reference = sync_client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    with sync_client.chat.stream(model=MODEL, messages=[USER], temperature=0) as stream:
        assert isinstance(stream, SyncChatCompletionStream)
        chunks = list(stream)
    assert all(isinstance(c, CompletionChunk) for c in chunks)
    assert stream.closed
    assert stream.current_completion().text == reference.text
    texts = list(sync_client.chat.stream(model=MODEL, messages=[USER], temperature=0).text_deltas())
    assert "".join(texts) == reference.text
    stream = sync_client.chat.stream(model=MODEL, messages=[USER], temperature=0)
    assert stream.get_final_completion().text == reference.text


def test_stream_break_closes(sync_client: Mistral) -> None:
    with sync_client.chat.stream(model=MODEL, messages=[USER]) as stream:
        for _ in stream:
            break
    assert stream.closed
    assert sync_client.async_client._limiter.in_flight == 0


def test_errors_are_the_same_typed_errors(sync_client: Mistral) -> None:
    with pytest.raises(BadRequestError):
        sync_client.chat.complete(model="nope", messages=[USER])


def test_many_threads_share_one_client(sync_client: Mistral) -> None:
    def ask(i: int) -> str:
        return sync_client.chat.complete(
            model=MODEL, messages=[{"role": "user", "content": f"question {i}"}], temperature=0
        ).text

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert len(answers) == 40
    assert all(answers)
    assert answers[3] == ask(3)


def test_one_loop_thread_per_client(server: Any) -> None:
    before = threading.active_count()
    with Mistral(api_key="k", base_url=server.url) as client:
        for _ in range(3):
            client.chat.complete(model=MODEL, messages=[USER])
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


def test_close_is_idempotent_and_final(server: Any) -> None:
    client = Mistral(api_key="k", base_url=server.url)
    client.chat.complete(model=MODEL, messages=[USER])
    client.close()
    client.close()
    assert client.is_closed
    with pytest.raises(ClientClosedError):
        client.chat.complete(model=MODEL, messages=[USER])
    never_used = Mistral(api_key="k", base_url=server.url)
    never_used.close()
    with pytest.raises(ClientClosedError):
        never_used.chat.complete(model=MODEL, messages=[USER])


def test_with_options_shares_the_loop_thread(sync_client: Mistral) -> None:
    other = sync_client.with_options(max_retries=0)
    assert other.max_retries == 0
    assert other.chat.complete(model=MODEL, messages=[USER]).text
    other.close()  # no-op: the loop and pool belong to the original
    assert sync_client.chat.complete(model=MODEL, messages=[USER]).text


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_called_inside_a_running_loop_raises(sync_client: Mistral, backend: str) -> None:
    async def handler() -> None:
        sync_client.chat.complete(model=MODEL, messages=[USER])

    with pytest.raises(SyncInEventLoopError, match="AsyncMistral"):
        anyio.run(handler, backend=backend)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_worker_thread_of_a_loop_may_call_it(sync_client: Mistral, backend: str) -> None:
    async def handler() -> str:
        return await anyio.to_thread.run_sync(
            lambda: sync_client.chat.complete(model=MODEL, messages=[USER]).text
        )

    assert anyio.run(handler, backend=backend)


def test_notebook_kernel_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("IPython")
    shell = types.SimpleNamespace(kernel=object())
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert in_notebook_kernel()

    async def cell() -> None:
        check_blocking_allowed()  # does not raise inside a kernel's loop

    anyio.run(cell)
    shell.kernel = None
    assert not in_notebook_kernel()


def test_unclosed_client_does_not_hang_interpreter_exit(server: Any) -> None:
    script = textwrap.dedent(
        f"""
        from mistral_async import Mistral
        client = Mistral(api_key="k", base_url={server.url!r})
        print(client.chat.complete(model={MODEL!r},
              messages=[{{"role": "user", "content": "hi"}}]).text[:5])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
