"""Retry policy: pure decisions, no I/O, no sleeping.

The pipeline asks two questions after a failed attempt: may this be retried, and after how long.
Both answers depend only on the attempt number, the status or exception kind, and the headers,
so they are tested directly without a server.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

# 408 timeout, 409 lock contention, 429 rate limited, and the transient 5xx family.
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries.

    :param max_retries: retries after the first attempt (0 disables retrying).
    :param initial_delay: the first backoff delay in seconds, doubled on each retry.
    :param max_delay: the ceiling of the exponential backoff.
    :param max_retry_after: the longest server-requested wait (``Retry-After``) that is honoured;
        a longer one is not waited for: the error is raised at once so the caller can decide.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUSES


def retry_after_seconds(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """The wait the server asked for, in seconds, or ``None`` if it asked for none.

    ``retry-after-ms`` (milliseconds) wins over ``Retry-After``, which is either delta-seconds or
    an HTTP-date (RFC 9110, section 10.2.3).
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        value = email.utils.mktime_tz(parsed) - now()
    return max(value, 0.0)


def backoff_delay(
    retries_taken: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: up to 25% shaved off so that clients spread out."""
    base = min(policy.initial_delay * (2.0**retries_taken), policy.max_delay)
    return base * (1.0 - 0.25 * rand())


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
