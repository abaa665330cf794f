"""The JSONL files of a batch run: reading the input, resuming and appending to the output.

The run itself, on either backend, is :mod:`.file_run`'s; this module only reads and writes.

Input: one Batch API request a line, ``{"custom_id": "...", "body": {...}}``. A line that is
not one (not JSON, no ``custom_id`` or ``body``, another field) becomes a failed item with a
``BatchInputError`` naming its line; blank lines are skipped. The input is read twice: once up
front, to refuse duplicate ``custom_id``s before anything is sent (and to count the lines for
the ETA), then lazily, a block of lines at a time, as the run takes them.

Output: one result a line, ``{"custom_id", "response": {"status_code", "body"}, "error"}``.
The file is only appended to, each line with one ``write`` of the whole line on an unbuffered
descriptor, and ``fsync``-ed every ``FSYNC_INTERVAL`` seconds and at the end. A kill at any
moment leaves complete lines, plus at worst one partial last line. On a rerun,
:func:`resume_scan` cuts that partial line off, and every ``custom_id`` already written is
skipped: the run finishes the rest, with no duplicate and no lost line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import anyio

from .._core.errors import BatchInputError, BatchOutputError, DuplicateCustomIDError
from .._core.json_values import is_object
from .items import BatchItem, InvalidItem
from .progress import ModelUsage

log = logging.getLogger("mistral_async.batch")

Backend = Literal["local", "batch-api"]
BACKENDS: Final = ("local", "batch-api")
FSYNC_INTERVAL: Final = 1.0
_READ_BLOCK: Final = 1 << 16  # bytes of lines read at once by the lazy reader
_LINE_FIELDS: Final = frozenset({"custom_id", "body"})


@dataclass(frozen=True)
class BatchFileSummary:
    """What a file run did."""

    input: str
    output: str
    total: int
    """Requests in the input (blank lines aside)."""
    skipped: int
    """Requests already in the output from an earlier run, left out."""
    succeeded: int
    failed: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    elapsed: float = 0.0
    by_model: Mapping[str, ModelUsage] = field(default_factory=dict[str, ModelUsage])
    """Replies, tokens and estimated cost per model, this run (``cost=None``: unpriced)."""
    errors: Mapping[str, int] = field(default_factory=dict[str, int])
    """Failed requests of this run per error type (``RateLimitError``, ``BatchInputError``...)."""
    first_failed: tuple[str, ...] = ()
    """The ``custom_id`` of this run's first failed requests (up to ten)."""
    retries: int = 0
    rate_limited: int = 0
    """429 replies received (the local backend; the Batch API retries on its own)."""
    backend: Backend = "local"
    job_id: str | None = None
    """The Batch API job (``backend="batch-api"``)."""
    job_status: str | None = None
    """Its final status: ``SUCCESS``, or ``FAILED``/``TIMEOUT_EXCEEDED``/``CANCELLED`` (then
    the requests it did not do are ``missing``: a rerun sends them again)."""

    @property
    def rate(self) -> float:
        """Requests finished per second over the whole run (0 for a run of no time)."""
        done = self.succeeded + self.failed
        return done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def unpriced_models(self) -> tuple[str, ...]:
        """The models whose cost is unknown, so left out of ``cost``."""
        return tuple(name for name, used in self.by_model.items() if used.cost is None)

    @property
    def missing(self) -> int:
        """Requests with no line in the output yet (a rerun would do them)."""
        return max(0, self.total - self.skipped - self.succeeded - self.failed)


# -- input -----------------------------------------------------------------------------------


def line_id(number: int) -> str:
    """The ``custom_id`` given to a bad line that has none of its own."""
    return f"line-{number}"


