"""The counts of a batch run, kept the same way whichever backend runs it.

One :class:`Tally` per run: the in-process runner adds each result to it, the Batch API backend
each result line it writes. :class:`~.progress.BatchProgress` snapshots are made from it while
the run goes, and the file run's ``BatchFileSummary`` from its last snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ..types.chat import UsageInfo
from ..usage import round_cost
from .progress import BatchProgress, CostFunction, ModelUsage

COUNTS: Final = (
    "succeeded",
    "failed",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "by_model",
    "errors",
    "first_failed",
)
"""What a tally keeps, under these names in ``BatchProgress`` and ``BatchFileSummary`` too."""

RUN_FIGURES: Final = ("retries", "rate_limited")
"""What a file summary takes from the last snapshot besides the :data:`COUNTS` (the runner
counts these, not the tally)."""

FIRST_FAILED: Final = 10
"""How many failed ``custom_id``s a tally keeps (the first ones, to look at or rerun)."""


@dataclass
class Tally:
    """Items finished, tokens used and their estimated cost, in total and per model; failures
    per error type and the first failed ids."""

    price: CostFunction | None = field(default=None, repr=False, compare=False)
    """The usage tracker's price lookup (see :func:`~.progress.cost_function`), if any."""
    succeeded: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """``None`` until a reply of a model with a known price has been counted."""
    by_model: dict[str, ModelUsage] = field(default_factory=dict[str, ModelUsage])
    errors: dict[str, int] = field(default_factory=dict[str, int])
    first_failed: list[str] = field(default_factory=list[str])

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    def add(
        self,
        ok: bool,
        usage: UsageInfo | None = None,
        model: object = None,
        *,
        custom_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Count one finished item; ``usage`` and ``model`` are its reply's, if it has one;
        ``custom_id`` is the item's, ``error`` the type of a failure (its class name)."""
        if ok:
            self.succeeded += 1
        else:
            self.failed += 1
            kind = error or "unknown error"
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if custom_id is not None and len(self.first_failed) < FIRST_FAILED:
                self.first_failed.append(custom_id)
        if usage is None:
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if not isinstance(model, str):
            return
        cost = self.price(model, usage) if self.price is not None else None
        if cost is not None:
            self.cost = round_cost((self.cost or 0.0) + cost)  # a sum without float noise
        before = self.by_model.get(model, ModelUsage())
        # One unpriced reply leaves the model's cost unknown: a partial sum would look whole.
        unknown = cost is None or (before.requests > 0 and before.cost is None)
        self.by_model[model] = ModelUsage(
            before.requests + 1,
            before.prompt_tokens + usage.prompt_tokens,
            before.completion_tokens + usage.completion_tokens,
            None if unknown else round_cost((before.cost or 0.0) + (cost or 0.0)),
        )

    def progress(self, **figures: Any) -> BatchProgress:
        """A snapshot with these counts and the run's other ``figures`` (``total``,
        ``elapsed``, ``rate``...: the other fields of ``BatchProgress``)."""
        return BatchProgress(done=self.done, **counts(self), **figures)


def counts(source: Tally | BatchProgress) -> dict[str, Any]:
    """The :data:`COUNTS` of a tally or of a progress snapshot made from one; copies, so that
    a snapshot does not change as the tally goes on."""
    figures = {name: getattr(source, name) for name in COUNTS}
    figures["by_model"] = dict(source.by_model)  # its values are frozen: a shallow copy does
    figures["errors"] = dict(source.errors)
    figures["first_failed"] = tuple(source.first_failed)
    return figures


def summary_figures(last: BatchProgress) -> dict[str, Any]:
    """What a ``BatchFileSummary`` takes from a run's last snapshot: :data:`COUNTS` and
    :data:`RUN_FIGURES`."""
    return {**counts(last), **{name: getattr(last, name) for name in RUN_FIGURES}}
