"""A batch file run on Mistral's batch service (``backend="batch-api"``), with the same output.

Steps: the input's lines not yet in the output are written to a temporary JSONL file (bad
lines go straight to the output as failed items, as in a local run), uploaded with
``purpose="batch"``, and a batch job is created for them; the job is polled with a growing
interval, reporting progress; its output and error files are downloaded line by line and
written to the output in this SDK's result format, matched by ``custom_id``.

The job's id is kept next to the output (``OUTPUT.batch-job.json``) until its results are
written, so a rerun after an interruption follows the same job instead of paying for a second
one. Cancelling the run (Ctrl-C, a cancelled task) cancels the remote job and forgets it; a
rerun then sends the lines that have no result yet.

A job runs one model: ``model`` (``--model``) applies to every line; without it, each body
names its own.

Transcriptions (``/v1/audio/transcriptions``) go as they are: each line's body is the form's
fields as JSON, the audio given by ``file_id`` or ``file_url`` (a JSONL line carries no file
part, so a body with ``file`` is written as a failed item before the upload). The local runner
sends the same lines one by one, each as a ``multipart/form-data`` form of its fields.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import anyio

from .._core.errors import APIError, ArgumentError, status_error
from .._core.json_values import is_object
from ..types.batch import ApiEndpoint, BatchJobOut
from ..types.chat import UsageInfo
from .endpoints import Endpoint, check_body
from .items import BatchResult, InvalidItem
from .jsonl import ResultWriter, parse_line
from .progress import BatchProgress, cost_function, report
from .tally import Tally

if TYPE_CHECKING:
    from .runner import BatchRunner

log = logging.getLogger("mistral_async.batch")

STATE_SUFFIX = ".batch-job.json"
MAX_POLL_INTERVAL = 60.0
_BACKOFF = 1.5
_CANCEL_TIMEOUT = 15.0


async def run_remote(
    runner: BatchRunner,
    input_path: str,
    output_path: str,
    *,
    total: int,
    done: set[str],
    skipped: int,
    poll_interval: float,
) -> tuple[BatchProgress, BatchJobOut | None]:
    """Run the lines of ``input_path`` whose ``custom_id`` is not in ``done`` on the batch
    service; ``total`` and ``skipped`` count the input's lines, for progress. Returns the
    last progress (the run's counts) and the job, if there was one to run."""
    client = runner.client
    state_path = output_path + STATE_SUFFIX
    started = time.monotonic()
    tally = Tally(price=cost_function(client))
    writer = ResultWriter(output_path)
    job: BatchJobOut | None = None
    try:
        state = await anyio.to_thread.run_sync(_load_state, state_path)
        if state is not None:
            job = await client.batch.jobs.get(state["job_id"])
            log.info("Following batch job %s from an earlier run", job.id)
        else:
            job = await _submit(runner, input_path, writer, done, tally, state_path)
        if job is not None:
            job = await _poll(
                runner, job, state_path, (total, skipped, tally, started), poll_interval
            )
            for file_id in (job.output_file, job.error_file):
                if file_id:
                    await _download(runner, file_id, writer, done, tally)
            await anyio.to_thread.run_sync(_forget_state, state_path)
            if runner.on_progress is not None:
                report(runner.on_progress, _final_progress(tally, total, skipped, started))
    finally:
        await writer.aclose()
    return _final_progress(tally, total, skipped, started), job


async def _submit(
    runner: BatchRunner,
    input_path: str,
    writer: ResultWriter,
    done: set[str],
    tally: Tally,
    state_path: str,
) -> BatchJobOut | None:
    """Upload the lines still to do and create their job; ``None`` if there are none."""
    upload_path = state_path + ".upload.jsonl"
    pending = await anyio.to_thread.run_sync(
        _write_upload, input_path, upload_path, done, runner.endpoint, runner.model
    )
    for invalid in pending.invalid:
        writer.write(BatchResult(invalid.custom_id, 0, error=invalid.error).to_record())
        done.add(invalid.custom_id)
        tally.add(ok=False, custom_id=invalid.custom_id, error=type(invalid.error).__name__)
    if not pending.count:
        await anyio.to_thread.run_sync(_forget_state, upload_path)
        return None
    client = runner.client
    try:
        uploaded = await client.files.upload(upload_path, purpose="batch")
    finally:
        await anyio.to_thread.run_sync(_forget_state, upload_path)
    job = await client.batch.jobs.create(
        input_files=[uploaded.id],
        endpoint=cast(ApiEndpoint, runner.endpoint.path),
        model=runner.model,
        metadata={"created_by": "mistral-async batch"},
    )
    await anyio.to_thread.run_sync(_save_state, state_path, {"job_id": job.id})
    log.info("Created batch job %s for %d requests", job.id, pending.count)
    return job


@dataclass
class _Pending:
    count: int
    invalid: list[InvalidItem]


def _write_upload(
    input_path: str, upload_path: str, done: Collection[str], target: Endpoint, model: str | None
) -> _Pending:
    """The job's input file: every good line not done yet (the model filled in where the body
    names none). Bad lines, and bodies the SDK would refuse, are returned, to be written as
    failed items."""
    count = 0
    invalid: list[InvalidItem] = []
    with open(input_path, "rb") as source, open(upload_path, "wb") as upload:
        for number, raw in enumerate(source, start=1):
            item = parse_line(raw, number, input_path)
            if item is None or item.custom_id in done:
                continue
            if isinstance(item, InvalidItem):
                invalid.append(item)
                continue
            try:
                check_body(target, item.body, model)
            except ArgumentError as exc:
                invalid.append(InvalidItem(str(item.custom_id), exc))
                continue
            body = dict(item.body)
            if model is not None:
                body.setdefault("model", model)
            line = {"custom_id": item.custom_id, "body": body}
            upload.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
            count += 1
    return _Pending(count, invalid)


async def _poll(
    runner: BatchRunner,
    job: BatchJobOut,
    state_path: str,
    figures: tuple[int, int, Tally, float],
    poll_interval: float,
) -> BatchJobOut:
    """Poll until the job has finished, with a growing interval; if we are cancelled, cancel
    the job and forget it."""
    client = runner.client
    interval = poll_interval
    try:
        while True:
            if runner.on_progress is not None:
                report(runner.on_progress, _job_progress(job, *figures))
            if job.done:
                return job
            await anyio.sleep(interval)
            interval = min(interval * _BACKOFF, max(poll_interval, MAX_POLL_INTERVAL))
            job = await client.batch.jobs.get(job.id)
    except BaseException:
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CANCEL_TIMEOUT):
            with contextlib.suppress(APIError):
                await client.batch.jobs.cancel(job.id, max_retries=0)
                log.warning("Cancelled batch job %s", job.id)
            _forget_state(state_path)
        raise


