# Tests wait on files a subprocess or a task writes; blocking file checks are fine here.
# ruff: noqa: ASYNC110, ASYNC240
"""JSONL batch runs: bad lines, duplicates, resuming, the command line (killed and resumed for
real), and the Batch API backend against the local server's batch jobs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest

from mistral_async import (
    AsyncMistral,
    BatchOutputError,
    BatchProgress,
    BatchRunner,
    DuplicateCustomIDError,
)
from mistral_async._batch.batch_api import STATE_SUFFIX, result_record
from mistral_async._batch.jsonl import parse_line, resume_scan
from mistral_async._batch.progress import BatchProgress as Progress
from mistral_async._batch.progress import ProgressPrinter, progress_bar, progress_line
from mistral_async.testing import LocalServer
from tests._support.jobs import job_timings

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"


def request_line(n: int) -> str:
    body = {"messages": [{"role": "user", "content": f"Question number {n}"}], "max_tokens": 24}
    return json.dumps({"custom_id": f"q{n}", "body": body})


def make_input(path: Path, count: int, extra: list[str] | None = None) -> Path:
    text = "".join(request_line(n) + "\n" for n in range(count))
    text += "".join(line + "\n" for line in extra or [])
    path.write_text(text)
    return path


def read_output(path: Path) -> dict[str, dict[str, Any]]:
    """The output's records by custom_id; fails on a duplicate or a line that is not JSON."""
    records: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        assert record["custom_id"] not in records, f"duplicate {record['custom_id']}"
        records[record["custom_id"]] = record
    return records


def answer(record: dict[str, Any]) -> str:
    return str(record["response"]["body"]["choices"][0]["message"]["content"])


BAD_LINES = [
    "this is not JSON",
    json.dumps({"custom_id": "no-body"}),
    json.dumps({"custom_id": "extra", "body": {}, "url": "/v1/chat/completions"}),
    json.dumps({"body": {"messages": []}}),
    json.dumps({"custom_id": "refused", "body": {"messages": "not a list"}}),
    "",
]


# -- pure parts ------------------------------------------------------------------------------


def test_input_lines() -> None:
    item = parse_line(request_line(3).encode(), 1, "in.jsonl")
    assert item is not None
    assert item.custom_id == "q3"
    assert parse_line(b"  \n", 2, "in.jsonl") is None
    bad = parse_line(b"[1, 2]", 7, "in.jsonl")
    assert bad is not None
    assert bad.custom_id == "line-7"
    assert "in.jsonl, line 7: expected a JSON object" in str(bad.error)  # type: ignore[union-attr]


