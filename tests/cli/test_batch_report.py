"""``mistral-async batch``'s end-of-run summary, printed and as ``--report FILE.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mistral_async.cli.main import main
from mistral_async.cli.report import report_data, report_text
from mistral_async.testing import LocalServer
from tests.batch.test_jsonl import BAD_LINES, make_input

UNPRICED = "mistral-medium-latest"  # no price in the notes: its cost is unknown


def unpriced_line(n: int) -> str:
    body = {"model": UNPRICED, "messages": [{"role": "user", "content": f"Q{n}"}]}
    return json.dumps({"custom_id": f"m{n}", "body": body})


def run(server: LocalServer, tmp_path: Path, *options: str) -> int:
    source = make_input(tmp_path / "in.jsonl", 12, [*BAD_LINES[:3], unpriced_line(0)])
    arguments = [str(source), str(tmp_path / "out.jsonl"), "--model", "mistral-small-latest"]
    connection = ["--api-key", "sk-test", "--base-url", server.url]
    return main(["batch", *arguments, *connection, "--concurrency", "2", *options])


def test_the_report_file_holds_the_printed_figures(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two 429s: retried (Retry-After 0), counted as retries and as 429s.
    server.faults.add("status", status=429, headers={"Retry-After": "0"}, times=2)
    report = tmp_path / "report.json"
    assert run(server, tmp_path, "--progress", "none", "--report", str(report)) == 3
    printed = capsys.readouterr().err.rstrip("\n")
    data = json.loads(report.read_text())
    assert report_text(data) == printed  # the same figures, from the same data

    assert (data["total"], data["succeeded"], data["failed"], data["missing"]) == (16, 13, 3, 0)
    assert data["errors"] == {"BatchInputError": 3}
    assert sorted(data["first_failed"]) == ["extra", "line-13", "no-body"]  # as they failed
    assert (data["retries"], data["rate_limited"]) == (2, 2)
    assert data["mean_rate_per_second"] == pytest.approx(16 / data["elapsed_seconds"], rel=0.01)
    models = data["models"]
    assert list(models) == [UNPRICED, "mistral-small-latest"]  # by name
    assert models["mistral-small-latest"]["requests"] == 12
    assert models["mistral-small-latest"]["cost"] > 0  # priced as mistral-small-2409
    assert models[UNPRICED] == {**models[UNPRICED], "requests": 1, "cost": None}
    assert data["cost"] == models["mistral-small-latest"]["cost"]
    assert data["cost"] == round(data["cost"], 10)  # no float noise in the file
    assert data["cost_unknown_for"] == [UNPRICED]
    assert data["prices_as_of"] == "2025-01-22"
    assert data["total_tokens"] == sum(m["total_tokens"] for m in models.values())

    assert printed.startswith("done: 13 succeeded, 3 failed in ")
    assert "failures: 3 BatchInputError" in printed
    assert f"first failed: {', '.join(data['first_failed'])}" in printed
    assert "retries: 2, 429s: 2" in printed
    assert f"{UNPRICED}: 1 reply, " in printed
    assert "mistral-small-latest: 12 replies, " in printed
    assert f"cost unknown for {UNPRICED}" in printed
    assert "(prices of 2025-01-22)" in printed


def test_a_rerun_reports_what_it_did(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(server, tmp_path, "--progress", "none") == 3
    capsys.readouterr()
    report = tmp_path / "again.json"
    assert run(server, tmp_path, "--progress", "none", "--report", str(report)) == 0
    data = json.loads(report.read_text())
    assert (data["skipped"], data["succeeded"], data["failed"]) == (16, 0, 0)
    assert data["models"] == {}
    assert data["cost"] is None
    assert "16 already done" in capsys.readouterr().err


def test_an_unwritable_report_is_an_error(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "r.json"
    assert run(server, tmp_path, "--progress", "none", "--report", str(missing)) == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_the_report_of_a_batch_api_job_names_it() -> None:
    from mistral_async import BatchFileSummary

    summary = BatchFileSummary("in", "out", 3, 0, 3, 0, elapsed=2.0, backend="batch-api",
                               job_id="job-1", job_status="SUCCESS")  # fmt: skip
    data = report_data(summary)
    assert data["job"] == {"id": "job-1", "status": "SUCCESS"}
    assert data["mean_rate_per_second"] == 1.5
    assert data["prices_as_of"] is None
    assert "batch job job-1 SUCCESS" in report_text(data)