def _job_progress(
    job: BatchJobOut, total: int, skipped: int, tally: Tally, started: float
) -> BatchProgress:
    """The job's own counts, plus the lines refused before it was created."""
    elapsed = time.monotonic() - started
    done = job.completed_requests + tally.failed
    return BatchProgress(
        done=done,
        succeeded=job.succeeded_requests,
        failed=job.failed_requests + tally.failed,
        in_flight=max(0, job.total_requests - job.completed_requests),
        total=total,
        skipped=skipped,
        elapsed=elapsed,
        rate=job.completed_requests / elapsed if elapsed > 0 else 0.0,
    )


def _final_progress(tally: Tally, total: int, skipped: int, started: float) -> BatchProgress:
    elapsed = time.monotonic() - started
    return tally.progress(
        total=total,
        skipped=skipped,
        elapsed=elapsed,
        rate=tally.done / elapsed if elapsed > 0 else 0.0,
        finished=True,
    )


async def _download(
    runner: BatchRunner,
    file_id: str,
    writer: ResultWriter,
    done: set[str],
    tally: Tally,
) -> None:
    """Write a result file's lines as output lines, skipping ``custom_id``s already written."""
    buffer = b""
    async with runner.client.files.download(file_id) as download:
        async for chunk in download.iter_bytes():
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                _write_result(raw, writer, done, tally)
            await writer.sync_now_and_then()
    _write_result(buffer, writer, done, tally)


def _write_result(raw: bytes, writer: ResultWriter, done: set[str], tally: Tally) -> None:
    if not raw.strip():
        return
    try:
        line = json.loads(raw)
    except ValueError:
        log.warning("Skipping a result line that is not JSON: %.100r", raw)
        return
    record = result_record(line) if is_object(line) else None
    if record is None or record["custom_id"] in done:
        return
    writer.write(record)
    done.add(record["custom_id"])
    if record["error"] is not None:
        tally.add(ok=False, custom_id=record["custom_id"], error=record["error"].get("type"))
        return
    body = record["response"]["body"]
    usage = body.get("usage") if is_object(body) else None
    if not is_object(usage):
        tally.add(ok=True)
        return
    tally.add(ok=True, usage=UsageInfo.model_validate(usage), model=body.get("model"))


def result_record(line: dict[str, Any]) -> dict[str, Any] | None:
    """A Batch API result line (``{"id", "custom_id", "response", "error"}``) in this SDK's
    output format; a failure carries the same typed error fields as a local run's."""
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str):
        return None
    given = line.get("response")
    response: dict[str, Any] = given if is_object(given) else {}
    status = response.get("status_code")
    body = response.get("body")
    if line.get("error") is None and isinstance(status, int) and 200 <= status < 300:
        kept = {"status_code": status, "body": body}
        return {"custom_id": custom_id, "response": kept, "error": None}
    error: Exception
    if isinstance(status, int) and status >= 400:
        content = json.dumps(body).encode() if body is not None else b""
        headers = {"content-type": "application/json"}
        error = status_error(status, content=content, headers=headers, request=None)
    else:
        detail = line.get("error")
        message = detail.get("message") if is_object(detail) else detail
        error = APIError(str(message or "the batch job reported an error"), body=detail)
    return BatchResult(custom_id, 0, error=error).to_record()


# -- the job's id, kept beside the output ------------------------------------------------------


def _load_state(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except FileNotFoundError:
        return None
    except ValueError:
        log.warning("Ignoring an unreadable batch job record %s", path)
        return None
    return state if is_object(state) and isinstance(state.get("job_id"), str) else None


def _save_state(path: str, state: dict[str, Any]) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _forget_state(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
