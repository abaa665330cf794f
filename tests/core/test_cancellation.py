"""Cancellation storms: any kind of cancellation, at any point, leaves the pool able to serve.

A small ASGI app on 127.0.0.1 (uvicorn, in a thread) answers chat requests after random pauses
before the headers, in the middle of a JSON body and between SSE events; the client is cancelled
after random delays in the same range, 8 requests at a time, by every cancellation an async
caller can use. Afterwards no slot, no connection and no task may be left over, and 8 new
concurrent requests must all complete at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import APITimeoutError, AsyncMistral
from mistral_async._core.reclaiming_pool import ReclaimingPool
from mistral_async._core.transport import SHARD_SIZE, PoolExhausted, PoolShards
from tests._support.asgi_server import serve_asgi

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}
CONCURRENCY = 8
CANCELLATIONS = 500  # per kind, as the reliability issue asks
MAX_DELAY = 0.06  # server pauses and client deadlines are drawn from [0, MAX_DELAY]
STORM_DEADLINE = 60.0  # a safety bound only: a storm takes a few seconds
AFTERWARDS = 5.0  # 8 concurrent requests must complete within this

# ---------------------------------------------------------------------------------------------
# The server: a chat endpoint that pauses at random, in a uvicorn thread.

_COMPLETION = {
    "id": "cmpl-storm",
    "object": "chat.completion",
    "created": 1,
    "model": MODEL,
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Nile, Amazon, Yangtze"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9},
}


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    chunk = {
        "id": "cmpl-storm",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


_EVENTS = [
    _chunk({"role": "assistant", "content": ""}),
    _chunk({"content": "Nile,"}),
    _chunk({"content": " Amazon"}, "stop"),
    b"data: [DONE]\n\n",
]


class _JitteryChat:
    """``POST /v1/chat/completions``, pausing up to ``MAX_DELAY`` before the headers, in the
    middle of the body and between events (and ``hold`` seconds more before a stream ends, if
    the body asks)."""

    def __init__(self) -> None:
        self.random = random.Random(10)

    def pause(self) -> Awaitable[None]:
        return asyncio.sleep(self.random.uniform(0, MAX_DELAY))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        with contextlib.suppress(OSError):  # the client went away: it was cancelled on purpose
            await self._respond(receive, send)

    async def _respond(self, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(body)
        await self.pause()
        if request.get("stream"):
            headers = [(b"content-type", b"text/event-stream")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for event in _EVENTS:
                await send({"type": "http.response.body", "body": event, "more_body": True})
                await self.pause()
            if request.get("hold"):  # a stream that stays open a while, or until the client goes
                with anyio.move_on_after(request["hold"]):
                    await receive()  # http.disconnect
            await send({"type": "http.response.body", "body": b""})
            return
        payload = json.dumps(_COMPLETION).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        half = len(payload) // 2
        await send({"type": "http.response.body", "body": payload[:half], "more_body": True})
        await self.pause()
        await send({"type": "http.response.body", "body": payload[half:]})


class _Served:
    def __init__(self, app: _JitteryChat, url: str) -> None:
        self.app = app
        self.url = url


@pytest.fixture(scope="module")
def jittery() -> Iterator[_Served]:
    app = _JitteryChat()
    with serve_asgi(app) as url:
        yield _Served(app, url)


# ---------------------------------------------------------------------------------------------
# The storm.

Call = Callable[[], Awaitable[None]]


async def _cancel_after(kind: str, call: Call, delay: float) -> bool:
    """Run ``call`` under ``kind`` of cancellation after ``delay``; True if it was cancelled."""
    if kind == "wait_for":
        try:
            await asyncio.wait_for(call(), delay)
        except asyncio.TimeoutError:
            return True
        return False
    if kind == "asyncio.timeout":
        try:
            async with asyncio.timeout(delay):  # type: ignore[attr-defined,unused-ignore]
                await call()
        except TimeoutError:
            return True
        return False
    if kind == "task.cancel":

        async def run() -> None:
            await call()

        task = asyncio.ensure_future(run())
        await asyncio.sleep(delay)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False
    # anyio's scopes on asyncio, or trio's own on trio
    if kind == "trio.move_on_after":
        import trio

        with trio.move_on_after(delay) as trio_scope:
            await call()
        return trio_scope.cancelled_caught
    with anyio.move_on_after(delay) as scope:
        await call()
    return scope.cancelled_caught


def _calls(client: AsyncMistral) -> list[Call]:
    async def complete() -> None:
        await client.chat.complete(model=MODEL, messages=[USER])

    async def stream() -> None:
        async with client.chat.stream(model=MODEL, messages=[USER]) as chunks:
            async for _ in chunks:
                pass

    return [complete, stream]


async def _storm(client: AsyncMistral, kind: str, cancellations: int) -> int:
    """Cancel requests until ``cancellations`` were cancelled; returns how many were."""
    rng = random.Random(kind)
    calls = _calls(client)
    cancelled = 0
    deadline = time.monotonic() + STORM_DEADLINE

    async def worker() -> None:
        nonlocal cancelled
        while cancelled < cancellations and time.monotonic() < deadline:
            call = rng.choice(calls)
            if await _cancel_after(kind, call, rng.uniform(0, MAX_DELAY)):
                cancelled += 1

    async with anyio.create_task_group() as group:
        for _ in range(CONCURRENCY):
            group.start_soon(worker)
    return cancelled


def _tasks() -> int:
    """Tasks alive on the running loop (asyncio), or 0 elsewhere."""
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:
        return 0


def _leftovers(http: httpx.AsyncClient) -> list[str]:
    """What a finished storm left behind in the transport: should be nothing."""
    transport = http._transport
    found = []
    if isinstance(transport, PoolShards):
        for number, shard in enumerate(transport._shards):
            pool = shard.transport._pool
            busy = [c for c in pool.connections if not (c.is_idle() or c.is_closed())]
            if shard.in_flight or pool._requests or busy:
                found.append(f"pool {number}: {shard.in_flight} in flight, {pool!r}, {busy}")
    else:  # aiohttp: connections handed out and never given back, or callers still waiting
        connector = transport.client.connector  # type: ignore[attr-defined]
        if connector._acquired or any(connector._waiters.values()):
            found.append(f"aiohttp: {len(connector._acquired)} connections still acquired")
    return found


async def _concurrent(client: AsyncMistral) -> float:
    """Seconds for ``CONCURRENCY`` requests sent at once to all complete."""
    started = time.monotonic()
    done = 0

    async def one() -> None:
        nonlocal done
        await client.chat.complete(model=MODEL, messages=[USER])
        done += 1

    with anyio.move_on_after(AFTERWARDS):
        async with anyio.create_task_group() as group:
            for _ in range(CONCURRENCY):
                group.start_soon(one)
    elapsed = time.monotonic() - started
    assert done == CONCURRENCY, f"{done}/{CONCURRENCY} requests completed in {elapsed:.1f} s"
    return elapsed


async def _check_storm(served: _Served, kind: str, transport: str = "httpx") -> None:
    tasks_before = _tasks()
    async with AsyncMistral(
        api_key="sk-test",
        base_url=served.url,
        max_retries=0,
        max_concurrency=CONCURRENCY,
        timeout=5,
        transport=transport,  # type: ignore[arg-type]
    ) as client:
        cancelled = await _storm(client, kind, CANCELLATIONS)
        await anyio.sleep(0.05)  # let the loop run callbacks the cancellations scheduled
        assert cancelled >= CANCELLATIONS
        assert client._limiter.in_flight == 0
        assert _leftovers(client._http) == []
        elapsed = await _concurrent(client)
        assert _leftovers(client._http) == []
    # nothing of ours still running: no close or cleanup task left behind
    assert _tasks() <= tasks_before
    print(
        f"{kind} on {transport}: {cancelled} cancellations, {CONCURRENCY} concurrent after "
        f"in {elapsed:.2f} s"
    )


ASYNCIO_KINDS = ["wait_for", "task.cancel", "anyio.move_on_after"]
if sys.version_info >= (3, 11):
    ASYNCIO_KINDS.insert(1, "asyncio.timeout")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("kind", ASYNCIO_KINDS)
@pytest.mark.anyio
async def test_cancellation_storm_on_asyncio(jittery: _Served, kind: str) -> None:
    await _check_storm(jittery, kind)


@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.anyio
async def test_cancellation_storm_on_trio(jittery: _Served) -> None:
    await _check_storm(jittery, "trio.move_on_after")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("kind", ASYNCIO_KINDS)
@pytest.mark.anyio
async def test_cancellation_storm_on_aiohttp(jittery: _Served, kind: str) -> None:
    pytest.importorskip("httpx_aiohttp")
    await _check_storm(jittery, kind, transport="aiohttp")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_requests_cancelled_while_their_connection_is_made_leave_none(
    jittery: _Served,
) -> None:
    # encode/httpcore#1093's case, step by step: one connection, two requests, both cancelled
    # while the first connects; httpcore's own pool keeps that connection for good.
    async with ReclaimingPool(max_connections=1) as pool:
        url = f"{jittery.url}/v1/chat/completions"
        tasks = [asyncio.ensure_future(pool.request("POST", url, content=b"{}")) for _ in "ab"]
        await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert pool.connections == []
        response = await asyncio.wait_for(pool.request("POST", url, content=b"{}"), AFTERWARDS)
        assert response.status == 200


@pytest.mark.anyio
async def test_a_full_pool_says_so_instead_of_waiting(jittery: _Served) -> None:
    limits = httpx.Limits(max_connections=SHARD_SIZE)
    transport = PoolShards(limits, pool_timeout=0.2)
    async with httpx.AsyncClient(transport=transport, timeout=600) as http:
        client = AsyncMistral(
            api_key="sk-test", base_url=jittery.url, http_client=http, max_retries=0
        )
        streams = [client.chat.stream(model=MODEL, messages=[USER]) for _ in range(SHARD_SIZE)]
        for stream in streams:  # each holds its connection until it is closed
            await stream.__aenter__()
        try:
            # the client's 600 s pool timeout gives way to the pool's own bound
            with anyio.fail_after(AFTERWARDS), pytest.raises(APITimeoutError) as caught:
                await client.chat.complete(model=MODEL, messages=[USER])
            assert "PoolExhausted" in str(caught.value)
            cause = caught.value.__cause__
            assert isinstance(cause, PoolExhausted)
            assert f"all {SHARD_SIZE} connections of the pool are in use" in str(cause)
            # a shorter pool timeout of the request's own is kept
            with anyio.fail_after(AFTERWARDS), pytest.raises(APITimeoutError) as caught:
                await client.chat.complete(
                    model=MODEL, messages=[USER], timeout=httpx.Timeout(600, pool=0.05)
                )
            assert "within 0.05 s" in str(caught.value.__cause__)
        finally:
            for stream in streams:
                await stream.__aexit__(None, None, None)
        await client.chat.complete(model=MODEL, messages=[USER])  # and it serves again


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_full_aiohttp_pool_gives_up_at_the_pool_timeout(jittery: _Served) -> None:
    pytest.importorskip("httpx_aiohttp")
    from mistral_async._core.transport import aiohttp_transport

    transport = aiohttp_transport(httpx.Limits(max_connections=1), pool_timeout=0.2)
    async with httpx.AsyncClient(transport=transport, timeout=600) as http:
        client = AsyncMistral(
            api_key="sk-test", base_url=jittery.url, http_client=http, max_retries=0
        )
        hold = {"hold": 2 * AFTERWARDS}  # the stream holds the connection that long
        async with client.chat.stream(model=MODEL, messages=[USER], extra_body=hold):
            with anyio.fail_after(AFTERWARDS), pytest.raises(APITimeoutError):
                await client.chat.complete(model=MODEL, messages=[USER])
        await client.chat.complete(model=MODEL, messages=[USER])
