"""Pacing of a batch run: requests and tokens per minute, slowed down when the API pushes back.

Pure: every method takes ``now`` (seconds on a monotonic clock) and nothing sleeps, so the
behaviour is tested in simulated time. The runner takes a :meth:`Pacer.reserve` for each
attempt, sleeps while :meth:`Pacer.delay` says so, then reports what happened
(:meth:`Pacer.on_success`, :meth:`Pacer.on_rate_limited`, :meth:`Pacer.correct_tokens`).

How the rate settles instead of oscillating between bursts and 429s:

- Limits are token buckets with a small burst (a tenth of a second) and *tickets*: an attempt
  takes its units at once and waits until time has credited them, so many workers asking
  together go out evenly spaced, in turn. The wait is recomputed at the pace in force, every
  quarter second at most, so a slow-down also slows the attempts already queued, and a pace
  that grows back does not release them all at once.
- A ``Retry-After`` pauses every new attempt until then, not only the request that got it.
- A 429 whose headers still report plenty of quota is the API's capacity, not our pace: it
  is retried, nothing more. Otherwise a 429 sets the pace to ``BETA`` (0.7) times the success
  rate measured over the last seconds (never less than half the pace in force: an early
  measure is noisy). Only 429s of attempts sent after the last slow-down count, so a burst
  of 429s from requests already in flight is one signal, not twenty. A slow-down empties the
  bucket: no burst at the pace that failed.
- Without 429s the pace grows back: fast up to 90% of where the last 429 happened, then
  slowly, probing; once it reaches the configured pace, that pace rules again. Remaining-quota
  headers close to zero stop the growth and slow a little (once a second), before a 429 is
  needed to say so.
- The account's own per-minute limits, when the API reports them (``x-ratelimit-limit-*``),
  cap the configured ones.

In simulation (tests/test_runner_pacing.py), against an API that allows 5 to 200 requests a
second, a run with 32 to 64 workers settles at 90-96% of the allowed rate with 0-1% of 429s;
the same run without adaptation keeps ~58% of its attempts answered with 429.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .._core.checks import check_optional_number
from .._core.limits import RateLimitInfo

BETA = 0.7
"""Multiplicative decrease on a 429."""
FAST_GROWTH = 0.10
"""Pace regained per second, as a share of the pace of the last 429, below 90% of it."""
PROBE_GROWTH = 0.01
"""Pace regained per second above that; past the last 429, growth is 1% a second compounded."""
MIN_RATE = 0.05
"""Requests per second below which no push-back slows a run (three a minute)."""
NEAR_EMPTY = 0.05
"""A remaining quota below this share of the limit counts as a soft push-back."""
SOFT_DECREASE = 0.9
SOFT_COOLDOWN = 1.0
"""Seconds between two soft slow-downs (every reply in a row may report a low quota)."""
_METER_SECONDS = 5
RECHECK = 0.25
"""The longest sleep before a waiting attempt looks at the pace again."""
_MIN_SPAN = 0.1


class TokenBucket:
    """``per_second`` units per second with ``burst`` units of headroom, by tickets.

    ``reserve`` takes units at once, into debt if need be, and returns a ticket: the running
    total of units taken. The ticket is covered once the units credited by time reach it.
    :meth:`delay` answers at the *current* rate, so a caller that slept on an old answer and
    asks again after a slow-down waits longer: queued reservations follow the new pace instead
    of going out at the old one.
    """

    def __init__(self, per_second: float, now: float, burst_seconds: float = 0.1) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        self.per_second = per_second
        self._burst_seconds = burst_seconds
        self._taken = 0.0
        self._credit = self.burst  # start with a full burst
        self._updated = now

    @property
    def burst(self) -> float:
        return max(1.0, self.per_second * self._burst_seconds)

    @property
    def level(self) -> float:
        """Units available now (negative: owed to earlier reservations)."""
        return self._credit - self._taken

    def _refill(self, now: float) -> None:
        if now > self._updated:
            gained = (now - self._updated) * self.per_second
            self._credit = min(self._credit + gained, self._taken + self.burst)
            self._updated = now

    def reserve(self, amount: float, now: float) -> float:
        """Take ``amount`` now; return the ticket to pass to :meth:`delay`."""
        self._refill(now)
        self._taken += amount
        return self._taken

    def delay(self, ticket: float, now: float) -> float:
        """Seconds until ``ticket`` is covered, at the current rate (0: go)."""
        self._refill(now)
        missing = ticket - self._credit
        # A hair's breadth of float error must not become an endless series of tiny waits.
        if missing <= 1e-9 * max(1.0, ticket):
            return 0.0
        # Look again soon rather than sleep the whole wait: if the pace grows meanwhile, the
        # waiters must not all wake late together and leave in a burst.
        return min(missing / self.per_second, RECHECK)

    def give_back(self, amount: float, now: float) -> None:
        """Return units that were not used (a negative ``amount`` takes more)."""
        self._refill(now)
        self._credit = min(self._credit + amount, self._taken + self.burst)

    def set_rate(self, per_second: float, now: float) -> None:
        self._refill(now)
        slower = per_second < self.per_second
        self.per_second = max(per_second, 1e-9)
        if slower:  # no burst at the pace that just failed
            self._credit = min(self._credit, self._taken)


@dataclass(frozen=True)
class Reservation:
    """One attempt's place in the budgets; ask :meth:`Pacer.delay` when it may go."""

    requests: float | None
    tokens: float | None


