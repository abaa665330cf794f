"""Retry policy: pure decisions, no I/O, no sleeping.

After a failed attempt there are two questions: may it be retried, and after how long. Both
answers depend only on the retries taken, the status or exception kind, and the headers, so they
are tested directly without a server. :func:`next_delay` answers both, for every caller: the
client's send loop, a stream that failed before its first event, and the batch runner's paced
loop (which retries whole calls, and so sees this package's errors rather than httpx's).
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
import time
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Final, cast

import httpx

from .checks import check_int, check_number, check_seconds
from .errors import APIConnectionError, APIStatusError, ArgumentError, StreamError
from .limits import parse_finite

# 408 timeout, 409 lock contention, 429 rate limited, and the transient 5xx family.
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504})

# Failures of one attempt that may succeed on a new one. UnsupportedProtocol, InvalidURL and the
# like are mistakes in the configuration, and no retry would mend them.
RETRYABLE_EXCEPTIONS: Final = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

# Failures of a whole call (what a caller above the client sees): a connection that failed
# (after the client's own retries, if it had any), and a stream that failed mid-way, which only
# a new call can mend. A status error is judged by its status.
RETRYABLE_ERRORS: Final = (APIConnectionError, StreamError)


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries; pass it as ``AsyncMistral(retry=...)``, per call (``retry=``) or
    to ``with_options``. Every field is checked when the policy is made (``ArgumentError``).

    :param max_retries: retries after the first attempt (0 disables retrying).
    :param initial_delay: the first backoff delay in seconds, doubled on each retry.
    :param max_delay: the ceiling of the exponential backoff.
    :param jitter: the largest share of each backoff delay shaved off at random (0 to 1), so
        that clients failing together do not retry together; 0: exact delays.
    :param max_retry_after: the longest server-requested wait (``Retry-After``) that is honoured;
        a longer one is not waited for: the error is raised at once so the caller can decide.
    :param retry_statuses: the HTTP statuses retried (by default 408, 409, 429 and 500, 502,
        503, 504); connection errors and timeouts are always retryable.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25
    retry_statuses: AbstractSet[int] = RETRYABLE_STATUSES
    """Stored as a ``frozenset``, whatever set was given."""

    def __post_init__(self) -> None:
        # Frozen: normalised values are set through object.__setattr__, once, here.
        check_int("retry.max_retries", self.max_retries)
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = check_seconds(f"retry.{name}", getattr(self, name), allow_zero=True)
            object.__setattr__(self, name, value)
        jitter = check_number("retry.jitter", self.jitter, allow_zero=True)
        if jitter > 1:
            raise ArgumentError("retry.jitter", f"must be between 0 and 1, got {self.jitter!r}")
        object.__setattr__(self, "jitter", jitter)
        object.__setattr__(self, "retry_statuses", _statuses(self.retry_statuses))

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """This policy with another number of retries (what ``max_retries=`` means)."""
        check_int("max_retries", max_retries)
        if max_retries == self.max_retries:
            return self
        return dataclasses.replace(self, max_retries=max_retries)


def _statuses(value: Any) -> frozenset[int]:
    name = "retry.retry_statuses"
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ArgumentError(name, f"must be a collection of HTTP statuses, got {value!r}")
    items = cast("Iterable[object]", value)
    statuses: set[int] = set()
    for status in items:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ArgumentError(name, f"must hold HTTP statuses (100-599), got {status!r}")
        statuses.add(status)
    return frozenset(statuses)


DEFAULT_RETRY: Final = RetryPolicy()


def check_retry_options(retry: Any, max_retries: Any) -> None:
    """``retry=`` (a ``RetryPolicy``) and its short form ``max_retries=``, at most one of them
    (``None``: not given); ``ArgumentError`` naming both otherwise."""
    if retry is None:
        if max_retries is not None:
            check_int("max_retries", max_retries)
        return
    if max_retries is not None:
        raise ArgumentError(
            "retry", "give retry=RetryPolicy(...) or its short form max_retries=, not both"
        )
    if not isinstance(retry, RetryPolicy):
        raise ArgumentError("retry", f"must be a RetryPolicy, got {type(retry).__name__}")


def resolve_policy(
    base: RetryPolicy, retry: RetryPolicy | None, max_retries: int | None
) -> RetryPolicy:
    """``retry`` if given, else ``base``; with ``max_retries`` if given. A caller gives only
    one (:func:`check_retry_options`); the SDK itself adds ``max_retries=0`` over a caller's
    policy where a request must go out once (an upload that cannot be replayed)."""
    policy = base if retry is None else retry
    return policy if max_retries is None else policy.with_max_retries(max_retries)


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUSES


def is_retryable(
    failure: int | BaseException, statuses: AbstractSet[int] = RETRYABLE_STATUSES
) -> bool:
    """Whether a failed attempt is worth another: an HTTP status (one of ``statuses``), an
    httpx exception from one attempt, or one of this package's errors from a whole call."""
    if isinstance(failure, int):
        return failure in statuses
    if isinstance(failure, APIStatusError):
        return failure.status_code in statuses
    if isinstance(failure, httpx.PoolTimeout):
        # Every pooled connection was busy for the whole pool timeout: another attempt would
        # only wait as long again behind the same requests.
        return False
    return isinstance(failure, RETRYABLE_EXCEPTIONS + RETRYABLE_ERRORS)