def parse_line(raw: bytes | str, number: int, path: str) -> BatchItem | InvalidItem | None:
    """One input line as an item, a bad-line item, or ``None`` for a blank line."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if not text.strip():
        return None

    def bad(message: str, custom_id: str | None = None) -> InvalidItem:
        error = BatchInputError(message, line=number, path=path)
        return InvalidItem(custom_id or line_id(number), error)

    try:
        line = json.loads(text)
    except ValueError as exc:
        return bad(f"not JSON ({exc})")
    if not is_object(line):
        return bad(f"expected a JSON object, got {type(line).__name__}")
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return bad("no custom_id (a non-empty string)")
    unknown = sorted(set(line) - _LINE_FIELDS)
    if unknown:
        return bad(f"unknown field {unknown[0]!r} (a line has custom_id and body)", custom_id)
    body = line.get("body")
    if not is_object(body):
        problem = "no body" if body is None else f"body is a {type(body).__name__}"
        return bad(f"{problem} (expected a JSON object)", custom_id)
    return BatchItem(body, custom_id=custom_id)


def scan_input(path: str) -> dict[str, int]:
    """Every line's ``custom_id`` (a bad line's own or ``line-N``) → its line number.

    :raises DuplicateCustomIDError: a ``custom_id`` on two lines.
    :raises BatchInputError: the file cannot be read.
    """
    ids: dict[str, int] = {}
    for number, item in _lines(path):
        first = ids.setdefault(item.custom_id or line_id(number), number)
        if first != number:
            raise DuplicateCustomIDError(
                f"custom_id {item.custom_id!r} is already on line {first}; results are matched "
                "by custom_id, so each must be unique",
                line=number,
                path=path,
            )
    return ids


def _lines(path: str) -> Any:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:
        raise BatchInputError(f"cannot read {path!r}: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            item = parse_line(raw, number, path)
            if item is not None:
                yield number, item


async def read_items(path: str, skip: Collection[str]) -> AsyncIterator[BatchItem | InvalidItem]:
    """The input's items, minus those in ``skip``; read lazily, a block at a time, in a worker
    thread, so a file of any size takes constant memory and never blocks the event loop."""
    handle = await anyio.to_thread.run_sync(open, path, "rb")
    number = 0

    def block() -> list[bytes]:
        return handle.readlines(_READ_BLOCK)

    try:
        while lines := await anyio.to_thread.run_sync(block):
            for raw in lines:
                number += 1
                item = parse_line(raw, number, path)
                if item is not None and item.custom_id not in skip:
                    yield item
    finally:
        handle.close()


# -- output ----------------------------------------------------------------------------------


def resume_scan(path: str) -> set[str]:
    """The ``custom_id``s an earlier run wrote to ``path``; a partial last line (a kill in the
    middle of a write) is cut off the file, so that its item is done again.

    :raises BatchOutputError: a complete line is not a result line.
    """
    done: set[str] = set()
    try:
        handle = open(path, "r+b")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        return done
    with handle:
        good_end = 0
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                log.warning("%s: cutting off a partial last line (%d bytes)", path, len(raw))
                handle.truncate(good_end)
                break
            good_end += len(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
            custom_id = record.get("custom_id") if is_object(record) else None
            if not isinstance(custom_id, str):
                raise BatchOutputError(
                    f"{path}, line {number}: not a result line with a custom_id; this file "
                    "cannot be resumed (move it aside or fix the line)"
                )
            done.add(custom_id)
    return done


class ResultWriter:
    """Appends one JSON line per call, whole, to an unbuffered file; fsyncs now and then."""

    def __init__(self, path: str, fsync_interval: float = FSYNC_INTERVAL) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._fsync_interval = fsync_interval
        self._synced_at = anyio.current_time()
        self._dirty = False

    def write(self, record: dict[str, Any]) -> None:
        data = memoryview((json.dumps(record, ensure_ascii=False) + "\n").encode())
        while data:  # one write for a line in practice; the loop covers a short write
            data = data[os.write(self._fd, data) :]
        self._dirty = True

    async def sync_now_and_then(self) -> None:
        now = anyio.current_time()
        if self._dirty and now - self._synced_at >= self._fsync_interval:
            self._synced_at = now
            self._dirty = False
            await anyio.to_thread.run_sync(os.fsync, self._fd)

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            if self._dirty:
                await anyio.to_thread.run_sync(os.fsync, self._fd)
            os.close(self._fd)