class RateMeter:
    """Events per second over the last few seconds (a ring of per-second counts)."""

    def __init__(self, seconds: int = _METER_SECONDS) -> None:
        self._counts: deque[tuple[int, float]] = deque(maxlen=seconds + 1)
        self._seconds = seconds
        self._first: float | None = None

    def add(self, now: float, amount: float = 1.0) -> None:
        if self._first is None:
            self._first = now
        second = math.floor(now)
        if self._counts and self._counts[-1][0] == second:
            self._counts[-1] = (second, self._counts[-1][1] + amount)
        else:
            self._counts.append((second, amount))

    def rate(self, now: float) -> float:
        """Events per second over the window before ``now``; 0 when nothing was seen."""
        if self._first is None:
            return 0.0
        start = now - self._seconds
        counted = sum(c for s, c in self._counts if s >= math.floor(start))
        # Measured over the time there has been to see events, not the whole window.
        span = max(_MIN_SPAN, now - max(math.floor(start), self._first))
        return counted / span


@dataclass(frozen=True)
class PaceSnapshot:
    """The pace in force; ``None`` means unlimited."""

    requests_per_minute: float | None
    tokens_per_minute: float | None
    paused_for: float
    """Seconds left of a ``Retry-After`` pause."""
    rate_limited: int
    """429 replies seen so far."""


