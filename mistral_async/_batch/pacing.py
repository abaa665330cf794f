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
- Every slow-down on 429s is a trial: do they thin out at the slower pace? Against a real
  limit they stop, the new pace being under what got through. A gateway or a loaded backend
  that refuses a steady share of requests whatever the pace, with no rate-limit headers to
  say so, goes on refusing that share; taken for a limit, each of its 429s took 30% off the
  pace and growth never caught up (a steady 10% of 429s left ~1% of the throughput). So the
  replies to attempts sent at the slower pace are counted (``TRIAL_OUTCOMES`` at least, more
  when 429s are rare) and compared with those before it. If the share of 429s fell by less
  than half, the slow-down is undone (back to the pace before the slow-downs not yet undone)
  and that share is *tolerated*: later 429s slow the run only when their share over the last
  seconds rises clearly above it, and the tolerated share comes down when 429s become rarer.
  If it fell, the slow-down stays; if too few replies tell, it stays too. Meanwhile the pace
  grows back to 90% of that of the 429 and is held there, under any limit the 429 marked; a
  trial held there ends with ``MIN_SAMPLE`` replies. Only a majority of 429s at the new pace
  slows it again. A 429 whose headers say the quota is spent, or a reply reporting a
  near-empty quota, is a real limit: no trial. With no pace set, 429s in the first
  ``GOODPUT_SPAN`` of a run slow nothing unless they are a plain majority: the rate to slow
  down from is not measured yet (connections are still opening).
- Without 429s the pace grows back: fast up to 90% of where the last 429 happened, then
  slowly, probing; once it reaches the configured pace, that pace rules again. Remaining-quota
  headers close to zero stop the growth and slow a little (once a second), before a 429 is
  needed to say so; such a reply also ends a trial (the account is near its limit: the 429s
  are real).
- The account's own per-minute limits, when the API reports them (``x-ratelimit-limit-*``),
  cap the configured ones.

In simulation (tests/batch/test_pacing.py), against an API that allows 5 to 200 requests a
second, a run with 32 to 64 workers settles at 90-96% of the allowed rate with 0-1% of 429s;
the same run without adaptation keeps ~58% of its attempts answered with 429. Against an API
that refuses a random 10% of requests whatever the pace, a run answered 50 to 450 times a
second keeps 0.9-1 times the throughput of a run without adaptation on average, 0.5-0.9 at
worst (~1% before the trials); under ~10 replies a second, few replies judge a slow-down and
some runs keep a third.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

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
TRIAL_OUTCOMES = 40
"""The fewest replies to attempts sent at the slower pace on which a slow-down is judged..."""
TRIAL_EXPECTED = 6
"""...and as many more as it takes to expect this many 429s among them if nothing changed
(a trial at a 2% share of 429s needs 300 replies: fewer would tell chance from a change)..."""
TRIAL_MAX = 400
"""...but no more than this; undecided, the slow-down stays (the safe side)."""
MIN_SAMPLE = 20
"""Replies at each pace, at the least, for a trial to undo its slow-down; a trial ends with
this many once the pace is back to 90% of that of the 429 (where it is held meanwhile)."""
MIN_EVIDENCE = 2
"""429s at the slower pace needed to call them independent of it (one can be chance)."""
MAJORITY = 0.5
"""A share of 429s above this is always our pace: never tolerated. During a trial, such a
share at the new pace slows it again once ``MAJORITY_EVIDENCE`` 429s make it (one reply alone
is a coin toss); if the trial began at such a share (far above a limit), a 429 at the new pace
does as soon as the share there is still half of that before."""
MAJORITY_EVIDENCE = 3
GOODPUT_SPAN = 0.5
"""Seconds of replies before the successes a second say what an account lets through: sooner,
a burst the API allows at first reads as a rate (one of a tenth of a second inflates a
measure over half a second by 20%; 43% would put the pace of a trial above the limit)."""
MIN_MARGIN = 0.02
"""The least excess over the tolerated share of 429s that counts as push-back."""
MIN_TOLERATED = 0.01
"""A share of 429s too small to be worth tolerating (below it, the tolerated share is 0)."""
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

    def count(self, now: float) -> float:
        """Events over the window before ``now``."""
        start = math.floor(now - self._seconds)
        return sum(c for s, c in self._counts if s >= start)

    def seen_for(self, now: float) -> float:
        """Seconds since the first event (0 before it)."""
        return 0.0 if self._first is None else now - self._first

    def rate(self, now: float) -> float:
        """Events per second over the window before ``now``; 0 when nothing was seen."""
        if self._first is None:
            return 0.0
        start = now - self._seconds
        # Measured over the time there has been to see events, not the whole window.
        span = max(_MIN_SPAN, now - max(math.floor(start), self._first))
        return self.count(now) / span


@dataclass
class _Tally:
    """Replies counted for a trial, and how many of them were 429s."""

    replies: float = 0.0
    refused: float = 0.0

    def add(self, refused: bool) -> None:
        self.replies += 1
        self.refused += refused

    @property
    def share(self) -> float:
        return self.refused / self.replies if self.replies else 0.0