def test_resume_scan_cuts_a_partial_last_line(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    assert resume_scan(str(output)) == set()
    whole = json.dumps({"custom_id": "a", "response": None, "error": {}}) + "\n"
    output.write_text(whole + '{"custom_id": "b", "resp')
    assert resume_scan(str(output)) == {"a"}
    assert output.read_text() == whole
    output.write_text(whole + "not a result\n")
    with pytest.raises(BatchOutputError, match="line 2"):
        resume_scan(str(output))


def test_batch_api_result_lines_become_the_same_records() -> None:
    ok = {"id": "x", "custom_id": "a", "response": {"status_code": 200, "body": {"k": 1}}}
    assert result_record({**ok, "error": None}) == {
        "custom_id": "a",
        "response": {"status_code": 200, "body": {"k": 1}},
        "error": None,
    }
    failed = result_record(
        {
            "custom_id": "b",
            "response": {"status_code": 429, "body": {"message": "slow down"}},
            "error": {"message": "slow down", "code": 429},
        }
    )
    assert failed is not None
    assert failed["response"] is None
    assert failed["error"]["type"] == "RateLimitError"
    assert failed["error"]["status_code"] == 429
    assert result_record({"response": {}}) is None


def test_progress_text() -> None:
    progress = Progress(
        done=450, failed=3, in_flight=16, total=1000, skipped=50, rate=25.0, prompt_tokens=12_000
    )
    line = progress_line(progress)
    assert line.startswith("batch 500/1000 50% | 25.0/s | ETA 0:20 | failed 3 | in flight 16")
    assert "12.0k tokens" in line
    bar = progress_bar(progress, width=100)
    assert bar.startswith("[###")
    assert "...]  500/1000  50%" in bar  # padded to the total's width on a bar
    assert len(bar) == 100
    assert progress_line(Progress(done=5, finished=True, cost=0.25)).startswith("done 5 |")
    assert "~$0.250" in progress_line(Progress(cost=0.25))


def test_progress_printer_on_a_pipe_prints_plain_lines(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w+") as stream:
        printer = ProgressPrinter(stream=stream, interval=60)
        assert printer.tty is False
        printer(Progress(done=1))
        printer(Progress(done=2))  # within the interval: not printed
        printer(Progress(done=3, finished=True))
        stream.seek(0)
        assert [line.split(" |")[0] for line in stream.read().splitlines()] == ["batch 1", "done 3"]


# -- file runs -------------------------------------------------------------------------------


async def test_a_file_run_writes_one_line_per_input_line(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    source = make_input(tmp_path / "in.jsonl", 30, BAD_LINES)
    output = tmp_path / "out.jsonl"
    reports: list[BatchProgress] = []
    runner = BatchRunner(client, model=MODEL, concurrency=8, on_progress=reports.append)
    summary = await runner.run_file(str(source), str(output))
    records = read_output(output)
    assert len(records) == 35  # 30 requests and 5 bad lines (the blank one is no line)
    assert (summary.total, summary.succeeded, summary.failed, summary.missing) == (35, 30, 5, 0)
    assert records["line-31"]["error"]["line"] == 31
    assert records["line-31"]["error"]["type"] == "BatchInputError"
    assert "no body" in records["no-body"]["error"]["message"]
    assert "unknown field 'url'" in records["extra"]["error"]["message"]
    assert records["line-34"]["error"]["line"] == 34  # no custom_id
    assert records["refused"]["error"]["type"] == "ArgumentError"
    assert answer(records["q7"])
    assert reports[-1].finished
    assert reports[-1].total == 35

    again = await runner.run_file(str(source), str(output))  # all done: nothing to do
    assert (again.skipped, again.succeeded, again.failed) == (35, 0, 0)
    assert read_output(output) == records


async def test_ordered_file_run(client: AsyncMistral, tmp_path: Path) -> None:
    source = make_input(tmp_path / "in.jsonl", 25)
    output = tmp_path / "out.jsonl"
    await BatchRunner(client, model=MODEL).run_file(str(source), str(output), ordered=True)
    ids = [json.loads(line)["custom_id"] for line in output.read_text().splitlines()]
    assert ids == [f"q{n}" for n in range(25)]


async def test_duplicate_custom_ids_are_refused_before_anything_is_sent(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    source = make_input(tmp_path / "in.jsonl", 5, [request_line(2)])
    with pytest.raises(
        DuplicateCustomIDError, match=r"line 6: custom_id 'q2' is already on line 3"
    ):
        await BatchRunner(client, model=MODEL).run_file(str(source), str(tmp_path / "out.jsonl"))
    server.exchanges.wait_idle()
    assert len(server.exchanges) == 0
    assert not (tmp_path / "out.jsonl").exists()


async def test_resuming_after_a_partial_write(client: AsyncMistral, tmp_path: Path) -> None:
    source = make_input(tmp_path / "in.jsonl", 20)
    reference = tmp_path / "reference.jsonl"
    runner = BatchRunner(client, model=MODEL, concurrency=4)
    await runner.run_file(str(source), str(reference))
    # An interrupted run: 8 whole lines, then half of the ninth.
    lines = reference.read_text().splitlines(keepends=True)
    output = tmp_path / "out.jsonl"
    output.write_text("".join(lines[:8]) + lines[8][:40])
    summary = await runner.run_file(str(source), str(output))
    assert (summary.skipped, summary.succeeded) == (8, 12)
    resumed, expected = read_output(output), read_output(reference)
    assert resumed.keys() == expected.keys()
    assert {k: answer(v) for k, v in resumed.items()} == {k: answer(v) for k, v in expected.items()}


# -- the command line, killed for real -----------------------------------------------------------


def cli(
    server: LocalServer, *args: str | Path, wait: bool = True
) -> subprocess.Popen[str] | subprocess.CompletedProcess[str]:
    env = {**os.environ, "MISTRAL_API_KEY": "sk-test", "MISTRAL_BASE_URL": server.url}
    command = [sys.executable, "-m", "mistral_async", "batch", *map(str, args)]
    if wait:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the test itself only waits on processes
async def test_a_killed_run_resumes_to_the_same_lines(
    server: LocalServer, tmp_path: Path, anyio_backend: str
) -> None:
    count = 300
    source = make_input(tmp_path / "in.jsonl", count, BAD_LINES[:2])
    options = ("--model", MODEL, "--concurrency", "4", "--progress", "lines")

    whole = tmp_path / "whole.jsonl"
    done = cli(server, source, whole, *options)
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 3, done.stderr  # two bad lines failed
    assert "done: 300 succeeded, 2 failed" in done.stderr

    # Slow the server down so that the kill lands in the middle of the run.
    server.faults.add("stall", seconds=0.02, times=None, path="/v1/chat/completions")
    output = tmp_path / "out.jsonl"
    process = cli(server, source, output, *options, wait=False)
    assert isinstance(process, subprocess.Popen)
    deadline = time.monotonic() + 60
    while (not output.exists() or output.read_text().count("\n") < 60) and process.poll() is None:
        assert time.monotonic() < deadline
        await anyio.sleep(0.01)
    process.kill()
    process.communicate()
    server.faults.clear()
    written = output.read_bytes()
    assert 60 <= written.count(b"\n") < count  # killed mid-way

    resumed = cli(server, source, output, *options)
    assert isinstance(resumed, subprocess.CompletedProcess)
    assert resumed.returncode == 3, resumed.stderr
    assert "already done" in resumed.stderr
    after, expected = read_output(output), read_output(whole)
    assert after.keys() == expected.keys()
    assert len(after) == count + 2
    assert {k: v["error"] is None for k, v in after.items()} == {
        k: v["error"] is None for k, v in expected.items()
    }
    ok = [k for k, v in expected.items() if v["error"] is None]
    assert {k: answer(after[k]) for k in ok} == {k: answer(expected[k]) for k in ok}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_command_refuses_duplicates(
    server: LocalServer, tmp_path: Path, anyio_backend: str
) -> None:
    source = make_input(tmp_path / "in.jsonl", 3, [request_line(0)])
    done = cli(server, source, tmp_path / "out.jsonl", "--model", MODEL)
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 1
    assert "custom_id 'q0' is already on line 1" in done.stderr


# -- Mistral's Batch API --------------------------------------------------------------------------


async def test_the_batch_api_backend_writes_the_same_output(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    source = make_input(tmp_path / "in.jsonl", 40, BAD_LINES)
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    reports: list[BatchProgress] = []
    runner = BatchRunner(client, model=MODEL, on_progress=reports.append)
    here = await runner.run_file(str(source), str(local))
    summary = await runner.run_file(
        str(source), str(remote), backend="batch-api", poll_interval=0.02
    )
    assert summary.job_status == "SUCCESS"
    assert (summary.succeeded, summary.failed, summary.missing) == (40, 5, 0)
    assert summary.prompt_tokens > 0
    # Both backends count the same way (one tally): the same answers make the same figures.
    counts = ("total", "skipped", "succeeded", "failed", "prompt_tokens", "completion_tokens")
    assert [getattr(here, name) for name in counts] == [getattr(summary, name) for name in counts]
    assert (here.backend, here.job_id) == ("local", None)
    assert summary.backend == "batch-api"
    assert not Path(str(remote) + STATE_SUFFIX).exists()
    by_local, by_remote = read_output(local), read_output(remote)
    assert by_local.keys() == by_remote.keys()
    for key, record in by_local.items():
        other = by_remote[key]
        assert (record["error"] is None) == (other["error"] is None), key
        if record["error"] is None:
            assert answer(record) == answer(other)
        else:
            assert record["error"]["type"] == other["error"]["type"], key
    assert reports[-1].finished
    assert reports[-1].done == 45
    job = await client.batch.jobs.get(str(summary.job_id))
    assert job.endpoint == "/v1/chat/completions"
    assert job.total_requests == 40

    again = await runner.run_file(str(source), str(remote), backend="batch-api")
    assert again.job_id is None  # nothing left to send: no job
    assert again.skipped == 45


async def test_cancelling_a_batch_api_run_cancels_the_job(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    source = make_input(tmp_path / "in.jsonl", 10)
    output = tmp_path / "out.jsonl"
    state = Path(str(output) + STATE_SUFFIX)
    runner = BatchRunner(client, model=MODEL)
    with job_timings(server, running=30.0):
        with anyio.move_on_after(5) as scope:
            async with anyio.create_task_group() as group:
                run = partial(runner.run_file, backend="batch-api", poll_interval=0.02)
                group.start_soon(run, str(source), str(output))
                while not state.exists():
                    await anyio.sleep(0.01)
                job_id = json.loads(state.read_text())["job_id"]
                await anyio.sleep(0.1)
                group.cancel_scope.cancel()
        assert not scope.cancelled_caught
    job = await client.batch.jobs.get(job_id)
    assert job.status in ("CANCELLATION_REQUESTED", "CANCELLED")
    assert not state.exists()  # a rerun starts a new job for what has no result


async def test_a_batch_api_run_resumes_by_following_its_job(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    source = make_input(tmp_path / "in.jsonl", 6)
    output = tmp_path / "out.jsonl"
    runner = BatchRunner(client, model=MODEL)
    first = await runner.run_file(str(source), str(output), backend="batch-api", poll_interval=0.02)
    # As if the first run had been killed while polling: its record is still there.
    output.unlink()
    Path(str(output) + STATE_SUFFIX).write_text(json.dumps({"job_id": first.job_id}))
    second = await runner.run_file(
        str(source), str(output), backend="batch-api", poll_interval=0.02
    )
    assert second.job_id == first.job_id  # followed, not paid for twice
    assert len(read_output(output)) == 6
