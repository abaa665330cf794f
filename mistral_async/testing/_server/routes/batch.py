"""``/v1/batch/jobs``: create, list, get and cancel simulated batch jobs.

Creating a job answers its requests through this server's own routes (see
:mod:`..._state.batch_jobs`); the job then advances on its own as time passes and, once finished,
leaves its results in the store's files (``output_file``, ``error_file``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.catalog import find_model
from ..._spec.error_bodies import ApiError
from ..._state.batch_jobs import (
    batch_requests,
    cancel_job,
    create_job,
    job_json,
    run_requests,
    settle_job,
)
from ..._state.store import store
from ._jobs import found_job, time_query
from ._request import bool_query, enum_query, invalid_model, invalid_query, json_body, page

PATH = "/v1/batch/jobs"
STATUSES = (
    "QUEUED", "RUNNING", "SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLATION_REQUESTED",
    "CANCELLED",
)  # fmt: skip


async def create_batch_job(request: Request) -> Response:
    body = await json_body(request)
    jobs = store(request)
    endpoint, model = body["endpoint"], body.get("model")
    if not _served(request, endpoint):
        message = f"The local server cannot run batch requests to {endpoint}"
        raise ApiError(400, message, param="endpoint")
    if body.get("agent_id") is not None:
        message = "Agents are not simulated by the local server: give a model instead"
        raise ApiError(400, message, param="agent_id")
    if model is not None and find_model(model) is None and model not in jobs.fine_tuned_models:
        raise invalid_model(model)
    requests = batch_requests(jobs, body)
    outcomes = await run_requests(request.app, endpoint, model, requests)
    job = create_job(jobs, body, outcomes, time.time())
    return JSONResponse(job_json(job))


def _served(request: Request, endpoint: str) -> bool:
    """Whether one of this server's routes answers ``POST endpoint``."""
    return any(
        isinstance(route, Route) and route.path == endpoint and "POST" in (route.methods or ())
        for route in request.app.routes
    )


async def list_batch_jobs(request: Request) -> Response:
    jobs = store(request)
    jobs.settle()
    matches = _filter(request)
    with jobs.lock:
        listed = [job_json(job) for job in jobs.batch_jobs.values()]
    matching = [job for job in listed if matches(job)]
    if request.query_params.get("order_by", "-created") == "-created":
        matching.reverse()  # the store keeps them in creation order
    return JSONResponse(page(request, matching))


def _filter(request: Request) -> Callable[[dict[str, Any]], bool]:
    """The list's filters: each one given must match (``status``: any of its values)."""
    query = request.query_params
    wanted = {name: query.get(name) for name in ("model", "agent_id")}
    statuses = enum_query(request, "status", STATUSES)
    bool_query(request, "created_by_me", False)  # every job here is the caller's: only checked
    enum_query(request, "order_by", ("created", "-created"))
    after = time_query(request, "created_after")
    metadata = _metadata_query(request)

    def matches(job: dict[str, Any]) -> bool:
        labels = job.get("metadata") or {}
        return (
            all(value is None or job.get(name) == value for name, value in wanted.items())
            and (not statuses or job["status"] in statuses)
            and (after is None or job["created_at"] >= after)
            and all(labels.get(key) == value for key, value in metadata.items())
        )

    return matches


def _metadata_query(request: Request) -> dict[str, Any]:
    """``metadata``: a JSON object, as the SDK sends it (an object cannot be one parameter)."""
    raw = request.query_params.get("metadata")
    if not raw:
        return {}
    try:
        metadata = json.loads(raw)
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise invalid_query("metadata", "Input should be a JSON object", raw, "type")
    return metadata


async def get_batch_job(request: Request) -> Response:
    jobs = store(request)
    job = found_job(jobs.batch_jobs, request)
    settle_job(jobs, job, time.time())
    inline = request.query_params.get("inline", "").lower() == "true"
    return JSONResponse(job_json(job, inline=inline))


async def cancel_batch_job(request: Request) -> Response:
    jobs, now = store(request), time.time()
    job = found_job(jobs.batch_jobs, request)
    cancel_job(jobs, job, now)
    settle_job(jobs, job, now)
    return JSONResponse(job_json(job))


routes: list[BaseRoute] = [
    Route(PATH, list_batch_jobs, methods=["GET"]),
    Route(PATH, create_batch_job, methods=["POST"]),
    Route(PATH + "/{job_id}", get_batch_job, methods=["GET"]),
    Route(PATH + "/{job_id}/cancel", cancel_batch_job, methods=["POST"]),
]
