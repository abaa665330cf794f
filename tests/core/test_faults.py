"""Retries, limits and fault handling over real sockets, with faults injected by the server."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AsyncMistral,
    BadRequestError,
    ConflictError,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    StreamIdleTimeoutError,
)

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Tell me about rivers"}
CHAT = "/v1/chat/completions"


async def ask(client: AsyncMistral, **options: Any) -> Any:
    return await client.chat.complete(model=MODEL, messages=[USER], **options)


def fast_retries(client: AsyncMistral) -> None:
    """Make backoff near-instant so tests do not sleep for real."""
    from mistral_async._core.retry import RetryPolicy

    client._policy = lambda options: RetryPolicy(  # type: ignore[method-assign]
        max_retries=options.get("max_retries", client.max_retries), initial_delay=0.01
    )


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried(
    client: AsyncMistral, server: Any, status: int
) -> None:
    fast_retries(client)
    server.faults.add("status", status=status, times=2, path=CHAT)
    completion = await ask(client)
    assert completion.text
    assert completion.response_info.retries == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (409, ConflictError),
        (500, InternalServerError),
        (503, InternalServerError),
        (429, RateLimitError),
    ],
)
async def test_exhausted_retries_raise_the_typed_error(
    client: AsyncMistral, server: Any, status: int, error: type[Exception]
) -> None:
    fast_retries(client)
    server.faults.add("status", status=status, times=None, path=CHAT)
    with pytest.raises(error) as info:
        await ask(client)
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert info.value.request_id  # type: ignore[attr-defined]
    expected_retries = 2 if status in (409, 429, 500, 503) else 0
    assert info.value.retries == expected_retries  # type: ignore[attr-defined]
    server.faults.clear()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_never_retried(
    client: AsyncMistral, server: Any, status: int
) -> None:
    server.faults.add("status", status=status, times=None, path=CHAT)
    with pytest.raises(APIStatusError) as info:
        await ask(client)
    assert info.value.status_code == status
    assert info.value.retries == 0
    server.faults.clear()
    server.exchanges.wait_idle()
    assert len(server.exchanges) == 1


async def test_retry_after_seconds_is_honoured(client: AsyncMistral, server: Any) -> None:
    server.faults.add("status", status=429, headers={"Retry-After": "0.4"}, path=CHAT)
    started = time.monotonic()
    completion = await ask(client)
    assert time.monotonic() - started >= 0.35
    assert completion.response_info.retries == 1


async def test_retry_after_ms_is_honoured(client: AsyncMistral, server: Any) -> None:
    server.faults.add("status", status=503, headers={"retry-after-ms": "300"}, path=CHAT)
    started = time.monotonic()
    await ask(client)
    assert time.monotonic() - started >= 0.25


async def test_retry_after_http_date_is_honoured(client: AsyncMistral, server: Any) -> None:
    when = email.utils.formatdate(time.time() + 1.5, usegmt=True)
    server.faults.add("status", status=429, headers={"Retry-After": when}, path=CHAT)
    started = time.monotonic()
    await ask(client)
    # HTTP dates have one-second resolution
    assert time.monotonic() - started >= 0.4


async def test_retry_after_beyond_the_cap_raises_at_once(client: AsyncMistral, server: Any) -> None:
    server.faults.add("status", status=429, headers={"Retry-After": "3600"}, path=CHAT)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        await ask(client)
    assert time.monotonic() - started < 5
    assert info.value.retry_after == "3600"
    assert info.value.retries == 0


async def test_per_call_max_retries(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    server.faults.add("status", status=500, times=1, path=CHAT)
    with pytest.raises(InternalServerError):
        await ask(client, max_retries=0)
    completion = await ask(client, max_retries=5)  # the queue is empty again
    assert completion.response_info.retries == 0


async def test_dropped_connection_is_retried(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    server.faults.add("disconnect", times=2, path=CHAT)
    completion = await ask(client)
    assert completion.response_info.retries == 2


async def test_dropped_connection_without_retries_is_typed(
    client: AsyncMistral, server: Any
) -> None:
    server.faults.add("disconnect", path=CHAT)
    with pytest.raises(APIConnectionError) as info:
        await ask(client, max_retries=0)
    assert "POST" in str(info.value)


async def test_malformed_body_is_a_validation_error(client: AsyncMistral, server: Any) -> None:
    server.faults.add("malformed", path=CHAT)
    with pytest.raises(APIResponseValidationError) as info:
        await ask(client)
    assert info.value.status_code == 200
    assert info.value.body


async def test_timeout_is_typed_and_retried(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    from mistral_async import APITimeoutError

    server.faults.add("stall", seconds=3, times=2, path=CHAT)
    with pytest.raises(APITimeoutError) as info:
        await ask(client, timeout=0.2, max_retries=1)
    assert info.value.retries == 1


# -- streams ---------------------------------------------------------------------------------


async def test_stream_cut_before_first_event_is_retried(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    server.faults.add("cut_stream", after_events=0, path=CHAT)
    async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
        final = await stream.get_final_completion()
    assert final.text
    assert stream.response_info is not None
    assert stream.response_info.retries == 1


async def test_a_retried_stream_keeps_one_slot_and_frees_it_once(server: Any) -> None:
    server.faults.add("cut_stream", after_events=0, path=CHAT)
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        fast_retries(client)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert client._limiter.in_flight == 1
            assert (await stream.get_final_completion()).text
            # a second release would leave the count at -1
            assert client._limiter.in_flight == 0
        assert stream.response_info is not None
        assert stream.response_info.retries == 1
        assert client._limiter.in_flight == 0


async def test_a_stream_cancelled_while_waiting_to_retry_frees_its_slot(server: Any) -> None:
    from mistral_async._core.retry import RetryPolicy

    server.faults.add("cut_stream", after_events=0, path=CHAT)
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        # A backoff of several seconds: the cancellation lands in the sleep between attempts.
        client._policy = lambda options: RetryPolicy(max_retries=2, initial_delay=5.0)  # type: ignore[method-assign]
        with anyio.move_on_after(0.3) as scope:
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                await stream.get_final_completion()
        assert scope.cancelled_caught
        assert stream.closed
        assert client._limiter.in_flight == 0
        server.faults.clear()
        with anyio.fail_after(5):
            assert (await ask(client)).text


async def test_stream_cut_after_events_is_not_retried(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    server.faults.add("cut_stream", after_events=2, path=CHAT)
    seen = 0
    with pytest.raises(APIConnectionError):
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            async for _ in stream:
                seen += 1
    assert seen == 2
    assert stream.closed
    server.exchanges.wait_idle()
    assert len(server.exchanges) == 1


async def test_error_event_inside_a_stream_is_typed(client: AsyncMistral, server: Any) -> None:
    server.faults.add(
        "stream_error",
        after_events=1,
        message="generation failed",
        error_type="api_error",
        path=CHAT,
    )
    with pytest.raises(StreamError, match="generation failed") as info:
        async for _ in client.chat.stream(model=MODEL, messages=[USER]):
            pass
    assert info.value.status_code == 200
    assert info.value.type == "api_error"


async def test_stalled_stream_hits_the_idle_timeout(client: AsyncMistral, server: Any) -> None:
    server.faults.add("stall", seconds=5, after_events=1, path=CHAT)
    started = time.monotonic()
    with pytest.raises(StreamIdleTimeoutError):
        async with client.chat.stream(model=MODEL, messages=[USER], idle_timeout=0.3) as stream:
            async for _ in stream:
                pass
    assert time.monotonic() - started < 3
    assert stream.closed


async def test_stream_status_error_is_retried_then_typed(client: AsyncMistral, server: Any) -> None:
    fast_retries(client)
    server.faults.add("status", status=503, times=1, path=CHAT)
    async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
        assert (await stream.get_final_completion()).text
    server.faults.add("status", status=429, headers={"Retry-After": "3600"}, path=CHAT)
    with pytest.raises(RateLimitError):
        async with client.chat.stream(model=MODEL, messages=[USER]):
            pass
    assert client._limiter.in_flight == 0


# -- limits ----------------------------------------------------------------------------------


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests in flight on the real transport beneath."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.now = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_max_concurrency_bounds_requests_in_flight(server: Any) -> None:
    transport = CountingTransport()
    server.faults.add("stall", seconds=0.2, times=8, path=CHAT)
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncMistral(api_key="k", base_url=server.url, max_concurrency=3, http_client=http)
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(ask, client)
    assert transport.peak == 3
    assert client._limiter.in_flight == 0


async def test_streams_hold_their_slot_until_closed(server: Any) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        stream = client.chat.stream(model=MODEL, messages=[USER])
        await stream.__aenter__()
        assert client._limiter.in_flight == 1
        with anyio.move_on_after(0.3) as scope:
            await ask(client)  # waits for the slot
        assert scope.cancelled_caught
        await stream.aclose()
        assert client._limiter.in_flight == 0
        with anyio.fail_after(5):
            await ask(client)


async def test_cancelled_request_frees_its_slot(server: Any) -> None:
    server.faults.add("stall", seconds=5, path=CHAT)
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        with anyio.move_on_after(0.2):
            await ask(client)
        assert client._limiter.in_flight == 0
        server.faults.clear()
        with anyio.fail_after(5):
            assert (await ask(client)).text


async def test_rate_limit_headers_are_exposed(client: AsyncMistral) -> None:
    first = await ask(client)
    second = await ask(client)
    limits = [c.response_info.rate_limit for c in (first, second)]
    assert limits[0].raw
    remaining = [lim.requests_remaining or lim.tokens_remaining for lim in limits]
    assert all(r is not None for r in remaining)
