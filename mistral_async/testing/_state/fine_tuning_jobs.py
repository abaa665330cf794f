"""Simulated fine-tuning jobs: QUEUED → VALIDATING → VALIDATED → RUNNING → SUCCESS.

A job is a dict in ``Store.fine_tuning_jobs``: the spec's job fields, plus private keys (``_``
prefix) that the replies leave out. Validation reads the training files for real: a file whose
lines are not training samples (``{"messages": [...]}`` or ``{"text": ...}``; a classifier also
needs ``labels``) fails the job with FAILED_VALIDATION and says why in its status event, unless
``invalid_sample_skip_percentage`` allows skipping that many. Nothing is trained: the reported
losses go down on a fixed curve. A job that succeeds registers its model in
``Store.fine_tuned_models``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._models.catalog import KnownModel
from .._models.text import count_tokens, message_text
from .._spec.error_bodies import ApiError
from .store import JobTimings, Store, StoredFile
from .timeline import Plan, Step

FINAL = frozenset({"FAILED_VALIDATION", "FAILED", "SUCCESS", "CANCELLED"})
TRAIN_TOKENS_PER_STEP = 131_072
DEFAULT_TRAINING_STEPS = 10
CHECKPOINTS = 3
_WORKSPACE = "4b1d0c5e"  # the model id part the API fills with a workspace hash
_SHARED_PARAMETERS = (
    "training_steps", "learning_rate", "weight_decay", "warmup_fraction", "epochs", "seq_len",
)  # fmt: skip
_DEFAULTS = {"learning_rate": 0.0001, "weight_decay": 0.1, "warmup_fraction": 0.05}


@dataclass(frozen=True)
class _Scan:
    """What validating the training files found."""

    samples: int
    invalid: int
    tokens: int
    first_problem: str | None


def create_job(store: Store, body: dict[str, Any], model: KnownModel, now: float) -> dict[str, Any]:
    """A new job for a (spec-valid) ``JobIn`` body.

    :raises ApiError: 404 for a missing file, 400 for a request the API would refuse.
    """
    job_type = body.get("job_type") or "completion"
    targets = body.get("classifier_targets")
    if job_type == "classifier" and not targets:
        message = "classifier_targets is required for a classifier job"
        raise ApiError(400, message, param="classifier_targets")
    given = body.get("training_files") or []
    training = [store.job_input(f["file_id"], "fine-tune", "training_files") for f in given]
    validation = [
        store.job_input(file_id, "fine-tune", "validation_files")
        for file_id in body.get("validation_files") or []
    ]
    if not training and not body.get("repositories"):
        message = "training_files must name at least one file (or give repositories)"
        raise ApiError(400, message, param="training_files")
    scan = _scan(training, classifier=job_type == "classifier")
    job_id = str(uuid.uuid4())
    suffix = body.get("suffix")
    parameters = _hyperparameters(body["hyperparameters"], job_type, scan.tokens)
    train_tokens = parameters["training_steps"] * TRAIN_TOKENS_PER_STEP
    timings = store.job_timings
    job: dict[str, Any] = {
        "id": job_id,
        "auto_start": body.get("auto_start", True),
        "model": model.id,
        "status": "QUEUED",
        "created_at": int(now),
        "modified_at": int(now),
        "training_files": [f.id for f in training],
        "validation_files": [f.id for f in validation],
        "object": "job",
        "fine_tuned_model": None,
        "suffix": suffix,
        "integrations": [_integration(i) for i in body.get("integrations") or []] or None,
        "trained_tokens": None,
        "metadata": {
            "expected_duration_seconds": math.ceil(timings.running),
            "cost": round(train_tokens * 2e-6, 2),
            "cost_currency": "USD",
            "train_tokens_per_step": TRAIN_TOKENS_PER_STEP,
            "train_tokens": train_tokens,
            "data_tokens": scan.tokens,
            "estimated_start_time": None,
        },
        "job_type": job_type,
        "hyperparameters": parameters,
        "_plan": Plan(_steps(body, scan, now, timings)),
        "_model_id": f"ft:{model.id}:{suffix or _WORKSPACE}:{_day(now)}:{job_id[:8]}",
        "_train_tokens": train_tokens,
        "_registered": False,
    }
    if job_type == "completion":
        job["repositories"] = [_repository(r) for r in body.get("repositories") or []]
    else:
        job["_targets"] = [_target(t) for t in targets or []]
    with store.lock:
        store.fine_tuning_jobs[job_id] = job
        store.track(store.fine_tuning_jobs, settle_job)
    return job


def _scan(files: Iterable[StoredFile], *, classifier: bool) -> _Scan:
    samples = invalid = tokens = 0
    first: str | None = None
    for stored in files:
        for number, line in enumerate(stored.content.splitlines(), start=1):
            if not line.strip():
                continue
            samples += 1
            text, problem = _sample(line, classifier)
            if problem is None:
                tokens += count_tokens(text)
                continue
            invalid += 1
            first = first or f"{stored.filename}, line {number}: {problem}"
    return _Scan(samples, invalid, tokens, first)


def _sample(line: bytes, classifier: bool) -> tuple[str, str | None]:
    """The text of one training sample, or why it is not one."""
    try:
        sample = json.loads(line)
    except ValueError:
        return "", "not a JSON object"
    if not isinstance(sample, dict):
        return "", "not a JSON object"
    messages = sample.get("messages")
    if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
        text = " ".join(message_text(m.get("content")) for m in messages)
    elif isinstance(sample.get("text"), str):
        text = sample["text"]
    else:
        return "", "expected a non-empty 'messages' list or a 'text' string"
    if classifier and not isinstance(sample.get("labels"), dict):
        return "", "a classifier sample needs a 'labels' object"
    return text, None


def _hyperparameters(given: dict[str, Any], job_type: str, data_tokens: int) -> dict[str, Any]:
    """The job's ``CompletionTrainingParameters`` or ``ClassifierTrainingParameters``: what was
    given, the API's defaults for the rest, and the number of steps it comes to."""
    names = _SHARED_PARAMETERS + (("fim_ratio",) if job_type == "completion" else ())
    defaults = {**_DEFAULTS, **({"fim_ratio": 0.9} if job_type == "completion" else {})}
    parameters = {**defaults, **{k: given[k] for k in names if given.get(k) is not None}}
    if "training_steps" not in parameters:
        epochs = parameters.get("epochs")
        steps = math.ceil(epochs * data_tokens / TRAIN_TOKENS_PER_STEP) if epochs else 0
        parameters["training_steps"] = max(1, steps) if epochs else DEFAULT_TRAINING_STEPS
    return parameters


