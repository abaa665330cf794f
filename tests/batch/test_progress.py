"""The live progress bar: sized to the terminal, one line, the same width at every redraw."""

from __future__ import annotations

import io
import os
import shutil

import pytest

from mistral_async._batch.progress import (
    MAX_BAR,
    BatchProgress,
    ModelUsage,
    ProgressPrinter,
    bar_width,
    progress_bar,
    progress_line,
    terminal_width,
)

WIDTHS = [1, 12, 29, 30, 40, 60, 79, 80, 100, 132, 250]


def a_run(total: int = 5000) -> list[BatchProgress]:
    """Snapshots of one run, its figures growing in length as it goes (retries and 429s
    appear, the rate and the tokens gain digits, a model without a price shows up)."""
    snapshots: list[BatchProgress] = []
    for step in range(0, 11):
        done = total * step // 10
        snapshots.append(
            BatchProgress(
                done=done,
                succeeded=done - step,
                failed=step,
                in_flight=16 if step < 10 else 0,
                total=total,
                retries=step * 7,
                rate_limited=step * 3,
                rate=1.5 * 10**step,
                prompt_tokens=done * 900,
                completion_tokens=done * 100,
                cost=0.0001 * done if step else None,
                by_model={"mistral-medium-latest": ModelUsage(1, 1, 1)} if step > 5 else {},
                finished=step == 10,
            )
        )
    return snapshots


@pytest.mark.parametrize("width", WIDTHS)
def test_the_bar_is_one_line_of_exactly_the_width_at_every_redraw(width: int) -> None:
    bars = [progress_bar(progress, width) for progress in a_run()]
    for bar in bars:
        assert "\n" not in bar
        assert "\r" not in bar
        assert len(bar) == width
    if bar_width(width):  # the bar itself keeps its place and size
        assert {bar.index("]") for bar in bars} == {bar_width(width) + 1}
        assert bars[0].startswith("[" + "." * bar_width(width) + "]")
        assert bars[-1].startswith("[" + "#" * bar_width(width) + "]")


def test_figures_that_do_not_fit_are_dropped_whole() -> None:
    progress = a_run()[6]
    full = progress_line(progress)
    wanted = full.split(" | ")[1:]  # after the position, most wanted first
    for width in (40, 60, 80, 100, 132):
        shown = progress_bar(progress, width).split("]", 1)[1].rstrip().split(" | ")[1:]
        assert shown == wanted[: len(shown)]  # whole figures, from the first, none cut
    assert "cost unknown for mistral-medium-latest" in progress_bar(progress, 250)
    assert "cost unknown for mistral-medium-latest" in full


def test_bar_sizes() -> None:
    assert bar_width(29) == 0  # too narrow: figures only
    assert bar_width(30) == 10
    assert bar_width(90) == 30
    assert bar_width(500) == MAX_BAR
    no_total = BatchProgress(done=12, rate=2.0)
    assert progress_bar(no_total, 60).startswith(" 12 | 2.0/s")  # nothing to fill: no bar
    assert len(progress_bar(no_total, 60)) == 60


def terminal(monkeypatch: pytest.MonkeyPatch, columns: list[int]) -> None:
    """Make the terminal ``columns[0]`` wide, then the next size at each query."""
    monkeypatch.delenv("COLUMNS", raising=False)
    sizes = iter(columns)
    last = [columns[0]]

    def size(fallback: tuple[int, int] = (80, 24)) -> os.terminal_size:
        last[0] = next(sizes, last[0])
        return os.terminal_size((last[0], 24))

    monkeypatch.setattr(shutil, "get_terminal_size", size)


@pytest.mark.parametrize("columns", [24, 40, 60, 80, 99, 120, 200])
def test_the_printer_fits_the_terminal_and_rewrites_one_line(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    terminal(monkeypatch, [columns])
    stream = io.StringIO()
    printer = ProgressPrinter(stream=stream, tty=True)
    run = a_run()
    for progress in run:
        printer(progress)
    redraws = stream.getvalue().split("\r\x1b[2K")[1:]
    assert len(redraws) == len(run)
    for text in redraws[:-1]:
        assert "\n" not in text
        assert len(text) == columns - 1  # one short: a full line makes some terminals wrap
    assert redraws[-1] == progress_bar(run[-1], columns - 1) + "\n"  # the last one stays


def test_the_printer_follows_a_resized_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal(monkeypatch, [120, 120, 50, 50, 90])
    stream = io.StringIO()
    printer = ProgressPrinter(stream=stream, tty=True)
    for progress in a_run()[:5]:
        printer(progress)
    redraws = stream.getvalue().split("\r\x1b[2K")[1:]
    assert [len(text) for text in redraws] == [119, 119, 49, 49, 89]


def test_a_fixed_width_and_the_columns_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal(monkeypatch, [200])
    stream = io.StringIO()
    ProgressPrinter(stream=stream, tty=True, width=70)(a_run()[3])
    assert len(stream.getvalue()) == len("\r\x1b[2K") + 70
    monkeypatch.undo()
    monkeypatch.setenv("COLUMNS", "57")
    assert terminal_width(io.StringIO()) == 57
