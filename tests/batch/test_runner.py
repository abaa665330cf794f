"""The batch runner against the local server (and a mock transport for the long inputs)."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    BatchItem,
    BatchProgress,
    BatchResult,
    BatchRunner,
    InternalServerError,
    Mistral,
    RateLimitError,
    StreamError,
    SyncBatchRunner,
)
from mistral_async._core.retry import RetryPolicy
from mistral_async.testing import LocalServer

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
CHAT = "/v1/chat/completions"


def body(n: int) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": f"Question number {n}"}], "max_tokens": 24}


def lines(count: int, prefix: str = "q") -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"custom_id": f"{prefix}{n}", "body": body(n)}


def fast_retries(client: AsyncMistral, retries: int | None = None) -> None:
    """Backoff of 10 ms, so that retried items do not make the tests sleep."""

    def policy(options: Any) -> RetryPolicy:
        wanted = options.get("max_retries", client.max_retries if retries is None else retries)
        return RetryPolicy(max_retries=wanted, initial_delay=0.01, max_delay=0.05)

    client._policy = policy  # type: ignore[method-assign]


async def collect(runner: BatchRunner, items: Any, **options: Any) -> list[BatchResult]:
    async with runner.run(items, **options) as results:
        return [result async for result in results]


# -- basics ----------------------------------------------------------------------------------


async def test_every_item_comes_back_once_with_its_response(client: AsyncMistral) -> None:
    runner = BatchRunner(client, model=MODEL, concurrency=8)
    items: list[Any] = [
        BatchItem(body(0), custom_id="first"),
        {"custom_id": "second", "body": body(1)},
        body(2),  # a bare body: its position is its id
        *lines(40, prefix="more-"),
    ]
    results = await collect(runner, items)
    assert sorted(r.index for r in results) == list(range(43))
    ids = {r.custom_id: r for r in results}
    assert {"first", "second", "2"} <= set(ids)
    assert all(r.ok and r.retries == 0 for r in results)
    first = ids["first"]
    assert first.usage is not None
    assert first.usage.total_tokens > 0
    record = first.to_record()
    assert record["custom_id"] == "first"
    assert record["error"] is None
    assert record["response"]["status_code"] == 200
    assert record["response"]["body"]["choices"][0]["message"]["content"]
    json.dumps(record)  # a JSON line as it is


async def test_ordered_results_follow_the_input_behind_a_slow_head(
    client: AsyncMistral, server: LocalServer
) -> None:
    server.faults.add("stall", seconds=0.4, path=CHAT)  # the first request is slow
    runner = BatchRunner(client, model=MODEL, concurrency=4, reorder_limit=6)
    pulled = 0
    ahead = 0
    consumed = 0

    def items() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for item in lines(30):
            pulled += 1
            yield item

    async with runner.run(items(), ordered=True) as results:
        async for result in results:
            assert result.index == consumed
            consumed += 1
            ahead = max(ahead, pulled - consumed)
    assert consumed == 30
    # waiting behind the head: the reorder window, the workers, and the one the feeder holds
    assert ahead <= 6 + 4 + 1


async def test_a_failed_item_does_not_stop_the_others(
    client: AsyncMistral, server: LocalServer
) -> None:
    fast_retries(client)
    server.faults.add("status", status=400, times=3, path=CHAT)
    results = await collect(BatchRunner(client, model=MODEL, concurrency=1), lines(10))
    failed = [r for r in results if not r.ok]
    assert len(failed) == 3
    assert all(isinstance(r.error, BadRequestError) and r.retries == 0 for r in failed)
    record = failed[0].to_record()
    assert record["response"] is None
    assert record["error"]["type"] == "BadRequestError"
    assert record["error"]["status_code"] == 400
    assert sum(r.ok for r in results) == 7


async def test_retries_are_counted_and_exhausted_retries_fail_typed(
    client: AsyncMistral, server: LocalServer
) -> None:
    fast_retries(client)
    server.faults.add("status", status=503, times=2, path=CHAT)
    runner = BatchRunner(client, model=MODEL, concurrency=1, max_retries=1)
    first, second = await collect(runner, lines(2))
    assert isinstance(first.error, InternalServerError)
    assert first.retries == 1
    assert second.ok
    assert second.retries == 0


async def test_bodies_the_sdk_refuses_are_failed_items_with_nothing_sent(
    client: AsyncMistral, server: LocalServer
) -> None:
    runner = BatchRunner(client, model=MODEL)
    items: list[Any] = [
        {"custom_id": "unknown", "body": {**body(0), "temperatur": 0.5}},
        {"custom_id": "option", "body": {**body(0), "timeout": 3}},
        {"custom_id": "not-object", "body": ["hello"]},
        {"custom_id": "extra", "body": body(0), "url": "/v1/chat/completions"},
        BatchItem(body(0), custom_id="endpoint", endpoint="/v1/nowhere"),
        {"custom_id": "invalid", "body": {"messages": "hello"}},
        42,
    ]
    results = {r.custom_id: r for r in await collect(runner, items)}
    assert len(results) == 7
    for result in results.values():
        assert isinstance(result.error, ArgumentError), result
    assert "temperatur" in str(results["unknown"].error)
    assert "messages" in str(results["invalid"].error)
    server.exchanges.wait_idle()
    assert len(server.exchanges) == 0


async def test_other_endpoints(client: AsyncMistral) -> None:
    runner = BatchRunner(client, endpoint="/v1/embeddings", model="mistral-embed")
    items: list[Any] = [
        {"custom_id": "e1", "body": {"input": ["one", "two"]}},
        BatchItem({"input": "x", "model": "mistral-moderation-latest"}, "m1", "/v1/moderations"),
        BatchItem(
            {"model": "codestral-latest", "prompt": "def f(", "suffix": "return 1"},
            "f1",
            "/v1/fim/completions",
        ),
        BatchItem(
            {"model": "mistral-moderation-latest", "input": [{"role": "user", "content": "hi"}]},
            "cm1",
            "/v1/chat/moderations",
        ),
        {"custom_id": "e2", "body": {"inputs": ["the SDK's name, not the API's"]}},
    ]
    results = {r.custom_id: r for r in await collect(runner, items)}
    assert results["e1"].ok
    assert len(results["e1"].to_record()["response"]["body"]["data"]) == 2
    assert results["m1"].ok, results["m1"].error
    assert results["f1"].ok, results["f1"].error
    assert results["f1"].endpoint == "/v1/fim/completions"
    assert results["cm1"].ok, results["cm1"].error
    assert isinstance(results["e2"].error, ArgumentError)


# -- faults at scale ---------------------------------------------------------------------------

# (kind, params, share of items): the faults are queued as the input is read, so they fall on
# requests all through the run, first attempts and retries alike.
FAULTS: list[tuple[str, dict[str, Any], float]] = [
    ("status", {"status": 429, "headers": {"retry-after-ms": "5"}}, 0.04),
    ("status", {"status": 500}, 0.02),
    ("status", {"status": 503}, 0.02),
    ("disconnect", {}, 0.02),
    ("status", {"status": 400}, 0.005),  # not retryable: those items fail
]
STREAM_FAULTS: list[tuple[str, dict[str, Any], float]] = [
    ("cut_stream", {"after_events": 2}, 0.03),
    ("stream_error", {"after_events": 1}, 0.01),
]


@pytest.mark.parametrize(("stream", "count"), [(False, 1000), (True, 400)], ids=["json", "stream"])
async def test_thousands_of_items_survive_faults(
    client: AsyncMistral, server: LocalServer, stream: bool, count: int
) -> None:
    fast_retries(client, retries=4)
    rng = random.Random(4)
    faults = FAULTS + (STREAM_FAULTS if stream else [])
    added: Counter[str] = Counter()

    def items() -> Iterator[dict[str, Any]]:
        for item in lines(count):
            for kind, params, share in faults:
                if rng.random() < share:
                    server.faults.add(kind, path=CHAT, **params)  # type: ignore[arg-type]
                    added[f"{kind}{params.get('status', '')}"] += 1
            yield item

    progress: list[BatchProgress] = []
    runner = BatchRunner(
        client, model=MODEL, concurrency=32, stream=stream, on_progress=progress.append
    )
    results = await collect(runner, items())
    left_400 = sum(1 for f in server.faults.pending() if f.status == 400)
    server.faults.clear()

    assert len(results) == count
    assert sorted(r.custom_id for r in results) == sorted(f"q{n}" for n in range(count))
    failed = [r for r in results if not r.ok]
    bad_requests = [r for r in failed if isinstance(r.error, BadRequestError)]
    assert len(bad_requests) == added["status400"] - left_400
    others = [r for r in failed if not isinstance(r.error, BadRequestError)]
    # Five attempts in a row all faulted: possible, rare, and then reported with its error.
    assert len(others) <= count // 100
    retryable = (RateLimitError, InternalServerError, APIConnectionError, StreamError)
    assert all(isinstance(r.error, retryable) and r.retries == 4 for r in others)
    assert sum(r.retries for r in results) >= sum(added.values()) - added["status400"] - 40
    final = progress[-1]
    assert final.finished
    assert (final.done, final.failed, final.in_flight) == (count, len(failed), 0)
    assert final.rate_limited >= 1
    assert final.prompt_tokens > 0


# -- memory stays bounded ----------------------------------------------------------------------


def mock_client(delay_for: dict[str, float] | None = None) -> AsyncMistral:
    """A client whose every chat completion is answered in-process, with no socket: fast
    enough for ten thousand items in a second or two."""
    reply = {
        "id": "cmpl",
        "object": "chat.completion",
        "model": MODEL,
        "created": 1,
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
    }
    delays = delay_for or {}

    async def answer(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["messages"][0]["content"]
        if text in delays:
            await anyio.sleep(delays[text])
        return httpx.Response(200, json=reply)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return AsyncMistral(api_key="k", base_url="http://mock", http_client=http)


class CountingInput:
    """An async input of ``count`` items that counts how many were taken."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[BatchItem]:
        for n in range(self.count):
            self.pulled += 1
            yield BatchItem({"messages": [{"role": "user", "content": f"m{n}"}]}, f"m{n}")


