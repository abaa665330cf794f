"""What a batch run takes and gives: its options, its items, its results (and their lines).

Shared by the in-process runner (:mod:`.runner`), the JSONL file runs (:mod:`.file_run`) and
the Batch API backend (:mod:`.batch_api`), which all write the same result lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from typing_extensions import TypedDict

from .._core.errors import APIError, BatchInputError
from .._core.options import RequestOptions
from .._core.response_info import info_of
from .._core.retry import RetryPolicy
from ..types._base import ResponseModel
from ..types.chat import UsageInfo
from .endpoints import CHAT, response_body
from .progress import ProgressCallback


class RunnerOptions(TypedDict, total=False):
    """The options of :class:`BatchRunner` (and of the blocking ``SyncBatchRunner``)."""

    endpoint: str
    """The endpoint of items that name none; default ``/v1/chat/completions``. Also
    ``/v1/fim/completions``, ``/v1/embeddings``, ``/v1/moderations``, ``/v1/chat/moderations``,
    ``/v1/classifications``, ``/v1/chat/classifications``, ``/v1/ocr``."""
    model: str | None
    """The model of items whose body names none."""
    concurrency: int
    """Items in flight at once (default 16); the client's ``max_concurrency`` applies too."""
    requests_per_minute: float | None
    """The most requests (attempts, retries included) started per minute."""
    tokens_per_minute: float | None
    """The most tokens per minute, estimated from each request and corrected by its usage."""
    adaptive: bool
    """Slow down when the API answers 429 or reports little remaining quota (default True)."""
    max_retries: int | None
    """Retries of each item; default: those of the client's retry policy."""
    retry: RetryPolicy | None
    """The retry policy of each item (delays, statuses...); default: the client's. Not with
    ``max_retries``."""
    stream: bool
    """Stream chat and FIM answers and assemble them (a cut stream is retried whole)."""
    reorder_limit: int | None
    """With ``ordered=True``: finished results kept waiting for an earlier one, at most
    (default ``4 * concurrency``); at the bound, no new item starts until the head finishes."""
    on_progress: ProgressCallback | None
    """Called with a :class:`BatchProgress` every ``progress_interval`` seconds and at the end,
    on the event loop: keep it quick."""
    progress_interval: float
    """Seconds between two progress reports (default 1)."""
    request_options: RequestOptions | None
    """Per-call options for every request (``timeout``, ``extra_headers``, ``hooks``...);
    ``max_retries`` here is ignored: use the runner's; a ``retry`` here is the runner's
    policy unless the runner has its own."""


@dataclass(frozen=True)
class BatchItem:
    """One request of a batch.

    :param body: the endpoint's JSON body with the API's field names, as in a Batch API line
        (``{"messages": [...], "max_tokens": 50}``); ``model`` may be left to the runner.
    :param custom_id: your id for the result; default: the item's position in the input.
    :param endpoint: this item's endpoint, if not the runner's.
    """

    body: Mapping[str, Any]
    custom_id: str | None = None
    endpoint: str | None = None


@dataclass(frozen=True)
class InvalidItem:
    """An input entry already known to be bad (an unreadable JSONL line): reported as a failed
    result with ``error``, in its place, without a request."""

    custom_id: str
    error: Exception


ItemInput = BatchItem | InvalidItem | Mapping[str, Any]
"""A ``BatchItem``, or a mapping: ``{"custom_id": ..., "body": {...}}`` as in a Batch API
line, or the body itself."""


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one item: a response, or the error it ended with."""

    custom_id: str
    index: int
    """The item's position in the input (0-based)."""
    response: ResponseModel | None = None
    error: Exception | None = None
    """The typed error (a ``MistralError``) after retries were exhausted or refused."""
    retries: int = 0
    usage: UsageInfo | None = None
    endpoint: str = CHAT

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_record(self) -> dict[str, Any]:
        """The output line: ``{"custom_id", "response": {"status_code", "body"}, "error"}``,
        with ``response`` or ``error`` null, as the Batch API writes its results."""
        if self.response is not None:
            info = info_of(self.response)  # None for a result read back from a file
            response = {
                "status_code": info.status_code if info is not None else 200,
                "body": response_body(self.response),
            }
            return {"custom_id": self.custom_id, "response": response, "error": None}
        return {"custom_id": self.custom_id, "response": None, "error": error_record(self)}


def error_record(result: BatchResult) -> dict[str, Any]:
    error = result.error
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    status = getattr(error, "status_code", None)
    if status is not None:
        record["status_code"] = status
    if isinstance(error, APIError) and error.body not in (None, ""):
        record["body"] = error.body
    if isinstance(error, BatchInputError) and error.line is not None:
        record["line"] = error.line
    record["retries"] = result.retries
    return record