class Pacer:
    """Requests and tokens per minute, adaptively slowed; see the module docstring.

    :param requests_per_minute: the most requests to start per minute (``None``: no limit
        unless the API reports one or pushes back).
    :param tokens_per_minute: the most tokens (estimated, then corrected) per minute.
    :param adaptive: slow down on 429s and low remaining quota; ``False`` keeps the configured
        pace (``Retry-After`` is honoured either way).
    """

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        adaptive: bool = True,
        now: float = 0.0,
    ) -> None:
        for name, value in (
            ("requests_per_minute", requests_per_minute),
            ("tokens_per_minute", tokens_per_minute),
        ):
            check_optional_number(name, value)
        self.adaptive = adaptive
        self._rpm_given = requests_per_minute
        self._tpm_given = tokens_per_minute
        self._rpm_reported: float | None = None
        self._tpm_reported: float | None = None
        self._rate: float | None = None  # requests per second while slowed; None: the ceiling
        self._last_bad: float | None = None  # requests per second when the last 429 came
        self._last_decrease = -math.inf
        self._last_growth = now
        self._paused_until = -math.inf
        self._requests: TokenBucket | None = None
        self._tokens: TokenBucket | None = None
        self._attempts = RateMeter()
        self._successes = RateMeter()
        self.rate_limited = 0
        self._apply(now)

    # -- what the runner asks --------------------------------------------------------------

    def reserve(self, tokens: float, now: float) -> Reservation:
        """Take one request and ``tokens`` from the budgets, for an attempt to make."""
        self._attempts.add(now)
        return Reservation(
            requests=self._requests.reserve(1.0, now) if self._requests is not None else None,
            tokens=self._tokens.reserve(tokens, now) if self._tokens is not None else None,
        )

    def delay(self, reservation: Reservation, now: float) -> float:
        """Seconds the attempt must still wait, at the pace in force now (0: send it).

        Ask again after sleeping: a slow-down in between means a longer wait.
        """
        wait = max(0.0, self._paused_until - now)
        if self._requests is not None and reservation.requests is not None:
            wait = max(wait, self._requests.delay(reservation.requests, now))
        if self._tokens is not None and reservation.tokens is not None:
            wait = max(wait, self._tokens.delay(reservation.tokens, now))
        return wait

    @property
    def counts_tokens(self) -> bool:
        """Whether a tokens-per-minute budget is kept (configured, or reported by the API)."""
        return self._tokens is not None

    def correct_tokens(self, estimated: float, used: float, now: float) -> None:
        """The reply said how many tokens the request used: settle the difference."""
        if self._tokens is not None:
            self._tokens.give_back(estimated - used, now)

    def cancel(self, tokens: float, now: float) -> None:
        """An attempt that was reserved but used no tokens (refused, or never sent)."""
        if self._tokens is not None:
            self._tokens.give_back(tokens, now)

    def on_success(self, rate_limit: RateLimitInfo | None, now: float) -> None:
        self._successes.add(now)
        if rate_limit is not None:
            self._learn_limits(rate_limit)
        if self.adaptive:
            if rate_limit is not None and self._near_empty(rate_limit):
                if now - self._last_decrease >= SOFT_COOLDOWN:
                    self._slow_down(SOFT_DECREASE, self._current(now), now, now)
            else:
                self._grow(now)
        self._apply(now)

    def on_rate_limited(
        self,
        retry_after: float | None,
        sent_at: float,
        now: float,
        rate_limit: RateLimitInfo | None = None,
    ) -> None:
        """A 429 for an attempt sent at ``sent_at``, with the rate-limit headers of its reply."""
        self.rate_limited += 1
        if retry_after is not None and retry_after > 0:
            self._paused_until = max(self._paused_until, now + retry_after)
        if not self.adaptive or sent_at < self._last_decrease:
            return  # sent before the last slow-down: old news
        if rate_limit is not None and self._quota_left(rate_limit):
            return  # the account still has quota: a capacity 429, not our pace; just retry
        # What got through lately is what the account allows; but one push-back never more
        # than halves the pace, so that an early, noisy measure cannot collapse it.
        current = self._current(now)
        self._last_bad = min(current, max(self._successes.rate(now), current / 2))
        self._slow_down(BETA, self._last_bad, sent_at, now)
        self._apply(now)

    def snapshot(self, now: float) -> PaceSnapshot:
        rate = self._effective_rate()
        return PaceSnapshot(
            requests_per_minute=None if rate is None else rate * 60.0,
            tokens_per_minute=self._tpm_ceiling(),
            paused_for=max(0.0, self._paused_until - now),
            rate_limited=self.rate_limited,
        )

    # -- inside ----------------------------------------------------------------------------

    def _rpm_ceiling(self) -> float | None:
        known = [v for v in (self._rpm_given, self._rpm_reported) if v is not None]
        return min(known) if known else None

    def _tpm_ceiling(self) -> float | None:
        known = [v for v in (self._tpm_given, self._tpm_reported) if v is not None]
        return min(known) if known else None

    def _effective_rate(self) -> float | None:
        """Requests per second allowed now (``None``: unlimited)."""
        ceiling = self._rpm_ceiling()
        per_second = None if ceiling is None else ceiling / 60.0
        if self._rate is None:
            return per_second
        return self._rate if per_second is None else min(self._rate, per_second)

    def _current(self, now: float) -> float:
        """The pace to slow down from: the allowed one, or what is being sent if unlimited."""
        rate = self._effective_rate()
        return rate if rate is not None else max(self._attempts.rate(now), MIN_RATE)

    def _learn_limits(self, info: RateLimitInfo) -> None:
        if info.requests_limit:
            self._rpm_reported = float(info.requests_limit)
        if info.tokens_limit:
            self._tpm_reported = float(info.tokens_limit)

    @staticmethod
    def _quota_left(info: RateLimitInfo) -> bool:
        """Whether the reply reports remaining quota, and plenty of it, for all it reports."""
        reported = [
            (remaining, limit)
            for remaining, limit in (
                (info.requests_remaining, info.requests_limit),
                (info.tokens_remaining, info.tokens_limit),
            )
            if remaining is not None and limit
        ]
        return bool(reported) and all(r >= NEAR_EMPTY * limit for r, limit in reported)

    @staticmethod
    def _near_empty(info: RateLimitInfo) -> bool:
        for remaining, limit in (
            (info.requests_remaining, info.requests_limit),
            (info.tokens_remaining, info.tokens_limit),
        ):
            if remaining is not None and limit and remaining < NEAR_EMPTY * limit:
                return True
        return False

    def _slow_down(self, by: float, base: float, sent_at: float, now: float) -> None:
        if sent_at < self._last_decrease:
            return
        self._rate = max(MIN_RATE, by * base)
        self._last_decrease = now
        self._last_growth = now

    def _grow(self, now: float) -> None:
        elapsed, self._last_growth = now - self._last_growth, now
        if self._rate is None or elapsed <= 0:
            return
        bad = self._last_bad or self._rate
        if self._rate < 0.9 * bad:
            self._rate += FAST_GROWTH * bad * elapsed
        elif self._rate < bad:
            self._rate += PROBE_GROWTH * bad * elapsed
        else:
            self._rate *= 1.0 + PROBE_GROWTH * elapsed  # past the last 429: probe upwards
        ceiling = self._rpm_ceiling()
        if ceiling is not None and self._rate >= ceiling / 60.0:
            self._rate = None  # back to the configured pace

    def _apply(self, now: float) -> None:
        self._requests = _retune(self._requests, self._effective_rate(), now)
        tokens = self._tpm_ceiling()
        self._tokens = _retune(self._tokens, None if tokens is None else tokens / 60.0, now)


def _retune(bucket: TokenBucket | None, per_second: float | None, now: float) -> TokenBucket | None:
    if per_second is None:
        return None
    if bucket is None:
        return TokenBucket(per_second, now)
    if bucket.per_second != per_second:
        bucket.set_rate(per_second, now)
    return bucket
