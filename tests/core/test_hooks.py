"""Per-attempt hooks over real sockets: before each attempt with the request, after it with the
reply or the error, inside the retry loop; custom headers, measuring, capture; what a hook
that raises does; and the usage tracker's and the cache's observations expressed on them."""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    Attempt,
    Hooks,
    InMemoryCacheStore,
    Mistral,
    ResponseCache,
    RetryPolicy,
    UsageTracker,
)

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Tell me about rivers"}
CHAT = "/v1/chat/completions"
FAST = RetryPolicy(initial_delay=0.01)


async def ask(client: AsyncMistral, **options: Any) -> Any:
    return await client.chat.complete(model=MODEL, messages=[USER], **options)


def sign(attempt: Attempt) -> None:
    """A custom auth header, as a signing scheme would add it (a plain function)."""
    attempt.request.headers["x-signature"] = f"attempt-{attempt.number}"


async def test_hooks_run_around_every_attempt_in_order(server: Any) -> None:
    calls: list[tuple[str, str, int, object]] = []

    async def client_after(attempt: Attempt) -> None:  # an async hook
        await anyio.lowlevel.checkpoint()
        status = attempt.response.status_code if attempt.response is not None else None
        calls.append(("client after", attempt.path, attempt.number, status))

    def call_before(attempt: Attempt) -> None:
        calls.append(("call before", attempt.path, attempt.number, attempt.request.method))

    def call_after(attempt: Attempt) -> None:
        calls.append(("call after", attempt.path, attempt.number, attempt.elapsed > 0))

    hooks = Hooks(before_attempt=sign, after_attempt=client_after)
    async with AsyncMistral(api_key="k", base_url=server.url, retry=FAST, hooks=hooks) as client:
        server.faults.add("status", status=503, times=1, path=CHAT)
        completion = await ask(client, hooks=Hooks(call_before, call_after))
    assert completion.response_info.retries == 1
    assert calls == [
        ("call before", CHAT, 1, "POST"),
        ("client after", CHAT, 1, 503),
        ("call after", CHAT, 1, True),
        ("call before", CHAT, 2, "POST"),
        ("client after", CHAT, 2, 200),
        ("call after", CHAT, 2, True),
    ]
    # The header the hook set went out on each attempt.
    seen = [e.request_headers.get("x-signature") for e in server.exchanges.snapshot()]
    assert seen == ["attempt-1", "attempt-2"]


async def test_the_after_hook_sees_errors_and_can_capture_exchanges(server: Any) -> None:
    captured: list[dict[str, Any]] = []

    def capture(attempt: Attempt) -> None:
        response = attempt.response
        captured.append(
            {
                "method": attempt.request.method,
                "sent": json.loads(attempt.request.content) if attempt.request.content else None,
                "status": response.status_code if response is not None else None,
                "reply": response.json() if response is not None else None,
                "error": type(attempt.error).__name__ if attempt.error else None,
            }
        )

    async with AsyncMistral(
        api_key="k", base_url=server.url, retry=FAST, hooks=Hooks(after_attempt=capture)
    ) as client:
        server.faults.add("disconnect", times=1, path=CHAT)
        server.faults.add("status", status=429, times=1, path=CHAT)
        completion = await ask(client)
        await client.models.list()
        await ask(client, hooks=Hooks())  # an empty per-call Hooks adds nothing
    assert len(captured) == 5
    first, second, third, listing = captured[:4]
    assert (first["status"], first["error"]) == (None, "RemoteProtocolError")
    assert (second["status"], second["reply"]["object"]) == (429, "error")
    assert third["status"] == 200
    assert third["reply"]["id"] == completion.id
    assert third["sent"]["messages"] == [USER]
    assert (listing["method"], listing["reply"]["object"]) == ("GET", "list")


async def test_a_timeout_reaches_the_after_hook_as_an_error(server: Any) -> None:
    errors: list[Exception | None] = []
    async with AsyncMistral(
        api_key="k",
        base_url=server.url,
        hooks=Hooks(after_attempt=lambda a: errors.append(a.error)),
    ) as client:
        server.faults.add("stall", seconds=3, times=1, path=CHAT)
        with pytest.raises(APIConnectionError):
            await ask(client, deadline=0.2, max_retries=0)
    assert len(errors) == 1
    assert isinstance(errors[0], httpx.TimeoutException)


async def test_a_stream_s_after_hook_sees_the_response_when_its_headers_arrive(
    server: Any,
) -> None:
    seen: list[tuple[int, int, str, bool]] = []

    def after(attempt: Attempt) -> None:
        response = attempt.response
        assert response is not None
        assert attempt.stream
        seen.append(
            (
                attempt.number,
                response.status_code,
                response.headers["content-type"].split(";")[0],
                response.is_stream_consumed,  # nothing of the body read yet
            )
        )

    async with AsyncMistral(
        api_key="k", base_url=server.url, retry=FAST, hooks=Hooks(sign, after)
    ) as client:
        # Cut before the first event: resent, and the hooks see the second attempt too.
        server.faults.add("cut_stream", after_events=0, path=CHAT)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert len(seen) == 1  # the headers have arrived: the hook ran
            text = (await stream.get_final_completion()).text
    assert text
    assert seen == [(1, 200, "text/event-stream", False), (2, 200, "text/event-stream", False)]
    signatures = [e.request_headers.get("x-signature") for e in server.exchanges.snapshot()]
    assert signatures == ["attempt-1", "attempt-2"]


class HookFailed(Exception):
    pass


