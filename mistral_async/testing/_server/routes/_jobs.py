"""What the job routes (fine-tuning, batch) share: job lookups and date-time filters."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from ..._spec.error_bodies import ApiError
from ._request import invalid_query


def found_job(jobs: dict[str, dict[str, Any]], request: Request) -> dict[str, Any]:
    """The job the path's ``job_id`` names, or 404."""
    job_id = request.path_params["job_id"]
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"Job {job_id} not found", param="job_id")
    return job


def time_query(request: Request, name: str) -> float | None:
    """A date-time query parameter (ISO 8601; UTC when it names no zone) as a timestamp."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))  # 3.10 does not read "Z"
    except ValueError:
        raise invalid_query(name, "Input should be a valid datetime", raw, "format") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