# The longest wait a header may ask for; more is capped here (the policy then decides whether
# to wait that long). Bounds the arithmetic on a value that came from the network.
MAX_HEADER_SECONDS: Final = 86_400.0


def header_seconds(raw: str | None, scale: float = 1.0) -> float | None:
    """A header's number (times ``scale``) as finite seconds in ``[0, MAX_HEADER_SECONDS]``,
    or ``None`` when it is missing or not a finite number (``nan``, ``inf``, ``1e400``, text).

    The one place a number from the network is parsed: ``float`` accepts ``nan`` and ``inf``,
    and a NaN compares false with every bound, so it would slip through any later check.
    """
    value = parse_finite(raw)
    if value is None:
        return None
    return min(max(value * scale, 0.0), MAX_HEADER_SECONDS)


def retry_after_seconds(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """The wait the server asked for, in seconds, or ``None`` if it asked for none (or for
    something that is not a finite number, which counts as not asking).

    ``retry-after-ms`` (milliseconds) wins over ``Retry-After``, which is either delta-seconds or
    an HTTP-date (RFC 9110, section 10.2.3).
    """
    ms = header_seconds(headers.get("retry-after-ms"), 0.001)
    if ms is not None:
        return ms
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = header_seconds(raw)
    if seconds is not None:
        return seconds
    try:
        parsed = email.utils.parsedate_tz(raw.strip())
        if parsed is None:
            return None
        return min(max(email.utils.mktime_tz(parsed) - now(), 0.0), MAX_HEADER_SECONDS)
    except (ValueError, OverflowError, TypeError):  # a date out of any calendar's range
        return None


def backoff_delay(
    retries_taken: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: up to ``policy.jitter`` of it shaved off so that
    clients spread out."""
    # The exponent is bounded: 2.0 ** 1100 overflows, and max_delay caps the result anyway.
    base = min(policy.initial_delay * (2.0 ** min(retries_taken, 64)), policy.max_delay)
    return base * (1.0 - policy.jitter * rand())


def retry_delay(
    retries_taken: int,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
    *,
    rand: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` when no retry should be made.

    :param retries_taken: retries already made (0 before the first retry).
    :param headers: headers of the failed reply, if there was one.
    """
    if retries_taken >= policy.max_retries:
        return None
    if headers is not None:
        asked = retry_after_seconds(headers, now)
        if asked is not None:
            if asked > policy.max_retry_after:
                return None
            return asked
    return backoff_delay(retries_taken, policy, rand)


def next_delay(
    failure: int | BaseException,
    retries_taken: int,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retrying after ``failure``, or ``None``: not retryable, out of
    retries, or the server asked for a longer wait than the policy allows.

    :param failure: the status of the failed reply, or the exception the attempt raised.
    :param headers: the failed reply's headers; an ``APIStatusError`` brings its own.
    """
    if not is_retryable(failure, policy.retry_statuses):
        return None
    if headers is None and isinstance(failure, APIStatusError):
        headers = failure.headers
    return retry_delay(retries_taken, policy, headers, rand=rand)
