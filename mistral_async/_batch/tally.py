"""The counts of a batch run, kept the same way whichever backend runs it.

One :class:`Tally` per run: the in-process runner adds each result to it, the Batch API backend
each result line it writes. :class:`~.progress.BatchProgress` snapshots are made from it while
the run goes, and the file run's ``BatchFileSummary`` from its last snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ..types.chat import UsageInfo
from .progress import BatchProgress, CostFunction

COUNTS: Final = ("succeeded", "failed", "prompt_tokens", "completion_tokens", "cost")
"""What a tally keeps, under these names in ``BatchProgress`` and ``BatchFileSummary`` too."""


@dataclass
class Tally:
    """Items finished, tokens used and their estimated cost."""

    price: CostFunction | None = field(default=None, repr=False, compare=False)
    """The usage tracker's price lookup (see :func:`~.progress.cost_function`), if any."""
    succeeded: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """``None`` until a reply of a model with a known price has been counted."""

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    def add(self, ok: bool, usage: UsageInfo | None = None, model: object = None) -> None:
        """Count one finished item; ``usage`` and ``model`` are its reply's, if it has one."""
        if ok:
            self.succeeded += 1
        else:
            self.failed += 1
        if usage is None:
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if self.price is not None and isinstance(model, str):
            cost = self.price(model, usage)
            if cost is not None:
                self.cost = (self.cost or 0.0) + cost

    def progress(self, **figures: Any) -> BatchProgress:
        """A snapshot with these counts and the run's other ``figures`` (``total``,
        ``elapsed``, ``rate``...: the other fields of ``BatchProgress``)."""
        return BatchProgress(done=self.done, **counts(self), **figures)


def counts(source: Tally | BatchProgress) -> dict[str, Any]:
    """The :data:`COUNTS` of a tally or of a progress snapshot made from one."""
    return {name: getattr(source, name) for name in COUNTS}
