"""Usage and cost: every reply's token counts, totals per model and per time window, and an
estimated cost from a price table.

Each client records into a ``UsageTracker`` by default (``AsyncMistral(usage_tracker=None)``
turns it off). Recording is a few attribute reads, a lock and an append, so leaving it on costs
nothing measurable beside a request. Replies, streams (usage from their last chunk) and every
call made for a helper are recorded; answers served from a ``ResponseCache`` are not (they cost
nothing).

Costs are computed when asked for, from the tracker's ``pricing``: replace it and the whole
history is priced again. A model missing from the table is reported as unpriced, never guessed
from a similar name: ``mistral-small-latest`` is not ``mistral-small-2409``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._core.checks import check_int, check_optional_int, check_optional_seconds
from ._core.response_info import info_of

__all__ = [
    "DEFAULT_PRICING",
    "ModelPrice",
    "UsageRecord",
    "UsageSummary",
    "UsageTracker",
]


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million tokens, prompt (input) and completion (output)."""

    input: float
    output: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


DEFAULT_PRICING: Mapping[str, ModelPrice] = {
    "mistral-large-2411": ModelPrice(2.00, 6.00),
    "mistral-small-2409": ModelPrice(0.20, 0.60),
    "codestral-2405": ModelPrice(0.20, 0.60),
    "mistral-embed": ModelPrice(0.10),
    "mistral-moderation": ModelPrice(0.20),
}
"""Prices from the "Paid Tier Pricing" table of the user's API notes (dated 2025-01-22).

They may be stale: check https://mistral.ai/pricing and pass your own ``pricing=`` table.
Only these exact model names are priced; aliases such as ``-latest`` are not.
"""


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """The usage of one reply."""

    timestamp: float
    model: str
    prompt_tokens: int
    completion_tokens: int
    path: str = ""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class UsageSummary:
    """Requests, tokens and estimated cost over some records.

    ``cost`` adds up the priced requests only; ``unpriced_requests`` and ``unpriced_models``
    say what it leaves out, so a cost is never silently low.
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced_requests: int = 0
    unpriced_models: tuple[str, ...] = ()

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def fully_priced(self) -> bool:
        """True when every request in the summary had a price."""
        return self.unpriced_requests == 0


class UsageTracker:
    """Records usage and answers "how much, on what, since when".

    :param pricing: model name → ``ModelPrice``; defaults to :data:`DEFAULT_PRICING`. The
        ``pricing`` attribute may be replaced at any time.
    :param max_records: how many recent records are kept for time-window queries (totals
        without a window are exact however many requests were made); ``None`` keeps all.
    :param clock: the time source of records (``time.time``); for tests.

    Safe to use from several threads and event loops at once.
    """

    def __init__(
        self,
        pricing: Mapping[str, ModelPrice] | None = None,
        *,
        max_records: int | None = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_optional_int("max_records", max_records)
        self.pricing: Mapping[str, ModelPrice] = dict(
            DEFAULT_PRICING if pricing is None else pricing
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._records: deque[UsageRecord] = deque(maxlen=max_records)
        self._totals: dict[str, list[int]] = {}  # model → [requests, prompt, completion]

    def __repr__(self) -> str:
        total = self.summary()
        return (
            f"UsageTracker(requests={total.requests}, total_tokens={total.total_tokens}, "
            f"cost={total.cost:.6f})"
        )

    # -- recording ---------------------------------------------------------------------------

    def record(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int = 0,
        *,
        path: str = "",
        timestamp: float | None = None,
    ) -> UsageRecord:
        """Record one request's usage (the client does this for every reply)."""
        check_int("prompt_tokens", prompt_tokens)
        check_int("completion_tokens", completion_tokens)
        entry = UsageRecord(
            self._clock() if timestamp is None else timestamp,
            model,
            prompt_tokens,
            completion_tokens,
            path,
        )
        with self._lock:
            self._records.append(entry)
            totals = self._totals.get(model)
            if totals is None:
                self._totals[model] = [1, prompt_tokens, completion_tokens]
            else:
                totals[0] += 1
                totals[1] += prompt_tokens
                totals[2] += completion_tokens
        return entry

    def observe(self, reply: Any, path: str = "") -> None:
        """Record a reply model's ``usage`` (and ``model``), if it has one and did not come
        from the response cache."""
        usage = getattr(reply, "usage", None)
        if usage is None:
            return
        info = info_of(reply)
        if info is not None and info.from_cache:
            return
        self.record(
            str(getattr(reply, "model", None) or "unknown"),
            int(getattr(usage, "prompt_tokens", 0) or 0),
            int(getattr(usage, "completion_tokens", 0) or 0),
            path=path,
        )

    def reset(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._records.clear()
            self._totals.clear()

    # -- reading -----------------------------------------------------------------------------

    @property
    def records(self) -> list[UsageRecord]:
        """The retained records, oldest first (a copy)."""
        with self._lock:
            return list(self._records)

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int = 0) -> float | None:
        """The estimated cost of some tokens of ``model``; ``None`` when it has no price."""
        price = self.pricing.get(model)
        return None if price is None else price.cost(prompt_tokens, completion_tokens)

    def summary(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        last: float | None = None,
        model: str | None = None,
    ) -> UsageSummary:
        """Totals over all models, or one ``model``.

        :param since: only records at or after this time (seconds since the epoch).
        :param until: only records before this time.
        :param last: only the last this-many seconds (the same as ``since=now - last``).

        Without a window the totals are exact; with one they cover the retained records.
        """
        rows = self._rows(since, until, last)
        if model is not None:
            rows = [row for row in rows if row[0] == model]
        return self._summarise(rows)

    def by_model(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        last: float | None = None,
    ) -> dict[str, UsageSummary]:
        """One summary per model, over the same optional window as :meth:`summary`."""
        grouped: dict[str, list[tuple[str, int, int, int]]] = {}
        for row in self._rows(since, until, last):
            grouped.setdefault(row[0], []).append(row)
        return {name: self._summarise(rows) for name, rows in sorted(grouped.items())}

    def _rows(
        self, since: float | None, until: float | None, last: float | None
    ) -> list[tuple[str, int, int, int]]:
        """(model, requests, prompt, completion) rows: exact totals, or records in a window."""
        for name, value in (("since", since), ("until", until), ("last", last)):
            check_optional_seconds(name, value, allow_zero=True)
        if last is not None:
            since = max(since or 0.0, self._clock() - last)
        with self._lock:
            if since is None and until is None:
                return [(m, t[0], t[1], t[2]) for m, t in self._totals.items()]
            records = list(self._records)
        return [
            (r.model, 1, r.prompt_tokens, r.completion_tokens)
            for r in records
            if (since is None or r.timestamp >= since) and (until is None or r.timestamp < until)
        ]

    def _summarise(self, rows: Iterable[tuple[str, int, int, int]]) -> UsageSummary:
        requests = prompt = completion = unpriced = 0
        cost = 0.0
        missing: set[str] = set()
        for model, count, rows_prompt, rows_completion in rows:
            requests += count
            prompt += rows_prompt
            completion += rows_completion
            price = self.pricing.get(model)
            if price is None:
                unpriced += count
                missing.add(model)
            else:
                cost += price.cost(rows_prompt, rows_completion)
        return UsageSummary(requests, prompt, completion, cost, unpriced, tuple(sorted(missing)))
