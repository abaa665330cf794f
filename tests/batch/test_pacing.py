"""The batch runner's pure parts: pacing (in simulated time), reordering, token estimates."""

from __future__ import annotations

import heapq
import random
from typing import cast

import pytest

from mistral_async._batch.endpoints import ENDPOINTS
from mistral_async._batch.pacing import Pacer, RateMeter, TokenBucket
from mistral_async._batch.reorder import ReorderBuffer
from mistral_async._batch.tokens import TokenEstimate, TokenEstimator, text_chars
from mistral_async._core.limits import RateLimitInfo
from mistral_async.conversation import estimate_tokens

# -- token buckets ---------------------------------------------------------------------------


def test_bucket_spaces_a_crowd_evenly_in_turn() -> None:
    bucket = TokenBucket(10.0, now=0.0, burst_seconds=0.1)  # burst of 1
    tickets = [bucket.reserve(1, 0.0) for _ in range(5)]
    waits = [bucket.delay(ticket, 0.0) for ticket in tickets]
    assert waits[0] == 0.0
    assert waits[1:] == pytest.approx([0.1, 0.2, 0.25, 0.25])  # long waits look again at 0.25 s
    assert bucket.delay(tickets[3], 0.3) == 0.0
    assert bucket.delay(tickets[4], 0.3) == pytest.approx(0.1)


def test_a_slow_down_also_slows_attempts_already_queued() -> None:
    bucket = TokenBucket(10.0, now=0.0)  # a burst of 1
    tickets = [bucket.reserve(1, 0.0) for _ in range(3)]
    assert bucket.delay(tickets[2], 0.0) == pytest.approx(0.2)
    bucket.set_rate(1.0, now=0.0)  # ten times slower
    assert bucket.delay(tickets[0], 0.0) == 0.0
    assert bucket.delay(tickets[2], 0.0) == pytest.approx(0.25)  # 2 s away: look again soon
    assert bucket.delay(tickets[2], 1.9) == pytest.approx(0.1)
    assert bucket.delay(tickets[2], 2.0) == 0.0


def test_given_back_units_move_the_queue_forward() -> None:
    bucket = TokenBucket(100.0, now=0.0)
    first = bucket.reserve(50, 0.0)
    second = bucket.reserve(10, 0.0)
    assert bucket.delay(second, 0.0) > 0
    bucket.give_back(50, 0.0)  # the first request used nothing
    assert bucket.delay(first, 0.0) == 0.0
    assert bucket.delay(second, 0.0) == 0.0


def test_idle_time_banks_one_burst_only() -> None:
    bucket = TokenBucket(10.0, now=0.0, burst_seconds=0.5)
    tickets = [bucket.reserve(1, 100.0) for _ in range(7)]
    assert [bucket.delay(t, 100.0) == 0.0 for t in tickets] == [True] * 5 + [False] * 2


def test_rate_meter_measures_recent_events() -> None:
    meter = RateMeter(seconds=5)
    assert meter.rate(0.0) == 0.0
    for i in range(100):
        meter.add(i * 0.1)  # 10 a second for 10 s
    assert meter.rate(10.0) == pytest.approx(10.0, rel=0.25)
    assert meter.rate(30.0) == 0.0


# -- the pacer -------------------------------------------------------------------------------


def test_requests_per_minute_is_a_pace() -> None:
    pacer = Pacer(requests_per_minute=600, adaptive=False, now=0.0)  # 10 a second
    reservations = [pacer.reserve(0, 0.0) for _ in range(11)]
    assert pacer.delay(reservations[0], 0.0) == 0.0
    assert pacer.delay(reservations[10], 0.5) > 0
    assert pacer.delay(reservations[10], 1.0) == 0.0


def test_tokens_per_minute_and_the_correction_by_usage() -> None:
    pacer = Pacer(tokens_per_minute=6000, adaptive=False, now=0.0)  # 100 tokens a second
    big = pacer.reserve(1000, 0.0)
    nxt = pacer.reserve(10, 0.0)
    assert pacer.delay(nxt, 0.0) > 0  # waits behind the big estimate
    pacer.correct_tokens(estimated=1000, used=10, now=0.0)  # the reply used 10 only
    assert pacer.delay(big, 0.0) == 0.0
    assert pacer.delay(nxt, 0.0) == pytest.approx(0.1)  # 10 tokens at 100 a second


def test_retry_after_pauses_every_attempt() -> None:
    pacer = Pacer(adaptive=False, now=0.0)
    pacer.on_rate_limited(retry_after=2.0, sent_at=0.0, now=0.0)
    assert pacer.delay(pacer.reserve(1, 0.5), 0.5) == pytest.approx(1.5)
    assert pacer.delay(pacer.reserve(1, 2.0), 2.0) == 0.0
    assert pacer.snapshot(0.0).rate_limited == 1