@pytest.mark.parametrize("ordered", [False, True])
async def test_items_are_pulled_lazily(ordered: bool, anyio_backend: str) -> None:
    # Ten thousand items once; fewer for the other variants, to keep the suite quick.
    count = 10_000 if (anyio_backend, ordered) == ("asyncio", False) else 2000
    source = CountingInput(count)
    client = mock_client()
    runner = BatchRunner(client, model=MODEL, concurrency=16, reorder_limit=32)
    consumed = ahead = 0
    async with client, runner.run(source, ordered=ordered) as results:
        async for _ in results:
            consumed += 1
            ahead = max(ahead, source.pulled - consumed)
    assert consumed == count
    # in the workers, with the feeder, in the results channel (or the reorder window)
    assert ahead <= 16 + 1 + (32 if ordered else 16)


async def test_a_slow_head_holds_back_the_input_in_order() -> None:
    source = CountingInput(500)
    client = mock_client({"m0": 0.5})
    runner = BatchRunner(client, model=MODEL, concurrency=8, reorder_limit=20)
    async with client, runner.run(source, ordered=True) as results:
        iterator = results.__aiter__()
        first = await iterator.__anext__()  # comes once the slow head is done...
        assert first.custom_id == "m0"
        assert source.pulled <= 20 + 8 + 1  # ...while the input stood still
        rest = [result async for result in iterator]
    assert [r.index for r in rest] == list(range(1, 500))


