"""A simulated job's plan: the statuses it goes through, and when.

Nothing runs in the background. A job is created with its plan (queued now, running at t1,
done at t2...), and each read of the job asks the plan where the job is *at that moment*, so a
job advances on its own, by the wall clock, and tests only have to wait a little. ``start`` and
``cancel`` rewrite the part of the plan that has not happened yet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._spec.error_bodies import ApiError


@dataclass(frozen=True)
class Step:
    """The job enters ``status`` at ``at`` (``time.time()`` seconds); ``detail`` is what the
    status event says besides the status (``{"error": ...}`` for a failure)."""

    at: float
    status: str
    detail: Mapping[str, Any] = field(default_factory=dict)


class Plan:
    """The steps of one job, in time order; the first one is the job's creation."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps: list[Step] = sorted(steps, key=lambda step: step.at)

    def reached(self, now: float) -> list[Step]:
        """The steps that have happened by ``now``, oldest first."""
        return [step for step in self.steps if step.at <= now] or self.steps[:1]

    def current(self, now: float) -> Step:
        """The step the job is in at ``now``."""
        return self.reached(now)[-1]

    def find(self, status: str) -> Step | None:
        """The planned step into ``status``, past or future."""
        return next((step for step in self.steps if step.status == status), None)

    def replan(self, now: float, future: Iterable[Step]) -> None:
        """Keep what has happened by ``now`` and replace the rest with ``future``."""
        self.steps = self.reached(now) + sorted(future, key=lambda step: step.at)

    def extend(self, future: Iterable[Step]) -> None:
        self.steps = sorted([*self.steps, *future], key=lambda step: step.at)

    def cancel(self, now: float, delay: float, *, job_id: str, final: Collection[str]) -> bool:
        """CANCELLATION_REQUESTED now and CANCELLED ``delay`` later, instead of the rest of the
        plan; ``False`` (and no change) if the cancellation was requested already.

        :raises ApiError: 400 when the job has finished (it is in one of ``final``).
        """
        status = self.current(now).status
        if status in final:
            raise ApiError(400, f"Job {job_id} cannot be cancelled: it is {status}")
        if status == "CANCELLATION_REQUESTED":
            return False
        self.replan(now, [Step(now, "CANCELLATION_REQUESTED"), Step(now + delay, "CANCELLED")])
        return True