def _steps(body: dict[str, Any], scan: _Scan, now: float, timings: JobTimings) -> list[Step]:
    validating = now + timings.queued
    checked = validating + timings.queued
    steps = [Step(now, "QUEUED"), Step(validating, "VALIDATING")]
    error = _validation_error(scan, body.get("invalid_sample_skip_percentage") or 0)
    if error is not None:
        return [*steps, Step(checked, "FAILED_VALIDATION", {"error": error})]
    steps.append(Step(checked, "VALIDATED"))
    if body.get("auto_start", True):
        steps += _running(checked, timings)
    return steps


def _validation_error(scan: _Scan, skip_share: float) -> str | None:
    if scan.samples and scan.invalid <= scan.samples * skip_share:
        return None
    if not scan.samples:
        return "The training files hold no samples."
    return (
        f"{scan.invalid} of {scan.samples} training samples are invalid, more than "
        f"invalid_sample_skip_percentage allows. First: {scan.first_problem}"
    )


def _running(start: float, timings: JobTimings) -> list[Step]:
    return [Step(start, "RUNNING"), Step(start + timings.running, "SUCCESS")]


def _day(now: float) -> str:
    return time.strftime("%Y%m%d", time.gmtime(now))


def _integration(given: dict[str, Any]) -> dict[str, Any]:
    """A ``WandbIntegration`` as the reply shows it: without the API key."""
    return {
        "type": "wandb",
        "project": given["project"],
        "name": given.get("name"),
        "run_name": given.get("run_name"),
        "url": None,
    }


def _repository(given: dict[str, Any]) -> dict[str, Any]:
    """A ``GithubRepositoryOut``: the token is not shown, the commit is (made up here)."""
    where = f"{given['owner']}/{given['name']}@{given.get('ref') or 'HEAD'}"
    return {
        "type": "github",
        "name": given["name"],
        "owner": given["owner"],
        "ref": given.get("ref"),
        "weight": given.get("weight", 1.0),
        "commit_id": hashlib.sha1(where.encode()).hexdigest(),
    }