def fail(attempt: Attempt) -> None:
    raise HookFailed(attempt.number)


async def test_a_hook_that_raises_ends_the_call_unretried_and_frees_everything(
    server: Any,
) -> None:
    async with AsyncMistral(
        api_key="k", base_url=server.url, retry=FAST, max_concurrency=1
    ) as client:
        with pytest.raises(HookFailed):
            await ask(client, hooks=Hooks(before_attempt=fail))
        assert len(server.exchanges) == 0  # raised before anything was sent
        # After the attempt: the reply (here a retryable 503) is not retried.
        server.faults.add("status", status=503, times=3, path=CHAT)
        with pytest.raises(HookFailed):
            await ask(client, hooks=Hooks(after_attempt=fail))
        server.exchanges.wait_idle()
        assert len(server.exchanges) == 1
        server.faults.clear()
        # A stream whose after-hook raises: its open response is closed, its slot freed.
        with pytest.raises(HookFailed):
            async with client.chat.stream(
                model=MODEL, messages=[USER], hooks=Hooks(after_attempt=fail)
            ):
                pass
        assert client._limiter.in_flight == 0
        with anyio.fail_after(5):
            assert (await ask(client)).text  # the one slot is free again


async def test_the_usage_tracker_and_the_cache_observations_fit_the_hooks(server: Any) -> None:
    """What the tracker and the cache observe (the request going out, the reply coming back)
    is what the hooks receive: built on them, they see the same as the built-in ones."""
    tracker = UsageTracker()
    store = InMemoryCacheStore()
    keys = ResponseCache()  # used only to compute the key the real cache would use

    def observe(attempt: Attempt) -> None:
        response = attempt.response
        if response is None or not response.is_success or attempt.stream:
            return
        reply = response.json()
        usage = reply.get("usage")
        if usage:
            tracker.record(
                reply["model"],
                usage["prompt_tokens"],
                usage["completion_tokens"],
                path=attempt.path,
            )
        entry = keys.entry(attempt.request)
        if entry is not None:
            store_key[entry.key] = response.content

    store_key: dict[str, bytes] = {}
    cache = ResponseCache(store)
    async with AsyncMistral(
        api_key="k", base_url=server.url, cache=cache, hooks=Hooks(after_attempt=observe)
    ) as client:
        await ask(client, temperature=0)
        await ask(client, max_tokens=20)
        await client.embeddings.create(model="mistral-embed", inputs=["a river"])
        assert client.usage_tracker is not None
        builtin = client.usage_tracker
        assert len(tracker.records) == 3
        assert tracker.summary() == builtin.summary()
        assert [(r.model, r.path) for r in tracker.records] == [
            (r.model, r.path) for r in builtin.records
        ]
    # The one deterministic request: the same key, the same body as the cache stored.
    ((key, body),) = store_key.items()
    stored = await store.get(key)
    assert stored is not None
    assert stored.partition(b"\n")[2] == body


def test_hooks_are_checked() -> None:
    with pytest.raises(ArgumentError, match=r"hooks\.before_attempt"):
        Hooks(before_attempt=3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="hooks"):
        AsyncMistral(api_key="k", hooks=sign)  # type: ignore[arg-type]


async def test_a_call_s_hooks_are_checked(client: AsyncMistral, server: Any) -> None:
    with pytest.raises(ArgumentError, match="hooks"):
        await ask(client, hooks={"before_attempt": sign})
    assert len(server.exchanges) == 0


async def test_with_options_replaces_the_hooks(server: Any) -> None:
    count: list[str] = []
    first = Hooks(after_attempt=lambda a: count.append("first"))
    second = Hooks(after_attempt=lambda a: count.append("second"))
    async with AsyncMistral(api_key="k", base_url=server.url, hooks=first) as client:
        other = client.with_options(hooks=second)
        assert client.with_options(timeout=5).hooks is first
        await ask(other)
        await ask(client)
    assert count == ["second", "first"]


def test_the_blocking_client_runs_hooks_on_its_loop_thread(server: Any) -> None:
    threads: list[str] = []

    async def after(attempt: Attempt) -> None:
        threads.append(threading.current_thread().name)

    with Mistral(api_key="k", base_url=server.url, hooks=Hooks(sign, after)) as client:
        assert client.hooks is not None
        client.chat.complete(model=MODEL, messages=[USER])
        with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert [chunk for chunk in stream]
    assert len(threads) == 2
    assert threading.current_thread().name not in threads
    signatures = [e.request_headers.get("x-signature") for e in server.exchanges.snapshot()]
    assert signatures == ["attempt-1", "attempt-1"]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the aiohttp transport is asyncio only
async def test_hooks_on_the_aiohttp_transport(server: Any) -> None:
    pytest.importorskip("httpx_aiohttp")
    seen: list[tuple[int, int | None]] = []

    def after(attempt: Attempt) -> None:
        seen.append((attempt.number, attempt.response.status_code if attempt.response else None))

    async with AsyncMistral(
        api_key="k",
        base_url=server.url,
        transport="aiohttp",
        retry=FAST,
        hooks=Hooks(sign, after),
    ) as client:
        server.faults.add("status", status=503, times=1, path=CHAT)
        await ask(client)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert (await stream.get_final_completion()).text
    assert seen == [(1, 503), (2, 200), (1, 200)]
    signatures = [e.request_headers.get("x-signature") for e in server.exchanges.snapshot()]
    assert signatures == ["attempt-1", "attempt-2", "attempt-1"]
