"""What the job routes (fine-tuning, batch) share: errors, lookups, list filters and pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from .._timeline import JobRefused
from ._request import ApiError, int_query, invalid_query

DEFAULT_PAGE_SIZE = 100


@contextmanager
def api_errors() -> Iterator[None]:
    """Answer what the job simulation refuses as the API would: a Mistral error object."""
    try:
        yield
    except JobRefused as exc:
        raise ApiError(exc.status, exc.message, param=exc.param) from exc


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


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``page``/``page_size`` slice of ``items``, as a list reply with the total."""
    number = int_query(request, "page", 0, 0)
    size = int_query(request, "page_size", DEFAULT_PAGE_SIZE, 1)
    data = items[number * size : (number + 1) * size]
    return {"data": data, "object": "list", "total": len(items)}
