"""Fine-tuning and batch jobs from the blocking client: every method, and waiting with backoff."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from mistral_async import Mistral, NotFoundError, SyncPaginator
from mistral_async.resources._jobs import wait_for
from mistral_async.testing import LocalServer
from mistral_async.types.batch import BatchJobOut
from mistral_async.types.fine_tuning import CompletionDetailedJobOut, CompletionJobOut
from tests._support.jobs import POLL, TRAINING, job_timings, unique

MODEL = "open-mistral-nemo"


def test_fine_tuning_jobs(sync_client: Mistral, server: LocalServer) -> None:
    jobs = sync_client.fine_tuning.jobs
    training = sync_client.files.upload(TRAINING, purpose="fine-tune", filename="t.jsonl").id
    suffix = unique("s")
    job = jobs.create(
        model=MODEL,
        hyperparameters={"training_steps": 2},
        training_files=[{"file_id": training}],
        suffix=suffix,
        auto_start=False,
    )
    assert isinstance(job, CompletionJobOut)
    assert jobs.wait(job.id, poll_interval=POLL, timeout=10).status == "VALIDATED"
    assert jobs.start(job.id).status == "RUNNING"
    done = jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert isinstance(done, CompletionDetailedJobOut)
    assert done.status == "SUCCESS"
    assert jobs.get(job.id).fine_tuned_model == done.fine_tuned_model

    with job_timings(server, running=60):
        other = jobs.create(
            model=MODEL, hyperparameters={}, training_files=[{"file_id": training}], suffix=suffix
        )
    assert jobs.cancel(other.id).status == "CANCELLATION_REQUESTED"
    listed = jobs.list(suffix=suffix, page_size=1)
    assert isinstance(listed, SyncPaginator)
    assert [j.id for j in listed] == [other.id, job.id]
    assert listed.first_page().total == 2
    assert [len(page.data) for page in listed.pages()] == [1, 1]
    with pytest.raises(NotFoundError):
        jobs.get("00000000-0000-4000-8000-000000000000")


def test_batch_jobs(sync_client: Mistral, server: LocalServer) -> None:
    jobs = sync_client.batch.jobs
    tag = unique("b")
    request = {"custom_id": "1", "body": {"messages": [{"role": "user", "content": "hi"}]}}
    job = jobs.create(
        endpoint="/v1/chat/completions",
        model="mistral-small-latest",
        requests=[request],
        metadata={"t": tag},
    )
    done = jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert isinstance(done, BatchJobOut)
    assert (done.status, done.succeeded_requests) == ("SUCCESS", 1)
    assert done.output_file is not None
    [line] = sync_client.files.content(done.output_file).splitlines()
    assert b'"custom_id":"1"' in line
    assert jobs.get(job.id, inline=True).outputs is not None

    with job_timings(server, queued=60):
        queued = jobs.create(
            endpoint="/v1/chat/completions",
            model="mistral-small-latest",
            requests=[request],
            metadata={"t": tag},
        )
    assert jobs.cancel(queued.id).status == "CANCELLATION_REQUESTED"
    assert [j.id for j in jobs.list(metadata={"t": tag})] == [queued.id, job.id]


@pytest.mark.anyio
async def test_wait_backs_off_up_to_its_maximum(monkeypatch: pytest.MonkeyPatch) -> None:
    class Job:
        def __init__(self, status: str) -> None:
            self.id, self.status = "j", status

    statuses = iter(["QUEUED"] * 6 + ["SUCCESS"])
    delays: list[float] = []

    async def fetch() -> Any:
        return Job(next(statuses))

    async def no_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(anyio, "sleep", no_sleep)
    job = await wait_for(
        fetch,
        lambda j: j.status == "SUCCESS",
        poll_interval=1.0,
        max_poll_interval=3.0,
        give_up_after=None,
    )
    assert job.status == "SUCCESS"
    assert delays == [1.0, 1.5, 2.25, 3.0, 3.0, 3.0]
