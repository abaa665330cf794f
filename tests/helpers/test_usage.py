"""Usage and cost: the tracker's arithmetic, and what the client records."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    Mistral,
    ModelPrice,
    UsageTracker,
)
from mistral_async.testing import LocalServer
from mistral_async.usage import DEFAULT_PRICING, PriceTable, format_cost

USER = [{"role": "user", "content": "What is the capital of France?"}]


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the tracker -------------------------------------------------------------------------------


def test_default_prices_are_the_ones_in_the_users_notes() -> None:
    assert DEFAULT_PRICING["mistral-large-2411"] == ModelPrice(2.0, 6.0)
    assert DEFAULT_PRICING["mistral-small-2409"] == ModelPrice(0.2, 0.6)
    assert DEFAULT_PRICING["codestral-2405"] == ModelPrice(0.2, 0.6)
    assert DEFAULT_PRICING["mistral-embed"] == ModelPrice(0.1)
    assert DEFAULT_PRICING["mistral-moderation"] == ModelPrice(0.2)


def test_costs_per_model_and_unknown_models_are_unpriced() -> None:
    tracker = UsageTracker()
    tracker.record("mistral-large-2411", 1_000_000, 500_000)
    tracker.record("mistral-small-2409", 2_000_000, 1_000_000)
    tracker.record("mistral-medium-latest", 100, 10)  # no price in the notes: not guessed
    total = tracker.summary()
    assert total.requests == 3
    assert total.prompt_tokens == 3_000_100
    assert total.completion_tokens == 1_500_010
    assert total.total_tokens == 4_500_110
    assert total.cost == pytest.approx(2.0 + 3.0 + 0.4 + 0.6)
    assert total.unpriced_requests == 1
    assert total.unpriced_models == ("mistral-medium-latest",)
    assert not total.fully_priced
    per_model = tracker.by_model()
    assert list(per_model) == ["mistral-large-2411", "mistral-medium-latest", "mistral-small-2409"]
    assert per_model["mistral-large-2411"].cost == pytest.approx(5.0)
    assert per_model["mistral-large-2411"].fully_priced
    unpriced = per_model["mistral-medium-latest"]
    assert (unpriced.cost, unpriced.unpriced_requests) == (0.0, 1)
    assert tracker.cost("mistral-embed", 1_000_000) == pytest.approx(0.1)
    assert tracker.cost("nope", 10) is None
    assert tracker.summary(model="mistral-small-2409").requests == 1


def test_latest_aliases_are_priced_as_the_dated_model_of_the_tables_date() -> None:
    assert DEFAULT_PRICING.as_of == date(2025, 1, 22)  # the notes' "last updated" date
    tracker = UsageTracker()
    assert tracker.prices_as_of == date(2025, 1, 22)
    for alias, dated in [
        ("mistral-small-latest", "mistral-small-2409"),
        ("mistral-large-latest", "mistral-large-2411"),
        ("codestral-latest", "codestral-2405"),
        ("mistral-moderation-latest", "mistral-moderation"),
    ]:
        assert tracker.priced_as(alias) == dated
        assert tracker.cost(alias, 1_000_000, 1_000_000) == tracker.cost(
            dated, 1_000_000, 1_000_000
        )
    # Versions and families the notes give no price for stay unpriced.
    for model in ("mistral-small-2506", "mistral-medium-latest", "codestral-embed", "ft:x:y"):
        assert tracker.priced_as(model) is None
        assert tracker.cost(model, 10) is None
    tracker.record("mistral-small-latest", 1_000, 100)
    assert tracker.summary().fully_priced
    assert tracker.summary().cost == pytest.approx((1_000 * 0.2 + 100 * 0.6) / 1e6)
    # Spread into a plain dict (the README's way to add a price), the aliases stay priced.
    copied = {**DEFAULT_PRICING, "house": ModelPrice(1.0)}
    assert copied["mistral-small-latest"] == ModelPrice(0.2, 0.6)
    assert UsageTracker(pricing=copied).priced_as("mistral-small-latest") == (
        "mistral-small-latest"
    )
    assert UsageTracker(pricing=copied).prices_as_of is None  # a plain dict says no date


def test_a_price_table_of_ones_own_with_its_date_and_aliases() -> None:
    table = PriceTable(
        {"house-2601": ModelPrice(1.0, 2.0)}, {"house-latest": "house-2601"}, date(2026, 1, 5)
    )
    assert dict(table) == {"house-2601": ModelPrice(1.0, 2.0), "house-latest": ModelPrice(1.0, 2.0)}
    assert "house-latest" in table
    assert "house-2509" not in table
    with pytest.raises(KeyError):
        table["house-2509"]
    tracker = UsageTracker(pricing=table)
    assert tracker.pricing is table
    assert tracker.prices_as_of == date(2026, 1, 5)
    assert tracker.cost("house-latest", 1_000_000, 1_000_000) == 3.0
    assert "as_of=2026-01-05" in repr(table)


def test_repr_and_str_show_rounded_costs_and_what_is_unpriced() -> None:
    tracker = UsageTracker()
    tracker.record("mistral-small-2409", 1)
    tracker.record("mistral-small-2409", 2)
    # 1 and 2 prompt tokens at $0.20 per million: 2e-07 + 4e-07, which floats add to
    # 6.000000000000001e-07; the summary's figure is rounded back.
    assert 1 * 0.2 / 1e6 + 2 * 0.2 / 1e6 != 6e-07
    assert tracker.summary().cost == 6e-07
    assert repr(tracker) == "UsageTracker(requests=2, total_tokens=3, cost=$0.000000600)"
    tracker.record("mistral-small-latest", 300, 60)
    tracker.record("mistral-medium-latest", 5, 5)
    assert repr(tracker) == (
        "UsageTracker(requests=4, total_tokens=373, cost=$0.0000966, "
        "cost unknown for 'mistral-medium-latest')"
    )
    assert "cost=9.66e-05," in repr(tracker.summary())  # no float noise
    assert str(tracker.summary()) == (
        "4 requests, 373 tokens (308 prompt, 65 completion), ~$0.0000966; "
        "cost unknown for mistral-medium-latest (1 request)"
    )
    assert str(UsageTracker().summary()) == "0 requests, 0 tokens (0 prompt, 0 completion)"


def test_format_cost() -> None:
    assert format_cost(0) == "$0.00"
    assert format_cost(9.62e-05) == "$0.0000962"
    assert format_cost(0.0123456) == "$0.0123"
    assert format_cost(0.5) == "$0.500"
    assert format_cost(1234.567) == "$1,234.57"


def test_the_price_table_is_replaceable_and_reprices_the_history() -> None:
    tracker = UsageTracker(pricing={"house-model": ModelPrice(1.0, 1.0)})
    tracker.record("house-model", 500_000, 500_000)
    tracker.record("mistral-large-2411", 1_000_000)
    assert tracker.summary().cost == pytest.approx(1.0)
    assert tracker.summary().unpriced_models == ("mistral-large-2411",)
    tracker.pricing = {**DEFAULT_PRICING, "house-model": ModelPrice(2.0, 2.0)}
    assert tracker.summary().cost == pytest.approx(2.0 + 2.0)
    assert tracker.summary().fully_priced


def test_time_windows() -> None:
    clock = Clock(1_000.0)
    tracker = UsageTracker(clock=clock)
    tracker.record("mistral-embed", 10)
    clock.now = 1_060.0
    tracker.record("mistral-embed", 20)
    clock.now = 1_120.0
    tracker.record("codestral-2405", 30, 5)
    assert tracker.summary(since=1_060).prompt_tokens == 50
    assert tracker.summary(until=1_060).prompt_tokens == 10
    assert tracker.summary(since=1_000, until=1_120).requests == 2
    assert tracker.summary(last=60).prompt_tokens == 50  # 1_060 onwards
    assert tracker.summary(last=0).prompt_tokens == 30
    assert tracker.by_model(last=30) == {"codestral-2405": tracker.summary(model="codestral-2405")}
    with pytest.raises(ArgumentError, match="last"):
        tracker.summary(last=-1)


def test_windows_see_the_retained_records_and_totals_stay_exact() -> None:
    tracker = UsageTracker(max_records=2)
    for tokens in (1, 2, 3, 4):
        tracker.record("mistral-embed", tokens)
    assert [r.prompt_tokens for r in tracker.records] == [3, 4]
    assert tracker.summary().prompt_tokens == 10  # exact whatever was dropped
    assert tracker.summary(since=0).prompt_tokens == 7
    tracker.reset()
    assert tracker.summary().requests == 0
    assert tracker.records == []


def test_bad_values_are_refused() -> None:
    with pytest.raises(ArgumentError, match="max_records"):
        UsageTracker(max_records=-1)
    with pytest.raises(ArgumentError, match="tokens"):
        UsageTracker().record("m", -5)


def test_recording_from_many_threads_loses_nothing() -> None:
    tracker = UsageTracker()

    def work() -> None:
        for i in range(2_000):
            tracker.record("mistral-embed", 1, 1)
            if i % 100 == 0:
                tracker.summary(last=10)  # reading while others write

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tracker.summary().requests == 16_000
    assert tracker.summary().total_tokens == 32_000


def test_recording_is_cheap() -> None:
    # "On by default costs nothing measurable": a few microseconds beside a network request.
    tracker = UsageTracker()
    started = time.perf_counter()
    for _ in range(20_000):
        tracker.record("mistral-small-2409", 100, 20)
    per_record = (time.perf_counter() - started) / 20_000
    assert per_record < 50e-6


# -- what the client records -------------------------------------------------------------------


@pytest.mark.anyio
async def test_every_reply_is_recorded_by_default(client: AsyncMistral) -> None:
    tracker = client.usage_tracker
    assert isinstance(tracker, UsageTracker)
    completion = await client.chat.complete(model="mistral-large-2411", messages=USER)
    record = tracker.records[-1]
    assert record.model == "mistral-large-2411"
    assert record.prompt_tokens == completion.usage.prompt_tokens
    assert record.completion_tokens == completion.usage.completion_tokens
    assert record.path == "/v1/chat/completions"
    expected = (completion.usage.prompt_tokens * 2 + completion.usage.completion_tokens * 6) / 1e6
    assert tracker.summary().cost == pytest.approx(expected)
    await client.embeddings.create(model="mistral-embed", inputs=["a", "b"])
    assert tracker.by_model()["mistral-embed"].requests == 1


@pytest.mark.anyio
async def test_streams_are_recorded_from_their_last_chunk(client: AsyncMistral) -> None:
    async with client.chat.stream(model="mistral-large-2411", messages=USER) as stream:
        final = await stream.get_final_completion()
    records = client.usage_tracker.records  # type: ignore[union-attr]
    assert len(records) == 1
    assert records[0].total_tokens == final.usage.total_tokens > 0
    async with client.chat.stream(model="mistral-large-2411", messages=USER) as stream:
        async for _ in stream:
            break  # an abandoned stream never got its usage: nothing to record
    assert len(client.usage_tracker.records) == 1  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_helpers_are_recorded_call_by_call(client: AsyncMistral) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return "sunny"

    run = await client.chat.run_tools(
        model="mistral-large-2411", messages=USER, tools=[get_weather]
    )
    summary = client.usage_tracker.summary()  # type: ignore[union-attr]
    assert summary.requests == len(run.steps) == 2
    assert summary.total_tokens == run.usage.total_tokens


@pytest.mark.anyio
async def test_tracking_can_be_off_shared_or_replaced(server: LocalServer) -> None:
    async with AsyncMistral(api_key="test", base_url=server.url, usage_tracker=None) as quiet:
        assert quiet.usage_tracker is None
        await quiet.chat.complete(model="mistral-large-2411", messages=USER)
    mine = UsageTracker()
    async with AsyncMistral(api_key="test", base_url=server.url, usage_tracker=mine) as client:
        assert client.usage_tracker is mine
        sibling = client.with_options(max_retries=0)
        assert sibling.usage_tracker is mine
        await sibling.chat.complete(model="mistral-large-2411", messages=USER)
        other = client.with_options(usage_tracker=None)
        await other.chat.complete(model="mistral-large-2411", messages=USER)
    assert mine.summary().requests == 1


@pytest.mark.anyio
async def test_failed_requests_are_not_recorded() -> None:
    async with AsyncMistral(api_key="k", base_url="http://127.0.0.1:9", max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.chat.complete(model="m", messages=USER)
        assert client.usage_tracker.summary().requests == 0  # type: ignore[union-attr]


def test_the_blocking_client_records_too(server: LocalServer) -> None:
    with Mistral(api_key="test", base_url=server.url) as client:
        client.chat.complete(model="mistral-large-2411", messages=USER)
        with client.chat.stream(model="mistral-large-2411", messages=USER) as stream:
            for _ in stream:
                pass
        tracker = client.usage_tracker
        assert tracker is not None
        assert tracker.summary(model="mistral-large-2411").requests == 2
        assert tracker.summary().fully_priced


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True])
async def test_the_batch_runner_is_recorded_and_priced(client: AsyncMistral, stream: bool) -> None:
    from mistral_async import BatchRunner

    runner = BatchRunner(client, model="mistral-large-2411", concurrency=3, stream=stream)
    items = [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(5)]
    async with runner.run(items) as run:
        results = [result async for result in run]
    assert all(result.ok for result in results)
    tracker = client.usage_tracker
    assert tracker is not None
    summary = tracker.summary()
    assert summary.requests == 5
    assert summary.total_tokens == sum(r.usage.total_tokens for r in results if r.usage)
    assert run.progress.cost == pytest.approx(summary.cost)