async def test_leaving_early_cancels_what_is_in_flight(
    client: AsyncMistral, server: LocalServer
) -> None:
    server.faults.add("stall", seconds=5, times=3, path=CHAT)
    runner = BatchRunner(client, model=MODEL, concurrency=4)
    started = time.monotonic()
    with anyio.fail_after(3):
        async with runner.run(lines(100)) as results:
            async for result in results:
                assert result.ok
                break
    assert time.monotonic() - started < 3
    assert client._limiter.in_flight == 0


async def test_an_input_that_fails_ends_the_run_with_its_error(client: AsyncMistral) -> None:
    def items() -> Iterator[dict[str, Any]]:
        yield from lines(3)
        raise OSError("the disk went away")

    seen = []
    with pytest.raises(OSError, match="disk"):
        async with BatchRunner(client, model=MODEL).run(items()) as results:
            async for result in results:
                seen.append(result)
    assert len(seen) == 3


# -- pacing, live ------------------------------------------------------------------------------


async def test_requests_per_minute_paces_a_run(client: AsyncMistral) -> None:
    runner = BatchRunner(client, model=MODEL, concurrency=8, requests_per_minute=1200)
    started = time.monotonic()
    results = await collect(runner, lines(12))
    assert all(r.ok for r in results)
    assert time.monotonic() - started >= 0.45  # 20 a second, after a burst of 2


