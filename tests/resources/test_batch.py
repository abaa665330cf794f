"""Batch jobs against the local server: create, list, get, cancel, wait, and the result files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    JobWaitTimeoutError,
    NotFoundError,
)
from mistral_async.testing import LocalServer
from mistral_async.types.batch import BatchJobOut, BatchJobsOut
from tests._support.jobs import MISSING, POLL, job_timings, jsonl, unique
from tests._support.sent import Sent, assert_spec_accepts, capturing_client, sent_body

pytestmark = pytest.mark.anyio

CHAT = "/v1/chat/completions"
MODEL = "mistral-small-latest"


def chat_line(custom_id: str, question: str) -> dict[str, Any]:
    body = {"messages": [{"role": "user", "content": question}], "temperature": 0}
    return {"custom_id": custom_id, "body": body}


async def upload(client: AsyncMistral, content: bytes, purpose: Any = "batch") -> str:
    return (await client.files.upload(content, purpose=purpose, filename="in.jsonl")).id


async def read_lines(client: AsyncMistral, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(line) for line in (await client.files.content(file_id)).splitlines()]


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    """A reply without what differs between two calls with the same request."""
    return {key: value for key, value in body.items() if key not in ("id", "created")}


async def direct_reply(server: LocalServer, endpoint: str, body: dict[str, Any]) -> Any:
    """What the server answers ``body`` sent to ``endpoint`` by a client (less its ids)."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        reply = await http.post(endpoint, json=body, headers={"Authorization": "Bearer k"})
    return without_ids(reply.json())


async def test_a_file_batch_runs_each_request_for_real(
    client: AsyncMistral, server: LocalServer
) -> None:
    lines = [chat_line("a", "Name a river"), chat_line("b", "Name a mountain")]
    broken = {"custom_id": "c", "body": {"messages": "not a list"}}
    content = jsonl([*lines, broken]) + b"not json\n"
    tag = unique("f")
    job = await client.batch.jobs.create(
        endpoint=CHAT, model=MODEL, input_files=[await upload(client, content)], metadata={"t": tag}
    )
    assert isinstance(job, BatchJobOut)
    assert (job.status, job.done, job.total_requests, job.completed_requests) == (
        "QUEUED",
        False,
        4,
        0,
    )
    assert job.metadata == {"t": tag}

    done = await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (done.status, done.done, done.failed, done.error) == ("SUCCESS", True, False, None)
    assert (done.completed_requests, done.succeeded_requests, done.failed_requests) == (4, 2, 2)
    assert done.started_at is not None
    assert done.completed_at is not None
    assert sorted(e.count for e in done.errors) == [1, 1]
    assert any("body.messages" in e.message for e in done.errors)

    results = await read_lines(client, done.output_file)
    assert [r["custom_id"] for r in results] == ["a", "b"]
    assert all(r["error"] is None and r["response"]["status_code"] == 200 for r in results)
    direct = await direct_reply(server, CHAT, {**lines[0]["body"], "model": MODEL})
    assert without_ids(results[0]["response"]["body"]) == direct

    failures = await read_lines(client, done.error_file)
    assert [(f["custom_id"], f["response"]["status_code"]) for f in failures] == [
        ("c", 422),
        (None, 400),
    ]
    assert "line 4" in failures[1]["error"]["message"]
    output = await client.files.retrieve(done.output_file or "")
    assert (output.purpose, output.source) == ("batch", "mistral")
    assert output.sample_type == "batch_result"


@pytest.mark.parametrize(
    ("endpoint", "model", "body"),
    [
        ("/v1/embeddings", "mistral-embed", {"input": ["a text to embed"]}),
        ("/v1/fim/completions", "codestral-latest", {"prompt": "def add(a, b):", "suffix": ""}),
        ("/v1/moderations", "mistral-moderation-latest", {"input": ["a calm text"]}),
    ],
)
async def test_inline_requests_to_other_endpoints(
    client: AsyncMistral, server: LocalServer, endpoint: Any, model: str, body: dict[str, Any]
) -> None:
    job = await client.batch.jobs.create(
        endpoint=endpoint, model=model, requests=[{"custom_id": "only", "body": body}]
    )
    assert job.input_files == []
    done = await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (done.status, done.succeeded_requests) == ("SUCCESS", 1)
    assert done.error_file is None

    inline = await client.batch.jobs.get(job.id, inline=True)
    assert inline.outputs is not None
    [result] = inline.outputs
    assert result["custom_id"] == "only"
    assert (await client.batch.jobs.get(job.id)).outputs is None
    direct = await direct_reply(server, endpoint, {**body, "model": model})
    assert without_ids(result["response"]["body"]) == direct


