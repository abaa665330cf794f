"""Simulated batch jobs: QUEUED → RUNNING → SUCCESS, with real results.

Each request of the batch (a ``{"custom_id", "body"}`` line of an input file, or an inline
request) is sent, when the job is created, to the server's own route for the job's endpoint,
in-process: the same validation and the same simulated model answer it as they would answer a
client. It goes past the auth, fault and recording layers: a batch's requests are not the
client's exchanges. The job then reveals its progress as time passes (``completed_requests``
grows while it is RUNNING) and, once finished, writes the results to an output file and the
failures to an error file, in the store, as the live API does.

A job is a dict in ``Store.batch_jobs``: the spec's ``BatchJobOut`` fields plus private keys
(``_`` prefix) that replies leave out.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp

from .._spec.error_bodies import ApiError, error_object
from .store import Store
from .timeline import Plan, Step

FINAL = frozenset({"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"})
FORM_ENDPOINTS = frozenset({"/v1/audio/transcriptions"})
"""Endpoints whose request is a form: a batch line's JSON body is sent as the form's fields
(the audio by ``file_url`` or ``file_id``: a JSONL line carries no file part)."""
JSONL = "application/jsonl"


@dataclass(frozen=True)
class Outcome:
    """One request of the batch and its answer."""

    custom_id: str | None
    status_code: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def message(self) -> str:
        """What went wrong, in one line (for ``errors`` and the error file)."""
        body = self.body
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            return "; ".join(
                f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}"
                for d in body["detail"]
                if isinstance(d, dict)
            )
        return f"HTTP {self.status_code}"

    def line(self) -> dict[str, Any]:
        """The output (or error) file line: ``{"id", "custom_id", "response", "error"}``."""
        error = None if self.ok else {"message": self.message, "code": self.status_code}
        return {
            "id": str(uuid.uuid4()),
            "custom_id": self.custom_id,
            "response": {"status_code": self.status_code, "body": self.body},
            "error": error,
        }


def batch_requests(store: Store, body: dict[str, Any]) -> list[Outcome | dict[str, Any]]:
    """The job's requests, in order: inline, or the lines of its input files. A line that is
    no request is an ``Outcome`` already (a 400 that never runs)."""
    files, inline = body.get("input_files"), body.get("requests")
    if bool(files) == bool(inline):
        raise ApiError(400, "Give either input_files or requests (one of them, not both)")
    if inline:
        return list(inline)
    out: list[Outcome | dict[str, Any]] = []
    for file_id in files or []:
        stored = store.job_input(file_id, "batch", "input_files")
        for number, raw in enumerate(stored.content.splitlines(), start=1):
            if raw.strip():
                out.append(_request_line(raw, f"{stored.filename}, line {number}"))
    return out


def _request_line(raw: bytes, where: str) -> Outcome | dict[str, Any]:
    try:
        line = json.loads(raw)
    except ValueError:
        line = None
    if isinstance(line, dict) and isinstance(line.get("body"), dict):
        return line
    custom_id = line.get("custom_id") if isinstance(line, dict) else None
    message = f'{where}: expected a JSON object {{"custom_id": ..., "body": {{...}}}}'
    return Outcome(_text(custom_id), 400, error_object(400, message))


def form_parts(body: dict[str, Any]) -> list[tuple[str, tuple[None, str]]]:
    """A JSON body as the text parts of a ``multipart/form-data`` form (one part per item of
    a list, booleans as ``true``/``false``, null fields left out), as a client sends it."""
    parts: list[tuple[str, tuple[None, str]]] = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, bool):
                text = "true" if item else "false"
            else:
                text = item if isinstance(item, str) else json.dumps(item)
            parts.append((name, (None, text)))
    return parts


def _text(custom_id: Any) -> str | None:
    return None if custom_id is None else str(custom_id)


async def run_requests(
    app: ASGIApp,
    endpoint: str,
    model: str | None,
    requests: Iterable[Outcome | dict[str, Any]],
) -> list[Outcome]:
    """Send each request to ``app`` (the server's routes, in-process) and keep the answers."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://batch") as http:
        for request in requests:
            if isinstance(request, Outcome):
                outcomes.append(request)
                continue
            body = dict(request["body"])
            body.pop("stream", None)  # a batch answers each request whole
            if model is not None:
                body["model"] = model
            if endpoint in FORM_ENDPOINTS:
                response = await http.post(endpoint, files=form_parts(body))
            else:
                response = await http.post(endpoint, json=body)
            try:
                answer: Any = response.json()
            except ValueError:
                answer = response.text
            custom_id = request.get("custom_id")
            outcomes.append(Outcome(_text(custom_id), response.status_code, answer))
    return outcomes


def create_job(
    store: Store, body: dict[str, Any], outcomes: list[Outcome], now: float
) -> dict[str, Any]:
    """Record a job whose requests have been answered; it reveals them as time passes."""
    timings = store.job_timings
    running = now + timings.queued
    steps = [Step(now, "QUEUED")]
    if outcomes:
        steps += [Step(running, "RUNNING"), Step(running + timings.running, "SUCCESS")]
    else:
        steps.append(Step(running, "FAILED", {"error": "The batch holds no requests."}))
    job: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "object": "batch",
        "input_files": list(body.get("input_files") or []),
        "metadata": body.get("metadata"),
        "endpoint": body["endpoint"],
        "model": body.get("model"),
        "agent_id": body.get("agent_id"),
        "output_file": None,
        "error_file": None,
        "errors": [],
        "outputs": None,
        "status": "QUEUED",
        "created_at": int(now),
        "total_requests": len(outcomes),
        "completed_requests": 0,
        "succeeded_requests": 0,
        "failed_requests": 0,
        "started_at": None,
        "completed_at": None,
        "_plan": Plan(steps),
        "_outcomes": outcomes,
        "_done": None,  # how many requests were done when the job was cancelled
        "_lines": None,  # the result lines, once written
    }
    with store.lock:
        store.batch_jobs[job["id"]] = job
        store.track(store.batch_jobs, settle_job)
    return job