def test_429s_of_attempts_sent_before_the_slow_down_count_once() -> None:
    pacer = Pacer(requests_per_minute=6000, now=0.0)
    for _ in range(20):  # a burst of 429s for requests that were all in flight
        pacer.on_rate_limited(None, sent_at=0.5, now=1.0)
    assert pacer.snapshot(1.0).requests_per_minute == pytest.approx(6000 * 0.7 * 0.5)
    pacer.on_rate_limited(None, sent_at=1.2, now=1.5)  # sent after it: news
    assert (pacer.snapshot(1.5).requests_per_minute or 0) < 6000 * 0.7 * 0.5


def test_a_429_with_quota_left_is_capacity_not_pace() -> None:
    pacer = Pacer(requests_per_minute=600, now=0.0)
    plenty = RateLimitInfo.from_headers(
        {"x-ratelimit-limit-req-minute": "600", "x-ratelimit-remaining-req-minute": "400"}
    )
    pacer.on_rate_limited(None, sent_at=0.0, now=0.1, rate_limit=plenty)
    assert pacer.snapshot(0.1).requests_per_minute == 600
    spent = RateLimitInfo.from_headers(
        {"x-ratelimit-limit-req-minute": "600", "x-ratelimit-remaining-req-minute": "0"}
    )
    pacer.on_rate_limited(None, sent_at=0.0, now=0.2, rate_limit=spent)
    assert (pacer.snapshot(0.2).requests_per_minute or 600) < 600


def test_without_adaptation_only_retry_after_counts() -> None:
    pacer = Pacer(requests_per_minute=600, adaptive=False, now=0.0)
    pacer.on_rate_limited(None, sent_at=0.0, now=0.1)
    assert pacer.snapshot(0.1).requests_per_minute == 600


def test_the_pace_grows_back_to_the_configured_one() -> None:
    pacer = Pacer(requests_per_minute=600, now=0.0)
    pacer.on_rate_limited(None, sent_at=0.0, now=0.0)
    slowed = pacer.snapshot(0.0).requests_per_minute
    assert slowed is not None
    assert slowed < 600
    for i in range(1, 10):
        pacer.on_success(None, i * 0.1)
    assert slowed < (pacer.snapshot(1.0).requests_per_minute or 0) < 600
    for i in range(10, 1200):  # past the pace of the 429, growth slows to a probe
        pacer.on_success(None, i * 0.1)
    assert pacer.snapshot(120.0).requests_per_minute == 600


def test_reported_limits_cap_the_pace() -> None:
    pacer = Pacer(requests_per_minute=6000, now=0.0)
    headers = {"x-ratelimit-limit-req-minute": "120", "x-ratelimit-remaining-req-minute": "100"}
    pacer.on_success(RateLimitInfo.from_headers(headers), 0.1)
    assert pacer.snapshot(0.1).requests_per_minute == 120
    headers["x-ratelimit-limit-tokens-minute"] = "50000"
    pacer.on_success(RateLimitInfo.from_headers(headers), 0.2)
    assert pacer.snapshot(0.2).tokens_per_minute == 50_000


def test_low_remaining_quota_slows_once_a_second() -> None:
    pacer = Pacer(requests_per_minute=600, now=0.0)
    low = RateLimitInfo.from_headers(
        {"x-ratelimit-limit-req-minute": "600", "x-ratelimit-remaining-req-minute": "3"}
    )
    pacer.on_success(low, 1.0)
    pacer.on_success(low, 1.1)
    assert pacer.snapshot(1.1).requests_per_minute == pytest.approx(540)
    pacer.on_success(low, 2.2)
    assert pacer.snapshot(2.2).requests_per_minute == pytest.approx(486)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="requests_per_minute"):
        Pacer(requests_per_minute=0)
    with pytest.raises(ValueError, match="per_second"):
        TokenBucket(0, now=0.0)


