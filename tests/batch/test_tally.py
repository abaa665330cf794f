"""The one tally behind a run's progress and its file summary (both backends), and ``report``."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest

from mistral_async import BatchFileSummary
from mistral_async._batch.progress import BatchProgress, ModelUsage, report
from mistral_async._batch.tally import (
    COUNTS,
    FIRST_FAILED,
    RUN_FIGURES,
    Tally,
    counts,
    summary_figures,
)
from mistral_async.types.chat import UsageInfo


def usage(prompt: int, completion: int) -> UsageInfo:
    return UsageInfo(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def test_items_and_tokens_are_counted() -> None:
    tally = Tally()
    tally.add(ok=True, usage=usage(10, 5), model="m")
    tally.add(ok=True)  # a reply that reports no usage
    tally.add(ok=False)
    assert (tally.succeeded, tally.failed, tally.done) == (2, 1, 3)
    assert (tally.prompt_tokens, tally.completion_tokens) == (10, 5)
    assert tally.cost is None  # no price lookup: tokens only


def test_cost_adds_up_for_models_with_a_price() -> None:
    asked: list[tuple[str, int]] = []

    def price(model: str, info: UsageInfo) -> float | None:
        asked.append((model, info.prompt_tokens))
        return 0.5 if model == "priced" else None

    tally = Tally(price=price)
    tally.add(ok=True, usage=usage(1, 1), model="unpriced")
    assert tally.cost is None  # nothing known yet: not a cost of 0
    tally.add(ok=True, usage=usage(2, 1), model="priced")
    tally.add(ok=True, usage=usage(3, 1), model="priced")
    tally.add(ok=True, usage=usage(4, 1), model=None)  # a body without a model: not priced
    tally.add(ok=False, model="priced")  # a failure has no usage: nothing to price
    assert tally.cost == pytest.approx(1.0)
    assert asked == [("unpriced", 1), ("priced", 2), ("priced", 3)]
    assert tally.prompt_tokens == 10


def test_a_snapshot_carries_the_counts_and_the_run_figures() -> None:
    tally = Tally(price=lambda model, info: 0.25)
    tally.add(ok=True, usage=usage(7, 3), model="m")
    tally.add(ok=False, custom_id="q1", error="BadRequestError")
    progress = tally.progress(total=5, skipped=1, elapsed=2.0, rate=1.0, in_flight=2)
    assert progress == BatchProgress(
        done=2,
        succeeded=1,
        failed=1,
        in_flight=2,
        total=5,
        skipped=1,
        elapsed=2.0,
        rate=1.0,
        prompt_tokens=7,
        completion_tokens=3,
        cost=0.25,
        by_model={"m": ModelUsage(1, 7, 3, 0.25)},
        errors={"BadRequestError": 1},
        first_failed=("q1",),
    )
    assert progress.remaining == 2
    # A snapshot is a copy: the tally going on does not change it.
    tally.add(ok=True, usage=usage(1, 1), model="m")
    tally.add(ok=False, custom_id="q2", error="BadRequestError")
    assert progress.by_model["m"].requests == 1
    assert progress.errors == {"BadRequestError": 1}
    assert progress.first_failed == ("q1",)
    with pytest.raises(TypeError):
        tally.progress(succeeded=3)  # the counts are the tally's own


def test_progress_and_summary_name_the_counts_alike() -> None:
    # The file summary takes the last snapshot's counts by name: the three must agree.
    for kind in (Tally, BatchProgress, BatchFileSummary):
        assert set(COUNTS) <= {f.name for f in dataclasses.fields(kind)}, kind
    for kind in (BatchProgress, BatchFileSummary):
        assert set(RUN_FIGURES) <= {f.name for f in dataclasses.fields(kind)}, kind
    tally = Tally(succeeded=2, failed=1, prompt_tokens=5, completion_tokens=4, cost=0.5)
    expected: dict[str, Any] = {
        "succeeded": 2,
        "failed": 1,
        "prompt_tokens": 5,
        "completion_tokens": 4,
        "cost": 0.5,
        "by_model": {},
        "errors": {},
        "first_failed": (),
    }
    assert counts(tally.progress()) == counts(tally) == expected
    last = tally.progress(retries=3, rate_limited=2)
    assert summary_figures(last) == {**expected, "retries": 3, "rate_limited": 2}


def test_failures_per_error_type_and_the_first_failed_ids() -> None:
    tally = Tally()
    for n in range(FIRST_FAILED + 5):
        tally.add(
            ok=False, custom_id=f"q{n}", error="RateLimitError" if n % 3 else "BadRequestError"
        )
    tally.add(ok=False)  # no id, no type (a line of the Batch API without either)
    assert tally.errors == {"BadRequestError": 5, "RateLimitError": 10, "unknown error": 1}
    assert tally.first_failed == [f"q{n}" for n in range(FIRST_FAILED)]  # the first ones only
    assert tally.failed == FIRST_FAILED + 6


def test_tokens_and_cost_per_model_and_a_model_without_a_price() -> None:
    prices = {"cheap": 0.001, "dear": 0.5}
    tally = Tally(price=lambda model, info: prices.get(model))
    tally.add(ok=True, usage=usage(10, 5), model="cheap")
    tally.add(ok=True, usage=usage(20, 5), model="cheap")
    tally.add(ok=True, usage=usage(1, 1), model="dear")
    tally.add(ok=True, usage=usage(3, 3), model="unknown")
    progress = tally.progress()
    assert progress.by_model == {
        "cheap": ModelUsage(2, 30, 10, 0.002),  # summed without float noise
        "dear": ModelUsage(1, 1, 1, 0.5),
        "unknown": ModelUsage(1, 3, 3, None),
    }
    assert progress.unpriced_models == ("unknown",)
    assert progress.by_model["cheap"].total_tokens == 40
    assert tally.cost == pytest.approx(0.502)  # the priced ones; the unknown one is named


def test_a_failing_progress_callback_does_not_stop_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[BatchProgress] = []

    def broken(progress: BatchProgress) -> None:
        seen.append(progress)
        raise RuntimeError("display gone")

    with caplog.at_level(logging.ERROR, logger="mistral_async.batch"):
        report(broken, BatchProgress(done=1))
    assert seen == [BatchProgress(done=1)]
    assert "progress callback failed" in caplog.text