def _target(given: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": given["name"],
        "labels": list(given["labels"]),
        "weight": given.get("weight", 1.0),
        "loss_function": given.get("loss_function") or "single_class",
    }


# -- what time does to a job -------------------------------------------------------------------


def settle_job(store: Store, job: dict[str, Any], now: float) -> None:
    """Bring the job's status to ``now``; on reaching SUCCESS, register the model."""
    with store.lock:
        plan: Plan = job["_plan"]
        step = plan.current(now)
        job["status"] = step.status
        job["modified_at"] = int(step.at)
        if step.status != "SUCCESS" or job["_registered"]:
            return
        job["fine_tuned_model"] = job["_model_id"]
        job["trained_tokens"] = job["_train_tokens"]
        store.add_fine_tuned_model(
            job["_model_id"],
            root=job["model"],
            job=job["id"],
            classifier_targets=job.get("_targets"),
            created=int(step.at),
        )
        job["_registered"] = True


def start_job(store: Store, job: dict[str, Any], now: float) -> None:
    """``start``: a job created with ``auto_start=false`` runs once validated."""
    with store.lock:
        plan: Plan = job["_plan"]
        status = plan.current(now).status
        if status in FINAL or status == "CANCELLATION_REQUESTED":
            raise ApiError(400, f"Job {job['id']} cannot be started: it is {status}")
        if job["auto_start"] or plan.find("RUNNING") is not None:
            raise ApiError(400, f"Job {job['id']} has already been started ({status})")
        validated = plan.find("VALIDATED")
        if validated is not None:  # otherwise its validation is about to fail
            plan.extend(_running(max(now, validated.at), store.job_timings))


def cancel_job(store: Store, job: dict[str, Any], now: float) -> None:
    """``cancel``: CANCELLATION_REQUESTED now, CANCELLED a moment later."""
    with store.lock:
        plan: Plan = job["_plan"]
        plan.cancel(now, store.job_timings.cancelling, job_id=job["id"], final=FINAL)


# -- replies -------------------------------------------------------------------------------------


def job_json(job: dict[str, Any], now: float, *, detailed: bool) -> dict[str, Any]:
    """The job as the spec's ``CompletionJobOut``/``ClassifierJobOut`` or, ``detailed``, as
    ``CompletionDetailedJobOut``/``ClassifierDetailedJobOut``."""
    out = {key: value for key, value in job.items() if not key.startswith("_")}
    if not detailed:
        return out
    plan: Plan = job["_plan"]
    out["events"] = [_event(step) for step in reversed(plan.reached(now))]
    steps = job["hyperparameters"]["training_steps"]
    out["checkpoints"] = _checkpoints(plan, now, steps, validated=bool(job["validation_files"]))
    if "_targets" in job:
        out["classifier_targets"] = job["_targets"]
    return out


def _event(step: Step) -> dict[str, Any]:
    """An ``EventOut``: the status the job entered, and why when it failed."""
    data = {"status": step.status, **step.detail}
    return {"name": "status-updated", "data": data, "created_at": int(step.at)}


def _checkpoints(plan: Plan, now: float, steps: int, *, validated: bool) -> list[dict[str, Any]]:
    """A checkpoint every third of a training run, newest first, with losses that go down."""
    start, end = plan.find("RUNNING"), plan.find("SUCCESS")
    if start is None or end is None:
        return []
    out = []
    for k in range(1, CHECKPOINTS + 1):
        at = start.at + (end.at - start.at) * k / CHECKPOINTS
        if at > now:
            break
        train_loss = round(0.4 + 1.6 * 0.6**k, 4)
        metrics = {
            "train_loss": train_loss,
            "valid_loss": round(train_loss + 0.05, 4) if validated else None,
            "valid_mean_token_accuracy": round(0.6 + 0.1 * k, 4) if validated else None,
        }
        step = max(1, round(steps * k / CHECKPOINTS))
        out.append({"metrics": metrics, "step_number": step, "created_at": int(at)})
    return out[::-1]
