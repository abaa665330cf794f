"""Progress of a batch run: the snapshot callbacks receive, and how the command line shows it.

:class:`BatchProgress` is what ``on_progress`` is called with (by every backend, through
:func:`report`); :func:`progress_line` and :func:`progress_bar` are pure text;
:class:`ProgressPrinter` rewrites one line in place on a terminal and prints plain periodic
lines elsewhere (a log file, CI).
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from ..types.chat import UsageInfo
from ..usage import format_cost

log = logging.getLogger("mistral_async.batch")


@dataclass(frozen=True)
class ModelUsage:
    """The replies of one model in a batch run: how many, their tokens, their estimated cost."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    """``None`` when the usage tracker has no price for the model ("cost unknown")."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


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
    by_model: Mapping[str, ModelUsage] = field(default_factory=dict[str, ModelUsage])
    """The replies' tokens and cost per model (a model without a price has ``cost=None``)."""
    errors: Mapping[str, int] = field(default_factory=dict[str, int])
    """Failed items per error type (the error's class name: ``RateLimitError``...)."""
    first_failed: tuple[str, ...] = ()
    """The ``custom_id`` of the first failed items, in the order they failed (a few only)."""
    finished: bool = False
    """True in the last report of a run."""

    @property
    def unpriced_models(self) -> tuple[str, ...]:
        """The models whose replies have no price, so are left out of ``cost``."""
        return tuple(name for name, used in self.by_model.items() if used.cost is None)

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
    """The figures after the position, most wanted first (a narrow bar drops from the end)."""
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
        parts.append(f"~{format_cost(progress.cost)}")
    if progress.unpriced_models:
        parts.append(f"cost unknown for {', '.join(progress.unpriced_models)}")
    return parts


def _position(progress: BatchProgress, padded: bool = False) -> str:
    done = progress.done + progress.skipped
    if progress.total is None:
        return f"{done}"
    percent = 100.0 * done / progress.total if progress.total else 100.0
    if padded:  # to the total's width: on a bar redrawn in place, the figures keep their place
        return f"{done:>{len(str(progress.total))}}/{progress.total} {percent:3.0f}%"
    return f"{done}/{progress.total} {percent:.0f}%"


def progress_line(progress: BatchProgress) -> str:
    """One plain line, for logs: ``1200/5000 24% | 310.2/s | ETA 0:12 | failed 3 | ...``."""
    head = "done" if progress.finished else "batch"
    return f"{head} {_position(progress)} | " + " | ".join(_details(progress))


MIN_BAR: Final = 10
"""The narrowest bar drawn; below ``MIN_BAR + 20`` columns the line has figures only."""
MAX_BAR: Final = 40


def bar_width(width: int) -> int:
    """The bar's columns on a line of ``width``: a third of it, within ``MIN_BAR..MAX_BAR``;
    0 when the line is too narrow for a bar and figures. A function of the width alone, so
    the bar keeps its size while the figures beside it change."""
    if width < MIN_BAR + 20:
        return 0
    return max(MIN_BAR, min(MAX_BAR, width // 3))


def progress_bar(progress: BatchProgress, width: int = 80) -> str:
    """A bar and the same figures as :func:`progress_line`, exactly ``width`` columns.

    Figures that do not fit are dropped from the end whole (never cut in the middle), and the
    line is padded with spaces to ``width``: each redraw covers the last one exactly.
    """
    width = max(1, width)
    total = progress.total or 0  # no total (or none to do): figures only
    columns = bar_width(width) if total else 0
    room = width - (columns + 2 if columns else 0)  # the bar and its brackets
    text = f" {_position(progress, padded=True)}"
    for part in _details(progress):
        if len(text) + len(part) + 3 > room:
            break
        text += f" | {part}"
    if columns:
        filled = min(columns, columns * (progress.done + progress.skipped) // total)
        text = "[" + "#" * filled + "." * (columns - filled) + "]" + text
    return text[:width].ljust(width)


def terminal_width(stream: TextIO) -> int:
    """The columns of the terminal ``stream`` writes to: ``$COLUMNS`` if set, else the
    terminal's own size, else :func:`shutil.get_terminal_size`'s (which falls back to 80)."""
    if not os.environ.get("COLUMNS"):
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):  # not a terminal, or no descriptor
            columns = 0
        if columns > 0:  # some pseudo-terminals (CI) report 0: not a size
            return columns
    return shutil.get_terminal_size().columns


@dataclass
class ProgressPrinter:
    """Shows progress on ``stream``: a bar rewritten in place on a terminal, else a plain line
    every ``interval`` seconds. Use it as the ``on_progress`` callback.

    The bar is sized to the terminal at each redraw (``width`` fixes it instead), one column
    short of it: a line of the full width makes some terminals wrap, and every redraw then
    scrolls instead of overwriting.
    """

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interval: float = 10.0
    width: int | None = None
    """The bar's columns; ``None``: the terminal's width less one, read at each redraw."""
    tty: bool | None = None
    _last: float = field(default=-math.inf, init=False)

    def __post_init__(self) -> None:
        if self.tty is None:
            isatty = getattr(self.stream, "isatty", None)
            self.tty = bool(isatty and isatty())

    def line_width(self) -> int:
        """The columns of the next bar."""
        if self.width is not None:
            return self.width
        return max(1, terminal_width(self.stream) - 1)

    def __call__(self, progress: BatchProgress) -> None:
        if self.tty:
            end = "\n" if progress.finished else ""
            bar = progress_bar(progress, self.line_width())
            self.stream.write("\r\x1b[2K" + bar + end)
            self.stream.flush()
            return
        now = time.monotonic()
        if progress.finished or now - self._last >= self.interval:
            self._last = now
            self.stream.write(progress_line(progress) + "\n")
            self.stream.flush()