def _progress(job: dict[str, Any], now: float) -> int:
    """How many requests are done at ``now``: a share of them, as far as the run has got."""
    plan: Plan = job["_plan"]
    status = plan.current(now).status
    if job["_done"] is not None:
        return int(job["_done"])
    if status == "SUCCESS":
        return int(job["total_requests"])
    start, end = plan.find("RUNNING"), plan.find("SUCCESS")
    if start is None or end is None or now < start.at:
        return 0
    total = int(job["total_requests"])
    share = (now - start.at) / (end.at - start.at) if end.at > start.at else 1.0
    return min(total, math.floor(total * share))


def settle_job(store: Store, job: dict[str, Any], now: float) -> None:
    """Bring the job to ``now``: status and counts; once it has finished, its files."""
    with store.lock:
        plan: Plan = job["_plan"]
        step = plan.current(now)
        done: list[Outcome] = job["_outcomes"][: _progress(job, now)]
        failed = [outcome for outcome in done if not outcome.ok]
        running = plan.find("RUNNING")
        job.update(
            status=step.status,
            completed_requests=len(done),
            succeeded_requests=len(done) - len(failed),
            failed_requests=len(failed),
            started_at=int(running.at) if running is not None and running.at <= now else None,
            errors=_errors(failed, step.detail.get("error")),
        )
        if step.status in FINAL and job["_lines"] is None:
            job["completed_at"] = int(step.at)
            _write_results(store, job, done)


def _errors(failed: list[Outcome], job_error: str | None) -> list[dict[str, Any]]:
    """``BatchError`` items: the job's own failure, then each request failure with its count."""
    counts = Counter(outcome.message for outcome in failed)
    errors = [{"message": message, "count": count} for message, count in counts.items()]
    return ([{"message": job_error, "count": 1}] if job_error else []) + errors


def _write_results(store: Store, job: dict[str, Any], done: list[Outcome]) -> None:
    lines = [outcome.line() for outcome in done]
    job["_lines"] = lines
    results = [line for line in lines if line["error"] is None]
    failures = [line for line in lines if line["error"] is not None]
    for key, chosen, name, sample_type in (
        ("output_file", results, f"{job['id']}.jsonl", "batch_result"),
        ("error_file", failures, f"{job['id']}_error.jsonl", "batch_error"),
    ):
        if chosen:
            content = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in chosen)
            stored = store.add_file(
                name,
                "batch",
                content.encode(),
                mimetype=JSONL,
                source="mistral",
                sample_type=sample_type,
            )
            job[key] = stored.id


def cancel_job(store: Store, job: dict[str, Any], now: float) -> None:
    """``cancel``: CANCELLATION_REQUESTED now, CANCELLED a moment later, keeping the results
    of the requests done by now."""
    with store.lock:
        plan: Plan = job["_plan"]
        done = _progress(job, now)
        if plan.cancel(now, store.job_timings.cancelling, job_id=job["id"], final=FINAL):
            job["_done"] = done


def job_json(job: dict[str, Any], *, inline: bool = False) -> dict[str, Any]:
    """The job as the spec's ``BatchJobOut``; ``inline`` adds the result lines (``outputs``)
    once the job has finished."""
    out = {key: value for key, value in job.items() if not key.startswith("_")}
    if inline and job["_lines"] is not None:
        out["outputs"] = job["_lines"]
    return out
