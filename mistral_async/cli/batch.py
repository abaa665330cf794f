"""``mistral-async batch INPUT.jsonl OUTPUT.jsonl``: a JSONL batch run from the command line.

Exit status: 0 when every line succeeded, 3 when the run finished with failed (or, on the
Batch API, missing) lines, 1 on an error that stops the run (duplicate ``custom_id``s...), 130
when interrupted; rerunning the same command finishes an interrupted or partial run.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._batch.endpoints import CHAT, ENDPOINTS
from .._batch.jsonl import BACKENDS, BatchFileSummary
from .._batch.progress import ProgressPrinter

EXIT_SOME_FAILED = 3


def add_batch_parser(commands: Any) -> None:
    """Add the ``batch`` subcommand to the ``mistral-async`` parser's subcommands."""
    batch = commands.add_parser(
        "batch",
        help="run a JSONL file of Batch API requests, resumably (uses MISTRAL_API_KEY and "
        "MISTRAL_BASE_URL)",
        description='Each input line is {"custom_id": ..., "body": {...}}; each output line '
        'is {"custom_id", "response", "error"}. Rerunning the same command skips the '
        "custom_ids already in OUTPUT and finishes the rest.",
    )
    batch.add_argument("input", help="the requests, one JSON object a line")
    batch.add_argument("output", help="the results, appended (created if missing)")
    batch.add_argument("--model", default=None, help="model of the lines whose body names none")
    batch.add_argument("--endpoint", default=CHAT, choices=list(ENDPOINTS), metavar="PATH",
                       help=f"endpoint of every line (default {CHAT})")  # fmt: skip
    batch.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    batch.add_argument("--rpm", type=float, default=None, help="most requests per minute")
    batch.add_argument("--tpm", type=float, default=None, help="most tokens per minute")
    batch.add_argument("--no-adaptive", action="store_true",
                       help="do not slow down on 429s and low remaining quota")  # fmt: skip
    batch.add_argument("--max-retries", type=int, default=None,
                       help="retries per line (default: the client's, 2)")  # fmt: skip
    batch.add_argument("--ordered", action="store_true",
                       help="write results in input order (local backend)")  # fmt: skip
    batch.add_argument("--stream", action="store_true",
                       help="stream chat/FIM answers (a cut stream is retried whole)")  # fmt: skip
    batch.add_argument("--backend", choices=BACKENDS, default="local",
                       help="local: this process; batch-api: Mistral's batch service")  # fmt: skip
    batch.add_argument("--poll-interval", type=float, default=5.0,
                       help="first wait between two polls of a batch-api job (s)")  # fmt: skip
    batch.add_argument("--progress", choices=("auto", "bar", "lines", "none"), default="auto",
                       help="a bar on a terminal, plain lines otherwise (auto)")  # fmt: skip
    batch.add_argument("--progress-every", type=float, default=10.0, metavar="SECONDS",
                       help="seconds between two plain progress lines (10)")  # fmt: skip


def run_batch_command(args: argparse.Namespace) -> int:
    import anyio

    if args.ordered and args.backend != "local":
        print("error: --ordered works with the local backend only", file=sys.stderr)
        return 2
    written: list[BatchFileSummary] = []
    try:
        anyio.run(_run, args, written)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {args.output} holds the results so far; rerun the same command "
            "to finish",
            file=sys.stderr,
        )
        return 130
    summary = written[0]
    print(_summary_line(summary), file=sys.stderr)
    return EXIT_SOME_FAILED if summary.failed or summary.missing else 0


async def _run(args: argparse.Namespace, written: list[BatchFileSummary]) -> None:
    from .._batch.file_run import run_file
    from .._batch.runner import BatchRunner
    from .._core.client import AsyncMistral

    on_progress = None
    interval = 1.0
    if args.progress != "none":
        tty = {"bar": True, "lines": False}.get(args.progress)
        printer = ProgressPrinter(interval=args.progress_every, tty=tty)
        on_progress = printer
        interval = 0.25 if printer.tty else 1.0
    async with AsyncMistral() as client:
        runner = BatchRunner(
            client,
            endpoint=args.endpoint,
            model=args.model,
            concurrency=args.concurrency,
            requests_per_minute=args.rpm,
            tokens_per_minute=args.tpm,
            adaptive=not args.no_adaptive,
            max_retries=args.max_retries,
            stream=args.stream,
            on_progress=on_progress,
            progress_interval=interval,
        )
        written.append(
            await run_file(
                runner,
                args.input,
                args.output,
                ordered=args.ordered,
                backend=args.backend,
                poll_interval=args.poll_interval,
            )
        )


def _summary_line(summary: BatchFileSummary) -> str:
    parts = [f"{summary.succeeded} succeeded", f"{summary.failed} failed"]
    if summary.skipped:
        parts.append(f"{summary.skipped} already done")
    if summary.missing:
        parts.append(f"{summary.missing} without a result (rerun to send them again)")
    tokens = summary.prompt_tokens + summary.completion_tokens
    text = f"done: {', '.join(parts)} in {summary.elapsed:.1f} s; {tokens} tokens"
    if summary.cost is not None:
        text += f", ~${summary.cost:.4f}"
    if summary.job_id:
        text += f"; batch job {summary.job_id} {summary.job_status}"
    return f"{text} -> {summary.output}"