def run_simulation(
    capacity: float, workers: int, latency: float, seconds: float, **options: object
) -> list[tuple[float, bool]]:
    """A run against an API that allows ``capacity`` requests a second (a strict bucket) and
    answers 429 beyond; a worker retries a 429 after ~0.5 s. Simulated time: no sleeping."""
    rng = random.Random(7)
    pacer = Pacer(now=0.0, **options)  # type: ignore[arg-type]
    api = TokenBucket(capacity, 0.0, burst_seconds=0.1)
    queue: list[tuple[float, int, str, object]] = [(0.0, w, "ready", None) for w in range(workers)]
    log: list[tuple[float, bool]] = []
    while queue:
        now, worker, kind, data = heapq.heappop(queue)
        if now > seconds:
            break
        if kind == "ready":
            heapq.heappush(queue, (now, worker, "check", pacer.reserve(1, now)))
        elif kind == "check":
            wait = pacer.delay(data, now)  # type: ignore[arg-type]
            heapq.heappush(queue, (now + wait, worker, "check" if wait else "send", data))
        elif kind == "send":
            ok = api.delay(api.reserve(1, now), now) == 0
            if not ok:
                api.give_back(1, now)  # refused: it takes nothing
            heapq.heappush(queue, (now + latency * (0.5 + rng.random()), worker, "done", (ok, now)))
        else:
            ok, sent_at = cast("tuple[bool, float]", data)
            log.append((now, ok))
            if ok:
                pacer.on_success(None, now)
                heapq.heappush(queue, (now, worker, "ready", None))
            else:
                pacer.on_rate_limited(None, sent_at, now)
                heapq.heappush(
                    queue, (now + 0.5 * (0.75 + 0.25 * rng.random()), worker, "ready", None)
                )
    return log


def settled(log: list[tuple[float, bool]], start: float, end: float) -> tuple[float, float]:
    """Successes a second and the share of 429s between ``start`` and ``end``."""
    window = [ok for at, ok in log if start <= at < end]
    good = sum(window)
    return good / (end - start), (len(window) - good) / max(1, len(window))


@pytest.mark.parametrize(
    ("capacity", "workers", "latency", "rpm"),
    [
        (50.0, 32, 0.02, None),  # nothing configured: found by pushing
        (200.0, 64, 0.05, None),
        (5.0, 64, 0.3, None),  # far more workers than the account allows
        (20.0, 64, 1.0, None),  # slow replies
        (50.0, 32, 0.05, 6000.0),  # configured too high
    ],
)
def test_adaptive_pacing_settles_near_the_allowed_rate(
    capacity: float, workers: int, latency: float, rpm: float | None
) -> None:
    log = run_simulation(capacity, workers, latency, 120.0, requests_per_minute=rpm)
    rate, rejected = settled(log, 60.0, 120.0)
    assert rate >= 0.85 * capacity
    assert rejected <= 0.02


def test_without_adaptation_a_run_keeps_hitting_429s() -> None:
    log = run_simulation(50.0, 32, 0.02, 60.0, adaptive=False)
    _, rejected = settled(log, 30.0, 60.0)
    assert rejected > 0.3


# -- reordering ------------------------------------------------------------------------------


def test_reorder_buffer_releases_runs_in_order() -> None:
    buffer: ReorderBuffer[str] = ReorderBuffer(limit=4)
    assert buffer.add(2, "c") == []
    assert buffer.add(1, "b") == []
    assert len(buffer) == 2
    assert buffer.add(0, "a") == ["a", "b", "c"]
    assert buffer.head == 3
    assert len(buffer) == 0


def test_reorder_buffer_is_bounded_behind_a_slow_head() -> None:
    buffer: ReorderBuffer[int] = ReorderBuffer(limit=3)
    assert buffer.admits(2)
    assert not buffer.admits(3)  # the head (0) is slow: item 3 must wait
    buffer.add(1, 1)
    buffer.add(2, 2)
    with pytest.raises(ValueError, match="beyond the window"):
        buffer.add(3, 3)
    assert buffer.add(0, 0) == [0, 1, 2]
    assert buffer.admits(5)
    with pytest.raises(ValueError, match="already"):
        buffer.add(1, 1)


# -- token estimates ---------------------------------------------------------------------------


def test_text_is_counted_without_names() -> None:
    body = {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "abcd"}]}
    assert text_chars(body) == 4


def test_estimates_learn_from_usage() -> None:
    estimator = TokenEstimator()
    body = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 50}
    first = estimator.estimate(body, generates=True)
    assert first == TokenEstimate(prompt=100, completion=50, chars=400)
    assert estimator.estimate({"input": "x" * 400}, generates=False).completion == 0
    for _ in range(200):  # replies: 200 prompt tokens (2 chars a token), 10 completion tokens
        estimator.observe(first, prompt_tokens=200, completion_tokens=10)
    later = estimator.estimate({"messages": [{"content": "x" * 400}]}, generates=True)
    assert later.prompt == pytest.approx(200, rel=0.05)
    assert later.completion == pytest.approx(10, abs=2)


def test_the_first_estimate_is_the_sdk_one() -> None:
    # One estimate of tokens: before any reply, a body costs what a conversation counts.
    for text in ("a", "abcd", "abcde", "x" * 401):
        estimate = TokenEstimator().estimate({"input": text}, generates=False)
        assert estimate.prompt == estimate_tokens(text)


def test_the_endpoints_that_generate_are_chat_and_fim() -> None:
    generating = {path for path, target in ENDPOINTS.items() if target.generates}
    assert generating == {"/v1/chat/completions", "/v1/fim/completions"}
