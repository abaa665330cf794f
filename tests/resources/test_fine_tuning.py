"""Fine-tuning jobs against the local server: create, list, get, cancel, start, wait."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    JobWaitTimeoutError,
    NotFoundError,
)
from mistral_async.testing import LocalServer, create_app
from mistral_async.types.fine_tuning import (
    ClassifierDetailedJobOut,
    ClassifierJobOut,
    CompletionDetailedJobOut,
    CompletionJobOut,
    DetailedJobOut,
    FineTuningJobOut,
    JobsOut,
)
from mistral_async.types.models import FTModelCard
from tests._support.jobs import MISSING, POLL, TRAINING, job_timings, jsonl, unique
from tests._support.sent import Sent, assert_spec_accepts, capturing_client, sent_body

pytestmark = pytest.mark.anyio

MODEL = "open-mistral-nemo"
STEPS = {"training_steps": 4, "learning_rate": 0.0001}


async def upload(client: AsyncMistral, content: bytes = TRAINING, purpose: Any = None) -> str:
    purpose = purpose or "fine-tune"
    uploaded = await client.files.upload(content, purpose=purpose, filename="train.jsonl")
    return uploaded.id


async def test_a_job_trains_and_registers_its_model(client: AsyncMistral) -> None:
    training, validation = await upload(client), await upload(client)
    job = await client.fine_tuning.jobs.create(
        model=MODEL,
        hyperparameters=STEPS,
        training_files=[{"file_id": training, "weight": 1.0}],
        validation_files=[validation],
        suffix="trained",
    )
    assert isinstance(job, CompletionJobOut)
    assert job.status == "QUEUED"
    assert job.auto_start
    assert job.training_files == [training]
    assert job.hyperparameters.training_steps == 4
    assert job.hyperparameters.fim_ratio is not None  # the API's default, filled in
    assert job.metadata is not None
    assert job.metadata.data_tokens
    assert job.response_info is not None
    assert job.response_info.status_code == 200

    done = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert isinstance(done, CompletionDetailedJobOut)
    assert (done.status, done.done, done.failed, done.error) == ("SUCCESS", True, False, None)
    history = [event.data["status"] for event in reversed(done.events) if event.data]
    assert history == ["QUEUED", "VALIDATING", "VALIDATED", "RUNNING", "SUCCESS"]
    assert len(done.checkpoints) == 3
    assert all(c.metrics.valid_loss is not None for c in done.checkpoints)  # validation files
    losses = [c.metrics.train_loss for c in sorted(done.checkpoints, key=lambda c: c.step_number)]
    assert losses == sorted(losses, reverse=True)
    assert done.trained_tokens
    assert done.fine_tuned_model is not None
    assert done.fine_tuned_model.startswith(f"ft:{MODEL}:trained:")

    card = await client.models.retrieve(done.fine_tuned_model)
    assert isinstance(card, FTModelCard)
    assert (card.job, card.root, card.archived) == (job.id, MODEL, False)
    assert card.capabilities.completion_chat


async def test_a_classifier_job(client: AsyncMistral) -> None:
    samples = [{"text": f"message {n}", "labels": {"tone": "calm"}} for n in range(3)]
    training = await upload(client, jsonl(samples))
    targets = [{"name": "tone", "labels": ["calm", "angry"], "loss_function": "single_class"}]
    job = await client.fine_tuning.jobs.create(
        model=MODEL,
        job_type="classifier",
        hyperparameters={"epochs": 2.0},
        training_files=[{"file_id": training}],
        classifier_targets=targets,
    )
    assert isinstance(job, ClassifierJobOut)
    assert job.job_type == "classifier"
    assert job.hyperparameters.training_steps  # worked out from the epochs

    done = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert isinstance(done, ClassifierDetailedJobOut)
    assert done.status == "SUCCESS"
    assert [t.name for t in done.classifier_targets] == ["tone"]
    assert done.fine_tuned_model is not None
    card = await client.models.retrieve(done.fine_tuned_model)
    assert card.capabilities.classification


async def test_bad_training_data_fails_validation_with_a_readable_error(
    client: AsyncMistral,
) -> None:
    broken = TRAINING + b'{"prompt": "no messages"}\nnot json\n'
    job = await client.fine_tuning.jobs.create(
        model=MODEL, hyperparameters={}, training_files=[{"file_id": await upload(client, broken)}]
    )
    failed = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (failed.status, failed.done, failed.failed) == ("FAILED_VALIDATION", True, True)
    assert failed.error is not None
    assert "2 of 6 training samples are invalid" in failed.error
    assert "train.jsonl, line 5" in failed.error
    assert failed.fine_tuned_model is None

    # Skipping up to half of the samples lets the same data through.
    job = await client.fine_tuning.jobs.create(
        model=MODEL,
        hyperparameters={},
        training_files=[{"file_id": await upload(client, broken)}],
        invalid_sample_skip_percentage=0.5,
    )
    passed = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert passed.status == "SUCCESS"
    assert passed.error is None


async def test_refused_jobs(client: AsyncMistral) -> None:
    training = await upload(client)
    for kwargs, error, words in [
        ({"training_files": [{"file_id": MISSING}]}, NotFoundError, "not found"),
        ({"validation_files": [MISSING]}, NotFoundError, "not found"),
        ({"model": "no-such-model"}, BadRequestError, "Invalid model: no-such-model"),
        ({"model": "mistral-large-latest"}, BadRequestError, "Invalid model: mistral-large-latest"),
        ({"training_files": []}, BadRequestError, "at least one file"),
        ({"job_type": "classifier"}, BadRequestError, "classifier_targets"),
    ]:
        arguments: dict[str, Any] = {
            "model": MODEL,
            "hyperparameters": {},
            "training_files": [{"file_id": training}],
            **kwargs,
        }
        with pytest.raises(error) as info:
            await client.fine_tuning.jobs.create(**arguments)
        assert words in str(info.value), kwargs
    batch_file = await upload(client, purpose="batch")
    with pytest.raises(BadRequestError, match="purpose 'batch'"):
        await client.fine_tuning.jobs.create(
            model=MODEL, hyperparameters={}, training_files=[{"file_id": batch_file}]
        )


async def test_a_job_without_auto_start_waits_for_start(client: AsyncMistral) -> None:
    job = await client.fine_tuning.jobs.create(
        model=MODEL,
        hyperparameters=STEPS,
        training_files=[{"file_id": await upload(client)}],
        auto_start=False,
    )
    assert job.auto_start is False
    validated = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (validated.status, validated.done) == ("VALIDATED", False)

    started = await client.fine_tuning.jobs.start(job.id)
    assert isinstance(started, CompletionDetailedJobOut)
    assert started.status == "RUNNING"
    with pytest.raises(BadRequestError, match="already been started"):
        await client.fine_tuning.jobs.start(job.id)
    done = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert done.status == "SUCCESS"


async def test_start_before_validation_ends_runs_right_after_it(
    client: AsyncMistral, server: LocalServer
) -> None:
    with job_timings(server, queued=0.5):
        job = await client.fine_tuning.jobs.create(
            model=MODEL,
            hyperparameters=STEPS,
            training_files=[{"file_id": await upload(client)}],
            auto_start=False,
        )
    started = await client.fine_tuning.jobs.start(job.id)
    assert started.status in ("QUEUED", "VALIDATING")  # not validated yet: it runs after
    done = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert done.status == "SUCCESS"


async def test_cancel(client: AsyncMistral, server: LocalServer) -> None:
    with job_timings(server, running=60):
        job = await client.fine_tuning.jobs.create(
            model=MODEL, hyperparameters=STEPS, training_files=[{"file_id": await upload(client)}]
        )
    cancelling = await client.fine_tuning.jobs.cancel(job.id)
    assert isinstance(cancelling, DetailedJobOut)
    assert (cancelling.status, cancelling.done) == ("CANCELLATION_REQUESTED", False)
    assert (await client.fine_tuning.jobs.cancel(job.id)).status == "CANCELLATION_REQUESTED"
    cancelled = await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (cancelled.status, cancelled.done, cancelled.failed) == ("CANCELLED", True, False)
    assert cancelled.fine_tuned_model is None
    with pytest.raises(BadRequestError, match="cannot be cancelled: it is CANCELLED"):
        await client.fine_tuning.jobs.cancel(job.id)
    with pytest.raises(BadRequestError, match="cannot be started"):
        await client.fine_tuning.jobs.start(job.id)


async def test_list_pages_and_filters(client: AsyncMistral) -> None:
    training = await upload(client)
    suffix = unique("l")
    ids = []
    for _ in range(3):
        job = await client.fine_tuning.jobs.create(
            model=MODEL, hyperparameters={}, training_files=[{"file_id": training}], suffix=suffix
        )
        ids.append(job.id)

    first = await client.fine_tuning.jobs.list(suffix=suffix, page_size=2)
    assert isinstance(first, JobsOut)
    assert first.total == 3
    assert [job.id for job in first.data] == ids[::-1][:2]  # newest first
    assert all(isinstance(job, CompletionJobOut) for job in first.data)
    assert [job.id async for job in client.fine_tuning.jobs.list(suffix=suffix, page_size=2)] == (
        ids[::-1]
    )
    pages = [p async for p in client.fine_tuning.jobs.list(suffix=suffix, page_size=2).pages()]
    assert [len(p.data) for p in pages] == [2, 1]
    second = await client.fine_tuning.jobs.list(suffix=suffix, page_size=2, page=1)
    assert [job.id for job in second.data] == [ids[0]]

    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    assert (await client.fine_tuning.jobs.list(suffix=suffix, created_after=soon)).total == 0
    assert (await client.fine_tuning.jobs.list(suffix=suffix, created_before=soon)).total == 3
    assert (await client.fine_tuning.jobs.list(suffix=suffix, model="codestral-latest")).total == 0
    await client.fine_tuning.jobs.wait(ids[0], poll_interval=POLL, timeout=10)
    succeeded = await client.fine_tuning.jobs.list(suffix=suffix, status="SUCCESS")
    assert ids[0] in [job.id for job in succeeded.data]


async def test_list_by_wandb_project(client: AsyncMistral) -> None:
    project = unique("p")
    wandb = {"project": project, "name": "run", "api_key": "k" * 40}
    job = await client.fine_tuning.jobs.create(
        model=MODEL,
        hyperparameters={},
        training_files=[{"file_id": await upload(client)}],
        integrations=[wandb],
    )
    assert job.integrations is not None
    assert job.integrations[0].project == project
    assert "api_key" not in job.integrations[0].model_dump()  # the key is not echoed back
    found = await client.fine_tuning.jobs.list(wandb_project=project)
    assert [j.id for j in found.data] == [job.id]


async def test_unknown_job(client: AsyncMistral) -> None:
    for call in (
        client.fine_tuning.jobs.get,
        client.fine_tuning.jobs.cancel,
        client.fine_tuning.jobs.start,
    ):
        with pytest.raises(NotFoundError):
            await call(MISSING)


async def test_wait_gives_up_after_its_timeout(client: AsyncMistral, server: LocalServer) -> None:
    with job_timings(server, running=60):
        job = await client.fine_tuning.jobs.create(
            model=MODEL, hyperparameters={}, training_files=[{"file_id": await upload(client)}]
        )
    with pytest.raises(JobWaitTimeoutError, match=f"Job {job.id} is still"):
        await client.fine_tuning.jobs.wait(job.id, poll_interval=POLL, timeout=0.3)
    await client.fine_tuning.jobs.cancel(job.id)


# -- without a server ------------------------------------------------------------------------

FULL_JOB: dict[str, Any] = {
    "model": MODEL,
    "training_files": [{"file_id": "0b0b5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10", "weight": 2.0}],
    "validation_files": ["1c1c5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10"],
    "suffix": "my-model",
    "integrations": [{"project": "p", "name": "n", "api_key": "k" * 40, "run_name": "r"}],
    "auto_start": False,
    "invalid_sample_skip_percentage": 0.1,
    "job_type": "completion",
    "hyperparameters": {
        "training_steps": 10,
        "learning_rate": 0.0001,
        "weight_decay": 0.1,
        "warmup_fraction": 0.05,
        "epochs": 1.5,
        "seq_len": 512,
        "fim_ratio": 0.5,
    },
    "repositories": [{"name": "repo", "owner": "me", "ref": "main", "weight": 1.0, "token": "t"}],
    "classifier_targets": [
        {"name": "tone", "labels": ["a", "b"], "weight": 1.0, "loss_function": "multi_class"}
    ],
}


async def test_the_spec_accepts_a_create_request_with_every_argument() -> None:
    client = capturing_client()
    path, body = await sent_body(client.fine_tuning.jobs.create(**FULL_JOB))
    assert path == "/v1/fine_tuning/jobs"
    assert body["integrations"][0]["type"] == "wandb"
    assert body["repositories"][0]["type"] == "github"
    assert_spec_accepts(path, body)
    path, body = await sent_body(client.fine_tuning.jobs.create(model=MODEL, hyperparameters={}))
    assert body == {"model": MODEL, "hyperparameters": {}}  # nothing the caller did not set
    assert_spec_accepts(path, body)


async def test_list_query() -> None:
    client = capturing_client()
    after = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    paginator = client.fine_tuning.jobs.list(
        page=2, page_size=5, model=MODEL, created_after=after, created_by_me=True, status="RUNNING"
    )
    with pytest.raises(Sent) as info:
        await paginator
    assert dict(info.value.request.url.params) == {
        "page": "2",
        "page_size": "5",
        "model": MODEL,
        "created_after": "2026-01-02T03:04:05Z",
        "created_by_me": "true",
        "status": "RUNNING",
    }


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"suffix": "x" * 19}, "suffix"),
        ({"hyperparameters": {"learning_rate": 2}}, "hyperparameters.learning_rate"),
        ({"hyperparameters": {"training_steps": 0}}, "hyperparameters.training_steps"),
        ({"training_files": [{"file_id": "not-a-uuid"}]}, "training_files[0].file_id"),
        ({"training_files": [{"file_id": FULL_JOB["validation_files"][0], "weight": 0}]}, "weight"),
        ({"integrations": [{"project": "p", "api_key": "short"}]}, "integrations[0].api_key"),
        ({"invalid_sample_skip_percentage": 0.9}, "invalid_sample_skip_percentage"),
        ({"job_type": "chat"}, "job_type"),
        ({"auto_strat": True}, "auto_strat"),
    ],
)
async def test_bad_arguments_fail_before_sending(changes: dict[str, Any], where: str) -> None:
    client = capturing_client()
    with pytest.raises(ArgumentError) as info:
        await client.fine_tuning.jobs.create(**{**FULL_JOB, **changes})
    assert where in str(info.value)


async def test_bad_list_get_and_wait_arguments() -> None:
    client = capturing_client()
    for bad, where in [
        ({"status": "DONE"}, "status"),
        ({"page": -1}, "page"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"suffx": "s"}, "suffx"),
    ]:
        with pytest.raises(ArgumentError, match=where):
            client.fine_tuning.jobs.list(**bad)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="job_id"):
        await client.fine_tuning.jobs.get("")
    with pytest.raises(ArgumentError, match="poll_interval"):
        await client.fine_tuning.jobs.wait(MISSING, poll_interval=0)


def test_job_replies_are_read_by_job_type() -> None:
    base = {
        "id": "j",
        "auto_start": True,
        "model": MODEL,
        "status": "FAILED",
        "created_at": 1,
        "modified_at": 2,
        "training_files": [],
        "hyperparameters": {},
    }
    assert type(FineTuningJobOut.model_validate(base)) is CompletionJobOut  # the default type
    classifier = FineTuningJobOut.model_validate({**base, "job_type": "classifier"})
    assert type(classifier) is ClassifierJobOut
    later = FineTuningJobOut.model_validate({**base, "job_type": "speech", "new": 1})
    assert type(later) is FineTuningJobOut  # a kind added later still reads
    detailed = DetailedJobOut.model_validate({**base, "events": []})
    assert type(detailed) is CompletionDetailedJobOut
    assert detailed.error == "The fine-tuning job ended with status FAILED (no message given)."
    events = [
        {"name": "status-updated", "data": {"status": "RUNNING"}, "created_at": 3},
        {"name": "status-updated", "data": {"status": "FAILED", "message": "OOM"}, "created_at": 4},
    ]
    assert DetailedJobOut.model_validate({**base, "events": events}).error == "OOM"


async def test_the_server_refuses_what_the_spec_refuses() -> None:
    # Straight to the app: the spec declares no 422 for these operations, though the API (a
    # FastAPI app) sends one, so the conformance check of the `server` fixture would object.
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as http:
        headers = {"Authorization": "Bearer k"}
        body = {"model": MODEL, "hyperparameters": {"learning_rate": 5}}
        reply = await http.post("/v1/fine_tuning/jobs", json=body, headers=headers)
        assert reply.status_code == 422
        assert reply.json()["detail"][0]["loc"][:2] == ["body", "hyperparameters"]
        reply = await http.post("/v1/fine_tuning/jobs", json={"model": MODEL}, headers=headers)
        assert reply.status_code == 422
        reply = await http.get("/v1/fine_tuning/jobs?page=x", headers=headers)
        assert (reply.status_code, reply.json()["detail"][0]["loc"]) == (422, ["query", "page"])
