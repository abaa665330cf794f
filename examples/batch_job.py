"""A concurrent batch job over a JSONL file, with progress, that resumes where it stopped.

Run it::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/batch_job.py requests.jsonl results.jsonl --concurrency 16

``requests.jsonl`` holds one Batch API line per request, ``{"custom_id": "...", "body":
{"messages": [...]}}``; if it does not exist, a sample of ``--sample`` questions is written
first. Each result is appended to ``results.jsonl`` as one whole line the moment it arrives.

Stop it any way you like (Ctrl-C, ``kill -9``, a crash, a reboot) and run the same command
again: every ``custom_id`` already in ``results.jsonl`` is skipped, a half-written last line
is cut off and redone, and the rest is sent. Nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import anyio

from mistral_async import AsyncMistral, BatchRunner, ProgressPrinter

MODEL = "mistral-small-latest"


def write_sample(path: str, count: int) -> None:
    """Write ``count`` sample requests to ``path``, whole or not at all."""
    temporary = f"{path}.partial"
    with open(temporary, "w", encoding="utf-8") as file:
        for number in range(count):
            line = {
                "custom_id": f"question-{number:04d}",
                "body": {
                    "messages": [
                        {
                            "role": "user",
                            "content": f"In one sentence: a fact about number {number}.",
                        }
                    ],
                    "max_tokens": 64,
                },
            }
            file.write(json.dumps(line) + "\n")
    # A rename is atomic: a run stopped while writing never leaves a truncated input behind,
    # which a rerun would take for the whole job.
    os.replace(temporary, path)


async def run(input_path: str, output_path: str, concurrency: int) -> bool:
    """Run the lines of the input not yet in the output; True if every line has succeeded."""
    async with AsyncMistral() as client:
        runner = BatchRunner(
            client,
            model=MODEL,  # for the lines whose body names no model
            concurrency=concurrency,
            # A bar redrawn in place on a terminal; plain lines every second in a log.
            on_progress=ProgressPrinter(interval=1.0),
            progress_interval=0.5,
        )
        summary = await runner.run_file(input_path, output_path)
    print(
        f"{summary.total} requests: {summary.skipped} done by an earlier run, "
        f"{summary.succeeded} succeeded, {summary.failed} failed, {summary.missing} missing "
        f"({summary.prompt_tokens + summary.completion_tokens} tokens, {summary.elapsed:.1f} s)"
    )
    # Failed lines are in the output with their error; rerunning does not retry them
    # (delete those lines first to try them again).
    return summary.failed == 0 and summary.missing == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("input", help="the requests, one JSON line each")
    parser.add_argument("output", help="the results; appended to, and read to resume")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--sample", type=int, default=100, help="sample size, if no input")
    args = parser.parse_args()
    if not os.path.exists(args.input):
        write_sample(args.input, args.sample)
        print(f"wrote {args.sample} sample requests to {args.input}")
    try:
        ok = anyio.run(run, args.input, args.output, args.concurrency)
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl-C. (On Python 3.10 the asyncio runner reports it as the main task's
        # cancellation: a 3.10 task cannot tell an interrupt's cancellation from another's.)
        # Every result received so far is in the output already.
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
