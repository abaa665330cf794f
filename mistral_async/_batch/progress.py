"""Progress of a batch run: the snapshot callbacks receive, and how the command line shows it.

:class:`BatchProgress` is what ``on_progress`` is called with (by every backend, through
:func:`report`); :func:`progress_line` and :func:`progress_bar` are pure text;
:class:`ProgressPrinter` rewrites one line in place on a terminal and prints plain periodic
lines elsewhere (a log file, CI).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..types.chat import UsageInfo

log = logging.getLogger("mistral_async.batch")


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch run stands. Counts are of items (requests), not of attempts."""

    done: int = 0
    """Items finished, successfully or not (``succeeded + failed``)."""
    succeeded: int = 0
    failed: int = 0
    in_flight: int = 0
    """Items being sent, waiting for their turn or between two attempts."""
    total: int | None = None
    """Items in the input, when known (a sized input, or a file counted up front)."""
    skipped: int = 0
    """Items left out because an earlier run already wrote them (resumed file runs)."""
    retries: int = 0
    """Retries made, over all items."""
    rate_limited: int = 0
    """429 replies received."""
    elapsed: float = 0.0
    rate: float = 0.0
    """Items finished per second, over the last few seconds."""
    requests_per_minute: float | None = None
    """The pace the run allows itself now (``None``: only the concurrency bounds it)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """Estimated cost of the tokens used, when the usage tracker knows the models' prices."""
    finished: bool = False
    """True in the last report of a run."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def remaining(self) -> int | None:
        if self.total is None:
            return None
        return max(0, self.total - self.skipped - self.done)

    @property
    def eta(self) -> float | None:
        """Seconds until the end at the current rate, when the total is known."""
        remaining = self.remaining
        if remaining is None:
            return None
        if remaining == 0:
            return 0.0
        return remaining / self.rate if self.rate > 0 else None


ProgressCallback = Callable[[BatchProgress], object]
CostFunction = Callable[[str, UsageInfo], "float | None"]


def report(callback: ProgressCallback, progress: BatchProgress) -> None:
    """Call ``on_progress``; a broken progress display must not lose the run."""
    try:
        callback(progress)
    except Exception:
        log.exception("The batch progress callback failed")


def cost_function(client: Any) -> CostFunction | None:
    """The price lookup of the client's usage tracker (``client.usage_tracker.cost``), if it
    has one; a model the tracker has no price for adds nothing (tokens are still counted)."""
    tracker = getattr(client, "usage_tracker", None)
    price = getattr(tracker, "cost", None)
    if not callable(price):
        return None

    def cost(model: str, usage_info: UsageInfo) -> float | None:
        try:
            value = price(model, usage_info.prompt_tokens, usage_info.completion_tokens)
        except Exception:  # a tracker with another signature: show tokens only
            return None
        return float(value) if isinstance(value, (int, float)) else None

    return cost


# -- text ------------------------------------------------------------------------------------


def _count(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _duration(seconds: float | None) -> str:
    if seconds is None or math.isinf(seconds):
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _details(progress: BatchProgress) -> list[str]:
    parts = [f"{progress.rate:.1f}/s"]
    if progress.total is not None and not progress.finished:
        parts.append(f"ETA {_duration(progress.eta)}")
    parts.append(f"failed {progress.failed}")
    parts.append(f"in flight {progress.in_flight}")
    if progress.retries:
        parts.append(f"retries {progress.retries}")
    if progress.rate_limited:
        parts.append(f"429s {progress.rate_limited}")
    parts.append(f"{_count(progress.total_tokens)} tokens")
    if progress.cost is not None:
        parts.append(f"~${progress.cost:.4f}")
    return parts


def _position(progress: BatchProgress) -> str:
    done = progress.done + progress.skipped
    if progress.total is None:
        return f"{done}"
    percent = 100.0 * done / progress.total if progress.total else 100.0
    return f"{done}/{progress.total} {percent:.0f}%"


def progress_line(progress: BatchProgress) -> str:
    """One plain line, for logs: ``1200/5000 24% | 310.2/s | ETA 0:12 | failed 3 | ...``."""
    head = "done" if progress.finished else "batch"
    return f"{head} {_position(progress)} | " + " | ".join(_details(progress))


def progress_bar(progress: BatchProgress, width: int = 80) -> str:
    """A bar and the same figures, fitted to ``width`` columns."""
    text = f" {_position(progress)} | " + " | ".join(_details(progress))
    if progress.total:
        bar_width = max(10, min(30, width - len(text) - 2))
        filled = int(bar_width * (progress.done + progress.skipped) / progress.total)
        text = "[" + "#" * filled + "." * (bar_width - filled) + "]" + text
    return text[:width]


@dataclass
class ProgressPrinter:
    """Shows progress on ``stream``: a bar rewritten in place on a terminal, else a plain line
    every ``interval`` seconds. Use it as the ``on_progress`` callback."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interval: float = 10.0
    width: int = 100
    tty: bool | None = None
    _last: float = field(default=-math.inf, init=False)

    def __post_init__(self) -> None:
        if self.tty is None:
            isatty = getattr(self.stream, "isatty", None)
            self.tty = bool(isatty and isatty())

    def __call__(self, progress: BatchProgress) -> None:
        if self.tty:
            end = "\n" if progress.finished else ""
            self.stream.write("\r\x1b[2K" + progress_bar(progress, self.width) + end)
            self.stream.flush()
            return
        now = time.monotonic()
        if progress.finished or now - self._last >= self.interval:
            self._last = now
            self.stream.write(progress_line(progress) + "\n")
            self.stream.flush()