@dataclass
class _Trial:
    """A slow-down on 429s being judged: did they thin out at the slower pace?"""

    first: float
    """When it began: replies to attempts sent before are the sample at the old pace."""
    latest: float
    """Its last slow-down: replies to attempts sent since are the sample at the new pace."""
    goodput: float
    """Successes a second when it began (0: too soon to tell): a real limit lets no more
    through."""
    before: _Tally
    pace: float = math.inf
    """The pace set by its last slow-down."""
    after: _Tally = field(default_factory=_Tally)


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
        self._refusals = RateMeter()  # the 429s that may be about the pace
        self._trial: _Trial | None = None
        self._tolerated = 0.0  # share of 429s found not to depend on the pace
        # The pace (and pace of the last 429) before the slow-downs on 429s since the last
        # undo: what an undo restores, so that a trial misjudged on a noisy sample costs
        # nothing once a later one finds out. Forgotten once the pace has grown back past it.
        self._restore: tuple[float | None, float | None] | None = None
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

    def on_success(
        self, rate_limit: RateLimitInfo | None, now: float, sent_at: float | None = None
    ) -> None:
        """A reply for an attempt sent at ``sent_at`` (``None``: counted as sent ``now``)."""
        self._successes.add(now)
        if rate_limit is not None:
            self._learn_limits(rate_limit)
        if self.adaptive:
            self._tally(False, now if sent_at is None else sent_at, now)
            if rate_limit is not None and self._near_empty(rate_limit):
                self._trial = self._restore = None  # near the account's limit: 429s are real
                if now - self._last_decrease >= SOFT_COOLDOWN:
                    self._slow_down(SOFT_DECREASE, self._current(now), now, now)
            else:
                self._grow(now)
                self._update_tolerance(now)
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
        if not self.adaptive:
            return
        if rate_limit is not None and self._quota_left(rate_limit):
            return  # the account still has quota: a capacity 429, not our pace; just retry
        # The headers say the quota is spent: a real limit, whatever the share of 429s.
        spent = rate_limit is not None and self._near_empty(rate_limit)
        self._refusals.add(now)
        self._tally(True, sent_at, now)
        if sent_at < self._last_decrease:
            return  # sent before the last slow-down: old news
        if spent:  # slow down as without trials: nothing to find out, nothing to undo
            self._trial = self._restore = None
            self._decrease(sent_at, now)
            return
        trial = self._trial
        if trial is not None:
            # Being judged: slow again only if the new pace is still plainly too fast.
            after, before = trial.after, trial.before.share
            plainly = after.share > MAJORITY and after.refused >= MAJORITY_EVIDENCE
            if plainly or (before > MAJORITY and after.share >= before / 2):
                self._decrease(sent_at, now)
                trial.latest, trial.after, trial.pace = now, _Tally(), self._pace()
            return
        if self._tolerates(now):
            return  # no more 429s than the pace-independent share already seen
        if self._effective_rate() is None and self._attempts.seen_for(now) < GOODPUT_SPAN:
            # No pace is set, so a slow-down starts from the rate measured, which over the
            # first moments (connections opening) is a fraction of the real one: wait for a
            # measure, unless the 429s are already a plain majority.
            refused = self._refusals.count(now)
            if refused < MAJORITY_EVIDENCE or refused <= MAJORITY * self._replies(now):
                return
        if self._restore is None:
            self._restore = (self._rate, self._last_bad)
        recent = _Tally(self._replies(now), self._refusals.count(now))
        measured = self._successes.seen_for(now) >= GOODPUT_SPAN
        goodput = self._successes.rate(now) if measured else 0.0
        trial = self._trial = _Trial(now, now, goodput, recent)
        self._decrease(sent_at, now)
        trial.pace = self._pace()

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

    def _pace(self) -> float:
        """Requests per second allowed now, infinite when unlimited."""
        rate = self._effective_rate()
        return math.inf if rate is None else rate

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

    def _decrease(self, sent_at: float, now: float) -> None:
        # What got through lately is what the account allows; but one push-back never more
        # than halves the pace, so that an early, noisy measure cannot collapse it.
        current = self._current(now)
        self._last_bad = min(current, max(self._successes.rate(now), current / 2))
        self._slow_down(BETA, self._last_bad, sent_at, now)
        self._apply(now)

    def _replies(self, now: float) -> float:
        """Replies over the last seconds that count for the share of 429s."""
        return self._successes.count(now) + self._refusals.count(now)

    def _tally(self, refused: bool, sent_at: float, now: float) -> None:
        """Count a reply for the trial under way, and judge it once it has enough."""
        trial = self._trial
        if trial is None:
            return
        if sent_at < trial.first:
            trial.before.add(refused)
        elif sent_at >= trial.latest:
            trial.after.add(refused)
            if self._enough(trial):
                self._judge(trial, now)
        # Sent between two slow-downs of the trial: a pace that is neither; not counted.

    def _enough(self, trial: _Trial) -> bool:
        """Whether the trial has the replies at the new pace to tell a change from chance."""
        replies = trial.after.replies
        expected = replies * (trial.before.share - self._tolerated)
        return replies >= TRIAL_OUTCOMES and (expected >= TRIAL_EXPECTED or replies >= TRIAL_MAX)

    def _judge(self, trial: _Trial, now: float) -> None:
        """A real limit leaves (almost) no 429s at a pace under what got through; 429s that
        kept their share at the slower pace are not about it: undo, and tolerate that share.
        If the share fell beyond chance, the slow-down was right: nothing earlier to undo.
        Otherwise (too few replies to tell) the slow-down stays, and so does the restore point.
        """
        self._trial = None
        tolerated = self._tolerated
        before, after = trial.before, trial.after
        if (
            # Replies enough on both sides (a trial held at 90% ends with MIN_SAMPLE); and the
            # test is only worth something if the slower pace was under any real limit: under
            # what got through, and under a majority of 429s (beyond that, a halving may still
            # be above the limit).
            min(before.replies, after.replies) >= MIN_SAMPLE
            and trial.pace < trial.goodput
            and max(before.share, after.share) <= MAJORITY
            and after.refused >= MIN_EVIDENCE
            and after.share >= MIN_TOLERATED
            and after.share - tolerated >= (before.share - tolerated) / 2
        ):
            # Both samples measure the same share, unless it grew meanwhile: the newer says.
            pooled = (before.refused + after.refused) / (before.replies + after.replies)
            self._tolerated = min(MAJORITY, max(pooled, after.share))
            if self._restore is not None:
                self._rate, self._last_bad = self._restore
                self._restore = None
            self._last_growth = now
            self._apply(now)
        elif _fell(before, after):
            self._restore = None

    def _tolerates(self, now: float) -> bool:
        """Whether the share of 429s over the last seconds is within the tolerated one."""
        if self._tolerated <= 0:
            return False
        replies = max(1.0, self._replies(now))
        share = self._refusals.count(now) / replies
        return share <= self._tolerated + _margin(self._tolerated, replies)

    def _update_tolerance(self, now: float) -> None:
        """Lower the tolerated share when 429s have clearly become rarer than it."""
        if self._tolerated <= 0 or self._trial is not None:
            return
        replies = self._replies(now)
        if replies < TRIAL_OUTCOMES:
            return
        share = self._refusals.count(now) / replies
        if share < self._tolerated - _chance(self._tolerated, replies):
            self._tolerated = share if share >= MIN_TOLERATED else 0.0

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
        trial = self._trial
        if trial is not None:
            # Back to 90% of the pace of the 429 and no further: replies at a pace the 429 may
            # have marked as the limit would say nothing. Held there, the trial ends once it
            # has replies enough to judge on.
            self._rate = min(self._rate + FAST_GROWTH * bad * elapsed, max(self._rate, 0.9 * bad))
        elif self._rate < 0.9 * bad:
            self._rate += FAST_GROWTH * bad * elapsed
        elif self._rate < bad:
            self._rate += PROBE_GROWTH * bad * elapsed
        else:
            self._rate *= 1.0 + PROBE_GROWTH * elapsed  # past the last 429: probe upwards
        ceiling = self._rpm_ceiling()
        if ceiling is not None and self._rate >= ceiling / 60.0:
            self._rate = None  # back to the configured pace
        if trial is not None and (
            self._rate is None or (self._rate >= 0.9 * bad and trial.after.replies >= MIN_SAMPLE)
        ):
            self._judge(trial, now)
        if self._restore is not None and self._trial is None:
            before = self._restore[0]
            if self._rate is None or (before is not None and self._rate >= before):
                self._restore = None  # grown back: nothing left to undo

    def _apply(self, now: float) -> None:
        self._requests = _retune(self._requests, self._effective_rate(), now)
        tokens = self._tpm_ceiling()
        self._tokens = _retune(self._tokens, None if tokens is None else tokens / 60.0, now)


def _fell(before: _Tally, after: _Tally) -> bool:
    """Whether the share of 429s fell by more than chance would (three standard errors)."""
    if not before.replies or not after.replies:
        return False
    pooled = (before.refused + after.refused) / (before.replies + after.replies)
    error = math.sqrt(pooled * (1.0 - pooled) * (1.0 / before.replies + 1.0 / after.replies))
    return before.share - after.share > 3.0 * error


def _chance(share: float, replies: float) -> float:
    """How far from ``share`` a share measured on ``replies`` replies strays by chance alone,
    seldom more: three standard deviations."""
    return 3.0 * math.sqrt(share * (1.0 - share) / max(1.0, replies))


def _margin(share: float, replies: float) -> float:
    """How far above the tolerated ``share`` 429s must be to count as push-back."""
    return max(MIN_MARGIN, _chance(max(share, MIN_MARGIN), replies))


def _retune(bucket: TokenBucket | None, per_second: float | None, now: float) -> TokenBucket | None:
    if per_second is None:
        return None
    if bucket is None:
        return TokenBucket(per_second, now)
    if bucket.per_second != per_second:
        bucket.set_rate(per_second, now)
    return bucket