async def test_cancel_keeps_the_results_done_so_far(
    client: AsyncMistral, server: LocalServer
) -> None:
    requests = [chat_line(str(n), f"question {n}") for n in range(10)]
    with job_timings(server, queued=0, running=4.0):
        job = await client.batch.jobs.create(endpoint=CHAT, model=MODEL, requests=requests)
    await anyio.sleep(1.0)
    running = await client.batch.jobs.get(job.id)
    assert running.status == "RUNNING"
    assert 0 < running.completed_requests < 10  # progress shows while it runs

    cancelling = await client.batch.jobs.cancel(job.id)
    assert cancelling.status == "CANCELLATION_REQUESTED"
    cancelled = await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (cancelled.status, cancelled.done) == ("CANCELLED", True)
    kept = cancelled.completed_requests
    assert running.completed_requests <= kept < 10
    assert cancelled.succeeded_requests == kept
    results = await read_lines(client, cancelled.output_file)
    assert [r["custom_id"] for r in results] == [str(n) for n in range(kept)]
    with pytest.raises(BadRequestError, match="cannot be cancelled: it is CANCELLED"):
        await client.batch.jobs.cancel(job.id)


async def test_cancel_before_it_runs(client: AsyncMistral, server: LocalServer) -> None:
    with job_timings(server, queued=60):
        job = await client.batch.jobs.create(
            endpoint=CHAT, model=MODEL, requests=[chat_line("x", "hi")]
        )
    await client.batch.jobs.cancel(job.id)
    cancelled = await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (cancelled.status, cancelled.completed_requests, cancelled.started_at) == (
        "CANCELLED",
        0,
        None,
    )
    assert cancelled.output_file is None


async def test_an_empty_input_fails_the_job_with_an_error(client: AsyncMistral) -> None:
    job = await client.batch.jobs.create(
        endpoint=CHAT, model=MODEL, input_files=[await upload(client, b"\n")]
    )
    failed = await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=10)
    assert (failed.status, failed.failed) == ("FAILED", True)
    assert failed.error == "The batch holds no requests."


async def test_refused_jobs(client: AsyncMistral) -> None:
    good = await upload(client, jsonl([chat_line("a", "hi")]))
    tuning = await upload(client, jsonl([chat_line("a", "hi")]), purpose="fine-tune")
    for kwargs, error, words in [
        ({"input_files": [MISSING]}, NotFoundError, "not found"),
        ({"input_files": [tuning]}, BadRequestError, "purpose 'fine-tune'"),
        ({"input_files": None}, BadRequestError, "input_files or requests"),
        ({"requests": [chat_line("b", "hi")]}, BadRequestError, "not both"),
        ({"model": "no-such-model"}, BadRequestError, "Invalid model: no-such-model"),
        ({"agent_id": "ag_1"}, BadRequestError, "Agents"),
    ]:
        arguments: dict[str, Any] = {
            "endpoint": CHAT,
            "model": MODEL,
            "input_files": [good],
            **kwargs,
        }
        with pytest.raises(error) as info:
            await client.batch.jobs.create(**arguments)
        assert words in str(info.value), kwargs
    with pytest.raises(NotFoundError):
        await client.batch.jobs.get(MISSING)
    with pytest.raises(NotFoundError):
        await client.batch.jobs.cancel(MISSING)


async def test_list_filters_order_and_pages(client: AsyncMistral) -> None:
    tag = unique("l")
    ids = []
    for n in range(3):
        job = await client.batch.jobs.create(
            endpoint=CHAT,
            model=MODEL,
            requests=[chat_line(str(n), "hi")],
            metadata={"test": tag, "n": str(n)},
        )
        ids.append(job.id)

    first = await client.batch.jobs.list(metadata={"test": tag}, page_size=2)
    assert isinstance(first, BatchJobsOut)
    assert (first.total, [j.id for j in first.data]) == (3, ids[::-1][:2])  # newest first
    every = [j.id async for j in client.batch.jobs.list(metadata={"test": tag}, page_size=2)]
    assert every == ids[::-1]
    oldest_first = client.batch.jobs.list(metadata={"test": tag}, order_by="created")
    assert [j.id async for j in oldest_first] == ids
    one = await client.batch.jobs.list(metadata={"test": tag, "n": "1"})
    assert [j.id for j in one.data] == [ids[1]]

    await client.batch.jobs.wait(ids[0], poll_interval=POLL, timeout=10)
    done = await client.batch.jobs.list(metadata={"test": tag}, status=["SUCCESS", "FAILED"])
    assert ids[0] in [j.id for j in done.data]
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    assert (await client.batch.jobs.list(metadata={"test": tag}, created_after=soon)).total == 0
    assert (await client.batch.jobs.list(metadata={"test": tag}, model="other")).total == 0


