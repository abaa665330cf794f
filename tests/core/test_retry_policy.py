"""``retry=RetryPolicy(...)``: its checks, where it is accepted (client, call, ``with_options``,
the batch runner), and that every sender follows it, streams included, over real sockets."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mistral_async import (
    APIConnectionError,
    APIStatusError,
    ArgumentError,
    AsyncMistral,
    BatchRunner,
    InternalServerError,
    Mistral,
    RateLimitError,
    RetryPolicy,
)
from mistral_async._core.retry import backoff_delay, next_delay

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Tell me about rivers"}
CHAT = "/v1/chat/completions"
FAST = RetryPolicy(initial_delay=0.01, max_delay=0.02)


async def ask(client: AsyncMistral, **options: Any) -> Any:
    return await client.chat.complete(model=MODEL, messages=[USER], **options)


# -- the policy itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_retries", -1),
        ("max_retries", True),
        ("max_retries", 1.5),
        ("initial_delay", float("nan")),
        ("initial_delay", float("inf")),
        ("initial_delay", -0.1),
        ("initial_delay", "1"),
        ("max_delay", float("inf")),
        ("max_delay", None),
        ("max_retry_after", float("inf")),
        ("max_retry_after", -1),
        ("jitter", 1.5),
        ("jitter", -0.1),
        ("jitter", float("nan")),
        ("retry_statuses", "500"),
        ("retry_statuses", 500),
        ("retry_statuses", [99]),
        ("retry_statuses", [600]),
        ("retry_statuses", [True]),
        ("retry_statuses", ["500"]),
    ],
)
def test_every_field_is_checked(field: str, value: Any) -> None:
    with pytest.raises(ArgumentError, match=rf"retry\.{field}"):
        RetryPolicy(**{field: value})


def test_a_policy_is_normalised_frozen_and_hashable() -> None:
    policy = RetryPolicy(initial_delay=1, retry_statuses=[503, 503, 429])
    assert policy.initial_delay == 1.0
    assert isinstance(policy.initial_delay, float)
    assert policy.retry_statuses == frozenset({429, 503})
    assert hash(policy) == hash(RetryPolicy(initial_delay=1.0, retry_statuses={429, 503}))
    with pytest.raises(AttributeError):
        policy.max_retries = 5  # type: ignore[misc]
    assert RetryPolicy(max_delay=0, initial_delay=0, jitter=0, max_retry_after=0)


def test_jitter_bounds_the_share_shaved_off() -> None:
    exact = RetryPolicy(initial_delay=1.0, max_delay=10.0, jitter=0.0)
    assert [backoff_delay(n, exact, rand=lambda: 0.99) for n in range(5)] == [1, 2, 4, 8, 10]
    half = RetryPolicy(initial_delay=1.0, jitter=0.5)
    assert backoff_delay(0, half, rand=lambda: 1.0) == 0.5
    assert backoff_delay(0, half, rand=lambda: 0.0) == 1.0
    # A huge retry count does not overflow: max_delay caps it.
    assert backoff_delay(10_000, RetryPolicy(jitter=0)) == 8.0


def test_the_statuses_retried_are_the_policy_s() -> None:
    only_418 = RetryPolicy(retry_statuses={418})
    assert next_delay(418, 0, only_418) is not None
    assert next_delay(503, 0, only_418) is None
    assert next_delay(503, 0, RetryPolicy()) is not None
    # Connection failures stay retryable whatever the statuses.
    import httpx

    assert next_delay(httpx.ConnectError("down"), 0, RetryPolicy(retry_statuses=())) is not None


def test_the_retry_after_cap_is_the_policy_s() -> None:
    headers = {"retry-after": "5"}
    assert next_delay(429, 0, RetryPolicy(max_retry_after=10), headers) == 5.0
    assert next_delay(429, 0, RetryPolicy(max_retry_after=4), headers) is None


# -- where it is accepted ----------------------------------------------------------------------


def test_the_client_takes_a_policy_or_its_short_form() -> None:
    assert AsyncMistral(api_key="k").retry == RetryPolicy()
    assert AsyncMistral(api_key="k").max_retries == 2
    client = AsyncMistral(api_key="k", max_retries=5)
    assert client.retry == RetryPolicy(max_retries=5)
    assert client.max_retries == 5
    client = AsyncMistral(api_key="k", retry=FAST)
    assert client.retry is FAST
    with pytest.raises(ArgumentError, match="retry") as info:
        AsyncMistral(api_key="k", retry=FAST, max_retries=1)
    assert "max_retries" in str(info.value)
    with pytest.raises(ArgumentError, match="RetryPolicy"):
        AsyncMistral(api_key="k", retry=3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="max_retries"):
        AsyncMistral(api_key="k", max_retries=-1)


def test_with_options_changes_the_policy_or_only_its_count() -> None:
    client = AsyncMistral(api_key="k", retry=RetryPolicy(initial_delay=0.1, retry_statuses={418}))
    fewer = client.with_options(max_retries=0)
    assert fewer.retry == RetryPolicy(max_retries=0, initial_delay=0.1, retry_statuses={418})
    assert client.with_options(retry=FAST).retry is FAST
    assert client.with_options(timeout=3).retry is client.retry
    with pytest.raises(ArgumentError, match="retry") as info:
        client.with_options(retry=FAST, max_retries=1)
    assert "max_retries" in str(info.value)


def test_the_blocking_client_takes_it_too() -> None:
    with Mistral(api_key="k", retry=FAST) as client:
        assert client.retry is FAST
        assert client.with_options(max_retries=1).retry == RetryPolicy(
            max_retries=1, initial_delay=0.01, max_delay=0.02
        )


@pytest.mark.anyio
async def test_a_call_cannot_take_both(client: AsyncMistral, server: Any) -> None:
    with pytest.raises(ArgumentError, match="retry") as info:
        await ask(client, retry=FAST, max_retries=1)
    assert "max_retries" in str(info.value)
    with pytest.raises(ArgumentError, match="RetryPolicy"):
        await ask(client, retry={"max_retries": 1})
    assert len(server.exchanges) == 0


# -- followed over real sockets ----------------------------------------------------------------


@pytest.mark.anyio
async def test_the_client_policy_decides_which_statuses_retry(server: Any) -> None:
    teapot = RetryPolicy(initial_delay=0.01, retry_statuses={418})
    async with AsyncMistral(api_key="k", base_url=server.url, retry=teapot) as client:
        server.faults.add("status", status=418, times=2, path=CHAT)
        completion = await ask(client)
        assert completion.response_info.retries == 2
        server.faults.add("status", status=503, times=1, path=CHAT)
        with pytest.raises(InternalServerError) as info:
            await ask(client)
        assert info.value.retries == 0


@pytest.mark.anyio
async def test_a_call_s_policy_wins_and_max_retries_keeps_the_rest(server: Any) -> None:
    teapot = RetryPolicy(initial_delay=0.01, retry_statuses={418})
    async with AsyncMistral(api_key="k", base_url=server.url, retry=teapot) as client:
        server.faults.add("status", status=503, times=1, path=CHAT)
        completion = await ask(client, retry=FAST)
        assert completion.response_info.retries == 1
        # max_retries= changes the count only: 418 is still the one status retried.
        server.faults.add("status", status=418, times=3, path=CHAT)
        with pytest.raises(APIStatusError) as info:
            await ask(client, max_retries=1)
        assert (info.value.status_code, info.value.retries) == (418, 1)
        server.faults.clear()


@pytest.mark.anyio
async def test_the_retry_after_cap_and_the_delays_are_followed(server: Any) -> None:
    policy = RetryPolicy(max_retry_after=0.5, initial_delay=0.01)
    async with AsyncMistral(api_key="k", base_url=server.url, retry=policy) as client:
        server.faults.add("status", status=429, headers={"Retry-After": "1"}, path=CHAT)
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            await ask(client)
        assert info.value.retries == 0
        assert time.monotonic() - started < 0.9
        # A wait under the cap is honoured.
        server.faults.add("status", status=429, headers={"Retry-After": "0.2"}, path=CHAT)
        started = time.monotonic()
        assert (await ask(client)).response_info.retries == 1
        assert time.monotonic() - started >= 0.18


@pytest.mark.anyio
async def test_streams_follow_the_policy_before_their_first_event(server: Any) -> None:
    no_503 = RetryPolicy(initial_delay=0.01, retry_statuses={429})
    async with AsyncMistral(api_key="k", base_url=server.url, retry=no_503) as client:
        server.faults.add("status", status=429, times=1, path=CHAT)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert (await stream.get_final_completion()).text
        assert stream.response_info is not None
        assert stream.response_info.retries == 1
        server.faults.add("status", status=503, times=1, path=CHAT)
        with pytest.raises(InternalServerError):
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                pass
        # A cut before the first event: retried as the call's policy says, here not at all.
        server.faults.add("cut_stream", after_events=0, path=CHAT)
        with pytest.raises(APIConnectionError) as cut:
            async with client.chat.stream(
                model=MODEL, messages=[USER], retry=RetryPolicy(max_retries=0)
            ) as stream:
                await stream.get_final_completion()
        assert cut.value.retries == 0
        server.faults.add("cut_stream", after_events=0, path=CHAT)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert (await stream.get_final_completion()).text
        assert stream.response_info is not None
        assert stream.response_info.retries == 1


@pytest.mark.anyio
async def test_the_batch_runner_follows_its_policy(server: Any) -> None:
    teapot = RetryPolicy(max_retries=1, initial_delay=0.01, retry_statuses={418})
    item = {"messages": [USER], "max_tokens": 8}
    async with AsyncMistral(api_key="k", base_url=server.url, max_retries=0) as client:
        for runner in (
            BatchRunner(client, model=MODEL, retry=teapot),
            BatchRunner(client, model=MODEL, request_options={"retry": teapot}),
        ):
            server.faults.add("status", status=418, times=1, path=CHAT)
            async with runner.run([item]) as results:
                (result,) = [r async for r in results]
            assert result.ok
            assert result.retries == 1
        # The client's policy otherwise (no retries here).
        server.faults.add("status", status=418, times=1, path=CHAT)
        async with BatchRunner(client, model=MODEL).run([item]) as results:
            (result,) = [r async for r in results]
        assert not result.ok
        assert result.retries == 0
        with pytest.raises(ArgumentError, match="retry"):
            BatchRunner(client, model=MODEL, retry=teapot, max_retries=2)
        with pytest.raises(ArgumentError, match="retry"):
            BatchRunner(client, model=MODEL, request_options={"retry": 2})  # type: ignore[typeddict-item]
