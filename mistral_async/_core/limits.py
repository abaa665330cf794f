"""Concurrency limit and rate limit headers.

The limiter caps in-flight requests of one client. It is an anyio ``Semaphore`` (not a
``CapacityLimiter``) because a stream's slot may be released by a different task than the one
that took it: a stream abandoned with ``break`` is closed by the event loop's async generator
finaliser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import anyio


class ConcurrencyLimiter:
    """At most ``limit`` requests in flight; ``None`` means no limit and costs nothing.

    ``limit`` is an int >= 1 or ``None``, as the client's ``max_concurrency`` check ensures.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        # anyio >= 4.5 lets a Semaphore be created before any event loop runs.
        self._semaphore = anyio.Semaphore(limit) if limit is not None else None

    async def acquire(self) -> None:
        if self._semaphore is not None:
            await self._semaphore.acquire()

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now (0 when unlimited, since nothing is counted then)."""
        if self._semaphore is None or self.limit is None:
            return 0
        return self.limit - self._semaphore.value


def parse_finite(raw: str | None) -> float | None:
    """A number from the network (a header) as a finite float, or ``None`` when it is missing,
    not a number, or not finite (``nan``, ``inf``, ``1e400``): all of which count as absent."""
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


MAX_COUNT = 10**12
"""More requests or tokens than any account's quota: a header above it is garbage."""


def _count(value: str | None) -> int | None:
    """A header's count of requests or tokens: a whole number from 0 to ``MAX_COUNT``.

    Anything else (``nan``, ``inf``, negative, huge, not a number) is absent: the pacer
    divides by these numbers and sizes its buckets with them.
    """
    number = parse_finite(value)
    if number is None or not (0.0 <= number <= MAX_COUNT):
        return None
    return int(number)


@dataclass(frozen=True)
class RateLimitInfo:
    """The rate limit headers of one reply.

    Mistral reports limits per minute and per month for tokens and requests; the names vary
    with the account, so every header whose name mentions ``ratelimit`` is kept in ``raw``.
    The properties read them as counts from 0 to ``MAX_COUNT``; anything else reads as absent.
    """

    raw: Mapping[str, str] = field(default_factory=dict[str, str])

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo:
        return cls({k.lower(): v for k, v in headers.items() if "ratelimit" in k.lower()})

    def _get(self, *names: str) -> int | None:
        for name in names:
            count = _count(self.raw.get(name))
            if count is not None:
                return count
        return None

    @property
    def requests_limit(self) -> int | None:
        return self._get("x-ratelimit-limit-req-minute", "x-ratelimit-limit-requests")

    @property
    def requests_remaining(self) -> int | None:
        return self._get("x-ratelimit-remaining-req-minute", "x-ratelimit-remaining-requests")

    @property
    def tokens_limit(self) -> int | None:
        return self._get("x-ratelimit-limit-tokens-minute", "x-ratelimit-limit-tokens")

    @property
    def tokens_remaining(self) -> int | None:
        return self._get("x-ratelimit-remaining-tokens-minute", "x-ratelimit-remaining-tokens")

    @property
    def tokens_month_limit(self) -> int | None:
        return self._get("x-ratelimit-limit-tokens-month")

    @property
    def tokens_month_remaining(self) -> int | None:
        return self._get("x-ratelimit-remaining-tokens-month")
