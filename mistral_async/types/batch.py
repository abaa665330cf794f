"""Batch inference job models: the ``BatchJobIn`` request and the ``BatchJobOut`` reply.

A batch job runs many requests to one endpoint offline. They come from uploaded JSONL files (one
``{"custom_id": ..., "body": {...}}`` per line, ``input_files``) or inline (``requests``); the
results go to an output file (one ``{"id", "custom_id", "response": {"status_code", "body"},
"error"}`` per line) and the failures to an error file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_serializer
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from ._jobs import JobStatus, UUIDStr

ApiEndpoint = Literal[
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/fim/completions",
    "/v1/moderations",
    "/v1/chat/moderations",
    "/v1/ocr",
    "/v1/classifications",
    "/v1/chat/classifications",
    "/v1/conversations",
    "/v1/audio/transcriptions",
]
BatchJobStatus = Literal[
    "QUEUED",
    "RUNNING",
    "SUCCESS",
    "FAILED",
    "TIMEOUT_EXCEEDED",
    "CANCELLATION_REQUESTED",
    "CANCELLED",
]
FINAL_STATUSES = frozenset({"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"})
FAILED_STATUSES = frozenset({"FAILED", "TIMEOUT_EXCEEDED"})

MetadataKey = Annotated[str, Field(min_length=1, max_length=32)]
MetadataValue = Annotated[str, Field(min_length=1, max_length=512)]

# -- request ---------------------------------------------------------------------------------


class BatchRequest(MistralModel):
    """One request of a batch: the body the endpoint takes (``model`` may come from the job)."""

    custom_id: str | None = None
    body: dict[str, Any]


class BatchJobIn(MistralModel):
    """The body of ``POST /v1/batch/jobs``; validated strictly before sending."""

    input_files: list[UUIDStr] | None = None
    requests: Annotated[list[BatchRequest], Field(max_length=10_000)] | None = None
    endpoint: ApiEndpoint
    model: str | None = None
    agent_id: str | None = None
    metadata: dict[MetadataKey, MetadataValue] | None = None
    timeout_hours: int | None = None


class BatchJobCreateParams(TypedDict, total=False):
    """The keyword arguments of ``batch.jobs.create`` (the spec's ``BatchJobIn``)."""

    endpoint: Required[ApiEndpoint]
    """The endpoint every request goes to, e.g. ``/v1/chat/completions``."""
    input_files: Sequence[str] | None
    """Uploaded JSONL files (purpose ``batch``) of ``{"custom_id", "body"}`` lines."""
    requests: Sequence[BatchRequest | Mapping[str, Any]] | None
    """The requests inline instead of in files (10,000 at most)."""
    model: str | None
    agent_id: str | None
    metadata: Mapping[str, str] | None
    """Your own labels (keys up to 32 characters, values up to 512); ``list`` can filter on them."""
    timeout_hours: int | None


class BatchJobsQuery(MistralModel):
    """The query of ``GET /v1/batch/jobs``; validated strictly before sending."""

    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1)] | None = None
    model: str | None = None
    agent_id: str | None = None
    metadata: dict[str, Any] | None = None
    created_after: datetime | None = None
    created_by_me: bool | None = None
    status: list[BatchJobStatus] | None = None
    order_by: Literal["created", "-created"] | None = None

    @field_serializer("metadata")
    def _metadata_as_json(self, metadata: dict[str, Any] | None) -> str | None:
        # An object cannot be one query parameter as such: it is sent as its JSON text.
        return None if metadata is None else json.dumps(metadata, separators=(",", ":"))


class BatchJobsListParams(TypedDict, total=False):
    """The keyword arguments of ``batch.jobs.list``: filters, order, and where to start."""

    page: int
    """The first page to read (0-based)."""
    page_size: int
    model: str | None
    agent_id: str | None
    metadata: Mapping[str, Any] | None
    """Only jobs whose metadata has all these entries."""
    created_after: datetime | None
    created_by_me: bool | None
    status: Sequence[BatchJobStatus] | None
    """Only jobs in one of these statuses."""
    order_by: Literal["created", "-created"] | None


class BatchJobQuery(MistralModel):
    """The query of ``GET /v1/batch/jobs/{job_id}``."""

    inline: bool | None = None


class BatchJobGetParams(TypedDict, total=False):
    """The keyword arguments of ``batch.jobs.get`` besides the job id."""

    inline: bool | None
    """Put the results in the reply (``outputs``) as well as in the output file."""


# -- reply -----------------------------------------------------------------------------------


class BatchError(MistralModel):
    message: str
    count: int = 1
    """How many requests failed with this message."""


class BatchJobOut(JobStatus, ResponseModel):
    _final_statuses: ClassVar[frozenset[str]] = FINAL_STATUSES
    _failed_statuses: ClassVar[frozenset[str]] = FAILED_STATUSES

    id: str
    object: str = "batch"
    input_files: list[str] = []
    metadata: dict[str, Any] | None = None
    endpoint: str
    model: str | None = None
    agent_id: str | None = None
    output_file: str | None = None
    """The file of results, once the job has finished (download it with the files API)."""
    error_file: str | None = None
    """The file of the requests that failed, if any did."""
    errors: list[BatchError] = []
    outputs: list[dict[str, Any]] | None = None
    """The results inline, when asked for with ``get(..., inline=True)``."""
    status: str
    """One of ``BatchJobStatus``; kept as ``str`` so a status added later still parses."""
    created_at: int
    total_requests: int = 0
    completed_requests: int = 0
    succeeded_requests: int = 0
    failed_requests: int = 0
    started_at: int | None = None
    completed_at: int | None = None

    @property
    def error(self) -> str | None:
        """Why the job failed (its ``errors`` joined); ``None`` unless it failed. Requests
        that failed in a job that ran are counted in ``failed_requests`` and listed in
        ``errors`` and in the error file."""
        if not self.failed:
            return None
        messages = [e.message if e.count == 1 else f"{e.message} (x{e.count})" for e in self.errors]
        return "; ".join(messages) or f"The batch job ended with status {self.status}."


class BatchJobsOut(ResponseModel):
    """One page of ``GET /v1/batch/jobs``."""

    data: list[BatchJobOut] = []
    object: str = "list"
    total: int | None = None
