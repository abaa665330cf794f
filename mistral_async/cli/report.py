"""The end of a ``mistral-async batch`` run: its summary, printed, and as JSON (``--report``).

Both come from one dict, :func:`report_data`, so the file holds exactly the printed figures:
the counts, failures per error type and the first failed ids, tokens and estimated cost per
model (and the models whose cost is unknown), retries and 429s, and the mean rate.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

from .._batch.jsonl import BatchFileSummary
from ..usage import format_cost

REPORT_VERSION = 1
"""Bumped when a field of the JSON report changes meaning or goes away."""


def report_data(summary: BatchFileSummary, prices_as_of: date | None = None) -> dict[str, Any]:
    """The run's figures as JSON-ready data (the ``--report`` file's content)."""
    tokens = summary.prompt_tokens + summary.completion_tokens
    return {
        "report_version": REPORT_VERSION,
        "input": summary.input,
        "output": summary.output,
        "backend": summary.backend,
        "job": {"id": summary.job_id, "status": summary.job_status} if summary.job_id else None,
        "total": summary.total,
        "skipped": summary.skipped,
        "succeeded": summary.succeeded,
        "failed": summary.failed,
        "missing": summary.missing,
        "elapsed_seconds": round(summary.elapsed, 6),
        "mean_rate_per_second": round(summary.rate, 3),
        "retries": summary.retries,
        "rate_limited": summary.rate_limited,
        "errors": dict(sorted(summary.errors.items(), key=lambda item: (-item[1], item[0]))),
        "first_failed": list(summary.first_failed),
        "prompt_tokens": summary.prompt_tokens,
        "completion_tokens": summary.completion_tokens,
        "total_tokens": tokens,
        "cost": summary.cost,
        "cost_unknown_for": list(summary.unpriced_models),
        "prices_as_of": prices_as_of.isoformat() if prices_as_of else None,
        "models": {
            name: {
                "requests": used.requests,
                "prompt_tokens": used.prompt_tokens,
                "completion_tokens": used.completion_tokens,
                "total_tokens": used.total_tokens,
                "cost": used.cost,
            }
            for name, used in sorted(summary.by_model.items())
        },
    }


def report_text(data: dict[str, Any]) -> str:
    """The printed summary of :func:`report_data`'s figures, a few lines."""
    parts = [f"{data['succeeded']} succeeded", f"{data['failed']} failed"]
    if data["skipped"]:
        parts.append(f"{data['skipped']} already done")
    if data["missing"]:
        parts.append(f"{data['missing']} without a result (rerun to send them again)")
    head = (
        f"done: {', '.join(parts)} in {data['elapsed_seconds']:.1f} s "
        f"({data['mean_rate_per_second']:.1f}/s)"
    )
    if data["job"]:
        head += f"; batch job {data['job']['id']} {data['job']['status']}"
    lines = [f"{head} -> {data['output']}"]
    if data["errors"]:
        kinds = ", ".join(f"{count} {kind}" for kind, count in data["errors"].items())
        lines.append(f"  failures: {kinds}")
        shown = ", ".join(data["first_failed"])
        more = " ..." if data["failed"] > len(data["first_failed"]) else ""
        lines.append(f"  first failed: {shown}{more}")
    if data["retries"] or data["rate_limited"]:
        lines.append(f"  retries: {data['retries']}, 429s: {data['rate_limited']}")
    for name, used in data["models"].items():
        lines.append(
            f"  {name}: {_replies(used['requests'])}, {_tokens(used)}, "
            + (f"~{format_cost(used['cost'])}" if used["cost"] is not None else "cost unknown")
        )
    total = f"  total: {_tokens(data)}"
    if data["cost"] is not None:
        total += f", ~{format_cost(data['cost'])}"
        if data["prices_as_of"]:
            total += f" (prices of {data['prices_as_of']})"
    if data["cost_unknown_for"]:
        total += f"; cost unknown for {', '.join(data['cost_unknown_for'])}"
    lines.append(total)
    return "\n".join(lines)


def _replies(count: int) -> str:
    return f"{count} repl{'y' if count == 1 else 'ies'}"


def _tokens(figures: dict[str, Any]) -> str:
    return (
        f"{figures['total_tokens']:,} tokens ({figures['prompt_tokens']:,} prompt, "
        f"{figures['completion_tokens']:,} completion)"
    )


def write_report(path: str, data: dict[str, Any]) -> None:
    """Write the JSON report whole or not at all (a temporary file, then renamed)."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)