async def test_wait_gives_up_after_its_timeout(client: AsyncMistral, server: LocalServer) -> None:
    with job_timings(server, queued=60):
        job = await client.batch.jobs.create(
            endpoint=CHAT, model=MODEL, requests=[chat_line("x", "hi")]
        )
    with pytest.raises(JobWaitTimeoutError, match=r"is still QUEUED after 0\.2 s"):
        await client.batch.jobs.wait(job.id, poll_interval=POLL, timeout=0.2)
    await client.batch.jobs.cancel(job.id)


# -- without a server ------------------------------------------------------------------------

FULL_JOB: dict[str, Any] = {
    "endpoint": CHAT,
    "input_files": ["0b0b5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10"],
    "requests": [chat_line("a", "hi"), {"body": {"messages": []}}],
    "model": MODEL,
    "agent_id": "agent",
    "metadata": {"team": "search", "run": "42"},
    "timeout_hours": 12,
}


async def test_the_spec_accepts_a_create_request_with_every_argument() -> None:
    path, body = await sent_body(capturing_client().batch.jobs.create(**FULL_JOB))
    assert path == "/v1/batch/jobs"
    assert body == FULL_JOB
    assert_spec_accepts(path, body)


async def test_list_and_get_queries() -> None:
    client = capturing_client()
    after = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with pytest.raises(Sent) as info:
        await client.batch.jobs.list(
            page=1,
            page_size=3,
            model=MODEL,
            agent_id="a",
            metadata={"k": "v"},
            created_after=after,
            created_by_me=False,
            status=["RUNNING", "QUEUED"],
            order_by="created",
        )
    params = info.value.request.url.params
    assert params.get_list("status") == ["RUNNING", "QUEUED"]
    assert json.loads(params["metadata"]) == {"k": "v"}
    assert (params["page"], params["created_after"], params["created_by_me"]) == (
        "1",
        "2026-01-02T03:04:05Z",
        "false",
    )
    with pytest.raises(Sent) as info:
        await client.batch.jobs.get("0b0b5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10", inline=True)
    assert info.value.request.url.params["inline"] == "true"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"endpoint": "/v1/chat"}, "endpoint"),
        ({"input_files": ["in.jsonl"]}, "input_files[0]"),
        ({"metadata": {"k" * 33: "v"}}, "metadata"),
        ({"metadata": {"k": ""}}, "metadata.k"),
        ({"requests": [{"custom_id": "a"}]}, "requests[0].body"),
        ({"timeout_hours": "24"}, "timeout_hours"),
        ({"endpont": CHAT}, "endpont"),
    ],
)
async def test_bad_arguments_fail_before_sending(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(ArgumentError) as info:
        await capturing_client().batch.jobs.create(**{**FULL_JOB, **changes})
    assert where in str(info.value)


async def test_bad_list_get_and_wait_arguments() -> None:
    client = capturing_client()
    for bad, where in [
        ({"status": ["DONE"]}, "status"),
        ({"order_by": "newest"}, "order_by"),
        ({"page_size": 0}, "page_size"),
    ]:
        with pytest.raises(ArgumentError, match=where):
            client.batch.jobs.list(**bad)
    with pytest.raises(ArgumentError, match="inline"):
        await client.batch.jobs.get("0b0b5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10", inline="yes")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="timeout"):
        await client.batch.jobs.wait("0b0b5f0e-7a39-4b8f-9c3a-3b0b1d9e8f10", timeout=-1)


def test_a_failed_job_says_why() -> None:
    base = {"id": "b", "endpoint": CHAT, "status": "SUCCESS", "created_at": 1}
    assert BatchJobOut.model_validate(base).error is None
    errors = [{"message": "Input file is not JSONL"}, {"message": "Bad request", "count": 3}]
    failed = BatchJobOut.model_validate({**base, "status": "FAILED", "errors": errors})
    assert failed.error == "Input file is not JSONL; Bad request (x3)"
    timed_out = BatchJobOut.model_validate({**base, "status": "TIMEOUT_EXCEEDED"})
    assert timed_out.error == "The batch job ended with status TIMEOUT_EXCEEDED."
