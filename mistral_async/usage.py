"""Usage and cost: every reply's token counts, totals per model and per time window, and an
estimated cost from a price table.

Each client records into a ``UsageTracker`` by default (``AsyncMistral(usage_tracker=None)``
turns it off). Recording is a few attribute reads, a lock and an append, so leaving it on costs
nothing measurable beside a request. Replies, streams (usage from their last chunk) and every
call made for a helper are recorded; answers served from a ``ResponseCache`` are not (they cost
nothing).

Costs are computed when asked for, from the tracker's ``pricing``: replace it and the whole
history is priced again. A model missing from the table is reported as unpriced ("cost unknown
for X"), never guessed from a similar name; the ``-latest`` aliases the table names are priced
as the dated model they stood for on the table's date (see :data:`DEFAULT_PRICING`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._core.checks import check_int, check_optional_int, check_optional_seconds
from ._core.response_info import info_of

__all__ = [
    "DEFAULT_PRICING",
    "ModelPrice",
    "PriceTable",
    "UsageRecord",
    "UsageSummary",
    "UsageTracker",
    "format_cost",
    "round_cost",
]


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million tokens, prompt (input) and completion (output)."""

    input: float
    output: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return round_cost((prompt_tokens * self.input + completion_tokens * self.output) / 1e6)


def round_cost(amount: float) -> float:
    """``amount`` rounded to a ten-billionth of a dollar: far below any price, and it drops
    the binary float noise of sums (``9.620000000000001e-05`` is ``9.62e-05``)."""
    return round(amount, 10)


def format_cost(amount: float) -> str:
    """A cost for people: ``$0.0000962``, ``$0.0123``, ``$1.50``, ``$1,234.57``; three
    significant figures below a dollar, cents above."""
    if amount >= 1 or amount <= 0:
        return f"${amount:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(amount)))
    return f"${amount:.{decimals}f}"


@dataclass(frozen=True)
class PriceTable(Mapping[str, ModelPrice]):
    """A price table: model name → :class:`ModelPrice`, with the date the prices were taken.

    ``aliases`` maps a name (``mistral-small-latest``) to the priced name it stands for; the
    table answers for both. Any mapping of names to prices does as a tracker's ``pricing``
    too: ``{**DEFAULT_PRICING, "my-model": ModelPrice(1, 2)}`` keeps every name, aliases
    included (not the date).
    """

    prices: Mapping[str, ModelPrice]
    aliases: Mapping[str, str] = field(default_factory=dict[str, str])
    as_of: date | None = None
    """When the prices were taken (``None``: not said)."""
    source: str = ""

    def resolve(self, model: str) -> str | None:
        """The priced name ``model`` is read as (itself, or what its alias names), if any."""
        if model in self.prices:
            return model
        target = self.aliases.get(model)
        return target if target is not None and target in self.prices else None

    def __getitem__(self, model: str) -> ModelPrice:
        name = self.resolve(model)
        if name is None:
            raise KeyError(model)
        return self.prices[name]

    def __iter__(self) -> Iterator[str]:
        yield from self.prices
        yield from (alias for alias in self.aliases if alias not in self.prices)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        when = f", as_of={self.as_of.isoformat()}" if self.as_of else ""
        return f"PriceTable({len(self.prices)} prices, {len(self.aliases)} aliases{when})"


PRICES_AS_OF = date(2025, 1, 22)
"""The date of the price table in the user's API notes (their "last updated" line)."""

DEFAULT_PRICING: PriceTable = PriceTable(
    prices={
        "mistral-large-2411": ModelPrice(2.00, 6.00),
        "mistral-small-2409": ModelPrice(0.20, 0.60),
        "codestral-2405": ModelPrice(0.20, 0.60),
        "mistral-embed": ModelPrice(0.10),
        "mistral-moderation": ModelPrice(0.20),
    },
    aliases={
        "mistral-large-latest": "mistral-large-2411",
        "mistral-small-latest": "mistral-small-2409",
        "codestral-latest": "codestral-2405",
        "mistral-moderation-latest": "mistral-moderation",
        "mistral-moderation-2411": "mistral-moderation",
    },
    as_of=PRICES_AS_OF,
    source="the Paid Tier Pricing table of the user's API notes",
)
"""Prices (US dollars per million tokens) from the "Paid Tier Pricing" table of the user's API
notes, dated 2025-01-22 (:data:`PRICES_AS_OF`).

The aliases are read as the notes list the models of that date (``mistral-large-2411``,
``mistral-small-2409``, ``codestral-2405``; ``mistral-moderation``, whose only version then was
``2411``). An alias moves on when a new version comes out (``mistral-small-latest`` is a later
Small today, at another price), so the estimate of a ``-latest`` model is only as current as
the table: check https://mistral.ai/pricing and pass your own ``pricing=``.

Deliberately unpriced, because the notes give no figure for them: every other model, among
them ``mistral-medium-*``, the later ``mistral-small-*`` and ``codestral-*`` versions,
``ministral-*``, ``open-mistral-nemo``, ``codestral-embed``, ``mistral-ocr-*`` and fine-tuned
models. Their requests are counted, and their cost shown as unknown rather than guessed.
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

    def __str__(self) -> str:
        """``3 requests, 481 tokens (400 prompt, 81 completion), ~$0.0000962; cost unknown
        for mistral-medium-latest (1 request)``."""
        text = (
            f"{self.requests} request{'s' * (self.requests != 1)}, {self.total_tokens} tokens "
            f"({self.prompt_tokens} prompt, {self.completion_tokens} completion)"
        )
        if self.requests > self.unpriced_requests:
            text += f", ~{format_cost(self.cost)}"
        if self.unpriced_models:
            count = self.unpriced_requests
            text += (
                f"; cost unknown for {', '.join(self.unpriced_models)} "
                f"({count} request{'s' * (count != 1)})"
            )
        return text


def _unknown_note(summary: UsageSummary) -> str:
    if not summary.unpriced_models:
        return ""
    return f", cost unknown for {', '.join(map(repr, summary.unpriced_models))}"


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
        if pricing is None:
            pricing = DEFAULT_PRICING
        # A plain mapping is copied (the caller's dict may change); a PriceTable is kept as
        # it is, with its date and aliases.
        self.pricing: Mapping[str, ModelPrice] = (
            pricing if isinstance(pricing, PriceTable) else dict(pricing)
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._records: deque[UsageRecord] = deque(maxlen=max_records)
        self._totals: dict[str, list[int]] = {}  # model → [requests, prompt, completion]

    def __repr__(self) -> str:
        total = self.summary()
        return (
            f"UsageTracker(requests={total.requests}, total_tokens={total.total_tokens}, "
            f"cost={format_cost(total.cost)}{_unknown_note(total)})"
        )

    @property
    def prices_as_of(self) -> date | None:
        """The date of the price table in use, when it says one (a :class:`PriceTable`)."""
        return getattr(self.pricing, "as_of", None)

    def priced_as(self, model: str) -> str | None:
        """The name ``model``'s price is taken from (itself, or the dated model an alias
        stands for); ``None`` when it has no price."""
        resolve = getattr(self.pricing, "resolve", None)
        if callable(resolve):
            name = resolve(model)
            return name if isinstance(name, str) else None
        return model if model in self.pricing else None

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
        return UsageSummary(
            requests, prompt, completion, round_cost(cost), unpriced, tuple(sorted(missing))
        )
