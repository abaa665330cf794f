"""``/v1/fine_tuning/jobs``: create, list, get, cancel and start simulated fine-tuning jobs.

The jobs advance on their own as time passes (see :mod:`..._state.fine_tuning_jobs`); each read
shows where a job is at that moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._state.fine_tuning_jobs import (
    cancel_job,
    create_job,
    job_json,
    settle_job,
    start_job,
)
from ..._state.store import Store, store
from ._jobs import found_job, time_query
from ._request import bool_query, enum_query, json_body, known_model, page

PATH = "/v1/fine_tuning/jobs"
STATUSES = (
    "QUEUED", "STARTED", "VALIDATING", "VALIDATED", "RUNNING", "FAILED_VALIDATION", "FAILED",
    "SUCCESS", "CANCELLED", "CANCELLATION_REQUESTED",
)  # fmt: skip


async def create_fine_tuning_job(request: Request) -> Response:
    body = await json_body(request)
    model = known_model(body, "fine_tuning")
    now = time.time()
    job = create_job(store(request), body, model, now)
    return JSONResponse(job_json(job, now, detailed=False))


async def list_fine_tuning_jobs(request: Request) -> Response:
    jobs, now = store(request), time.time()
    jobs.settle(now)
    with jobs.lock:
        newest_first = list(reversed(jobs.fine_tuning_jobs.values()))
    matches = _filter(request)
    matching = [job_json(job, now, detailed=False) for job in newest_first]
    return JSONResponse(page(request, [job for job in matching if matches(job)]))


def _filter(request: Request) -> Callable[[dict[str, Any]], bool]:
    """The list's filters: each one given must match."""
    query = request.query_params
    wanted = {name: query.get(name) for name in ("model", "suffix")}
    statuses = enum_query(request, "status", STATUSES)
    bool_query(request, "created_by_me", False)  # every job here is the caller's: only checked
    after, before = time_query(request, "created_after"), time_query(request, "created_before")
    project, run = query.get("wandb_project"), query.get("wandb_name")

    def matches(job: dict[str, Any]) -> bool:
        wandb = job.get("integrations") or []
        return (
            all(value is None or job.get(name) == value for name, value in wanted.items())
            and (not statuses or job["status"] in statuses)
            and (after is None or job["created_at"] >= after)
            and (before is None or job["created_at"] <= before)
            and (project is None or any(i["project"] == project for i in wandb))
            and (run is None or any(run in (i.get("name"), i.get("run_name")) for i in wandb))
        )

    return matches


async def get_fine_tuning_job(request: Request) -> Response:
    return _detailed(request, None)


async def cancel_fine_tuning_job(request: Request) -> Response:
    return _detailed(request, cancel_job)


async def start_fine_tuning_job(request: Request) -> Response:
    return _detailed(request, start_job)


def _detailed(
    request: Request, action: Callable[[Store, dict[str, Any], float], None] | None
) -> Response:
    """The job the path names after ``action`` (if any), in its detailed shape."""
    jobs, now = store(request), time.time()
    job = found_job(jobs.fine_tuning_jobs, request)
    if action is not None:
        action(jobs, job, now)
    settle_job(jobs, job, now)
    return JSONResponse(job_json(job, now, detailed=True))


routes: list[BaseRoute] = [
    Route(PATH, list_fine_tuning_jobs, methods=["GET"]),
    Route(PATH, create_fine_tuning_job, methods=["POST"]),
    Route(PATH + "/{job_id}", get_fine_tuning_job, methods=["GET"]),
    Route(PATH + "/{job_id}/cancel", cancel_fine_tuning_job, methods=["POST"]),
    Route(PATH + "/{job_id}/start", start_fine_tuning_job, methods=["POST"]),
]
