"""The retry policy, as pure functions: no server, no sleeping."""

from __future__ import annotations

import email.utils

import pytest

from mistral_async._core.retry import (
    RetryPolicy,
    backoff_delay,
    is_retryable_status,
    retry_after_seconds,
    retry_delay,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 422, 501])
def test_never_retried_statuses(status: int) -> None:
    assert not is_retryable_status(status)


def test_retry_after_seconds_forms() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": " 1.5 "}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    # retry-after-ms is more precise and wins
    assert retry_after_seconds({"retry-after-ms": "100", "retry-after": "9"}) == 0.1
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after": "-4"}) == 0.0


def test_retry_after_http_date() -> None:
    date = email.utils.formatdate(NOW + 7, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=lambda: NOW) == pytest.approx(7, abs=1)
    past = email.utils.formatdate(NOW - 100, usegmt=True)
    assert retry_after_seconds({"retry-after": past}, now=lambda: NOW) == 0.0


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=8.0)
    no_jitter = [backoff_delay(n, policy, rand=lambda: 0.0) for n in range(6)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    full_jitter = [backoff_delay(n, policy, rand=lambda: 1.0) for n in range(3)]
    assert full_jitter == [0.375, 0.75, 1.5]


def test_retry_delay_stops_after_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    assert retry_delay(0, policy, rand=lambda: 0.0) == 0.5
    assert retry_delay(1, policy, rand=lambda: 0.0) == 1.0
    assert retry_delay(2, policy) is None
    assert retry_delay(0, RetryPolicy(max_retries=0)) is None


def test_retry_delay_honours_retry_after_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retries=3, max_retry_after=60.0)
    assert retry_delay(0, policy, {"retry-after": "12"}) == 12.0
    assert retry_delay(0, policy, {"retry-after-ms": "5"}) == 0.005
    # A wait longer than the cap is not honoured by sleeping: the error goes to the caller.
    assert retry_delay(0, policy, {"retry-after": "3600"}) is None
    # Without a usable header the backoff applies.
    assert retry_delay(1, policy, {"retry-after": "later"}, rand=lambda: 0.0) == 1.0
