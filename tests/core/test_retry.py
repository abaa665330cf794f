"""The retry policy and the one retry classifier, as pure functions: no server, no sleeping."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ArgumentError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    RateLimitError,
    StreamError,
)
from mistral_async._core.errors import status_error
from mistral_async._core.retry import (
    MAX_HEADER_SECONDS,
    RetryPolicy,
    backoff_delay,
    is_retryable,
    is_retryable_status,
    next_delay,
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


# -- the one classifier: statuses, one attempt's httpx exceptions, a whole call's errors -------

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
BACKOFF = 0.5  # the first retry's delay with no jitter


def _status(cls: type[APIStatusError], status: int, **headers: str) -> APIStatusError:
    return cls("boom", status_code=status, headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (429, BACKOFF),
        (503, BACKOFF),
        (400, None),
        (404, None),
        (httpx.ConnectTimeout("slow", request=REQUEST), BACKOFF),
        (httpx.ReadTimeout("slow", request=REQUEST), BACKOFF),
        (httpx.ConnectError("refused", request=REQUEST), BACKOFF),
        (httpx.ReadError("reset", request=REQUEST), BACKOFF),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), BACKOFF),
        # configuration mistakes: no retry mends them
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), None),
        (httpx.LocalProtocolError("bad header", request=REQUEST), None),
        # a whole call's errors, as the batch runner sees them
        (_status(RateLimitError, 429, **{"retry-after": "3"}), 3.0),
        (_status(InternalServerError, 502), BACKOFF),
        (_status(ConflictError, 409), BACKOFF),
        (_status(BadRequestError, 400, **{"retry-after": "3"}), None),
        (_status(APIStatusError, 418), None),
        (APIConnectionError("refused", request=REQUEST), BACKOFF),
        (APITimeoutError("slow", request=REQUEST), BACKOFF),
        (StreamError("cut mid-way", status_code=200, body={"message": "x"}), BACKOFF),
        (ArgumentError("model", "is required"), None),
        (APIResponseValidationError("not JSON", status_code=200), None),
        (ValueError("anything else"), None),
        (RuntimeError("anything else"), None),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, (int, float)) else None,
)
def test_next_delay_classifies_every_kind_of_failure(
    failure: int | BaseException, expected: float | None
) -> None:
    policy = RetryPolicy(max_retries=2)
    assert next_delay(failure, 0, policy, rand=lambda: 0.0) == expected
    assert is_retryable(failure) == (expected is not None)
    # whatever the kind, nothing is retried once the retries are spent
    assert next_delay(failure, 2, policy) is None


def test_next_delay_reads_retry_after_from_the_reply_or_the_error() -> None:
    policy = RetryPolicy(max_retries=2, max_retry_after=60.0)
    assert next_delay(429, 0, policy, {"retry-after": "4"}) == 4.0
    assert next_delay(429, 0, policy, {"retry-after": "3600"}) is None  # over the cap
    error = _status(RateLimitError, 429, **{"retry-after": "2"})
    assert next_delay(error, 0, policy) == 2.0
    # headers given explicitly win over the error's own
    assert next_delay(error, 0, policy, {"retry-after": "5"}) == 5.0
    # a stream error's headers are those of its 200 reply: no Retry-After is read from them
    cut = StreamError("cut", status_code=200, headers={"retry-after": "30"})
    assert next_delay(cut, 0, policy, rand=lambda: 0.0) == BACKOFF


NOT_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", " nan "]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
def test_a_header_that_is_not_a_finite_number_counts_as_absent(header: str, raw: str) -> None:
    assert retry_after_seconds({header: raw}) is None
    # ... so the policy falls back to its backoff, a finite delay within its bounds
    policy = RetryPolicy(max_retries=2, initial_delay=0.5, max_delay=8.0)
    delay = retry_delay(0, policy, {header: raw}, rand=lambda: 0.0)
    assert delay == 0.5
    error = status_error(429, content=b"", headers=httpx.Headers({header: raw}), request=None)
    assert isinstance(error, RateLimitError)
    assert next_delay(error, 0, policy, rand=lambda: 0.0) == 0.5


def test_a_non_finite_ms_header_leaves_retry_after_to_decide() -> None:
    assert retry_after_seconds({"retry-after-ms": "nan", "retry-after": "2"}) == 2.0


def test_a_huge_finite_header_is_capped_and_then_judged_by_the_policy() -> None:
    assert retry_after_seconds({"retry-after": "1e300"}) == MAX_HEADER_SECONDS
    # longer than the policy honours: not waited for, the error is raised at once
    assert retry_delay(0, RetryPolicy(), {"retry-after": "1e300"}) is None


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_rate_limit_headers_that_are_not_finite_numbers_count_as_absent(raw: str) -> None:
    from mistral_async._core.limits import RateLimitInfo

    info = RateLimitInfo.from_headers({"x-ratelimit-remaining-req-minute": raw})
    assert info.requests_remaining is None