async def test_the_account_limit_the_api_reports_paces_a_run(
    client: AsyncMistral, server: LocalServer
) -> None:
    limits = server.app.rate_limits
    before = limits.requests_per_minute
    limits.requests_per_minute = 1200  # the server says: 20 a second
    try:
        runner = BatchRunner(client, model=MODEL, concurrency=8)
        started = time.monotonic()
        async with runner.run(lines(30)) as results:
            async for _ in results:
                pass
            pace = results.progress.requests_per_minute
    finally:
        limits.requests_per_minute = before
    assert pace == pytest.approx(1200)
    # the first replies teach the limit; the 22 items after them go out at 20 a second
    assert time.monotonic() - started >= 0.9


async def test_retry_after_pauses_the_whole_run(client: AsyncMistral, server: LocalServer) -> None:
    server.faults.add("status", status=429, headers={"Retry-After": "0.5"}, path=CHAT)
    runner = BatchRunner(client, model=MODEL, concurrency=1)
    started = time.monotonic()
    async with runner.run(lines(3)) as results:
        got = [result async for result in results]
        progress = results.progress
    assert time.monotonic() - started >= 0.45
    assert [r.retries for r in got] == [1, 0, 0]
    assert progress.rate_limited == 1
    assert progress.retries == 1


# -- the blocking runner -------------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # no loop in this thread: a plain test
def test_sync_runner(local_server: LocalServer, anyio_backend: str) -> None:
    local_server.reset()
    reports: list[BatchProgress] = []
    with Mistral(api_key="k", base_url=local_server.url) as client:
        runner = SyncBatchRunner(
            client, model=MODEL, concurrency=4, on_progress=reports.append, progress_interval=0.05
        )
        with runner.run(lines(20), ordered=True) as results:
            got = list(results)
            assert results.progress.done == 20
        # The finished run's last report; the run broken off below may or may not have
        # finished before the break cancels it, so its reports say nothing certain.
        last_of_first = reports[-1]
        with runner.run(lines(5)) as results:
            for _ in results:
                break
    assert [r.custom_id for r in got] == [f"q{n}" for n in range(20)]
    assert all(r.ok for r in got)
    assert last_of_first.finished


async def test_runner_options_are_checked(client: AsyncMistral) -> None:
    with pytest.raises(ArgumentError, match="concurrency"):
        BatchRunner(client, concurrency=0)
    with pytest.raises(ArgumentError, match="endpoint"):
        BatchRunner(client, endpoint="/v1/nowhere")
    with pytest.raises(ArgumentError, match="stream"):
        BatchRunner(client, endpoint="/v1/embeddings", stream=True)
    with pytest.raises(ArgumentError, match="requests_per_minute"):
        BatchRunner(client, requests_per_minute=-1)
    with pytest.raises(ArgumentError, match="colour"):
        BatchRunner(client, colour="blue")  # type: ignore[call-arg]
    run = BatchRunner(client).run([])
    with pytest.raises(RuntimeError, match="async with"):
        run.__aiter__()
