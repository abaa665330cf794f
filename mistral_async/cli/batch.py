"""``mistral-async batch INPUT.jsonl OUTPUT.jsonl``: a JSONL batch run from the command line.

Exit status: 0 when every line succeeded, 3 when the run finished with failed (or, on the
Batch API, missing) lines, 1 on an error that stops the run (duplicate ``custom_id``s...), 130
when interrupted; rerunning the same command finishes an interrupted or partial run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from .._batch.endpoints import CHAT, ENDPOINTS
from .._batch.jsonl import BACKENDS, BatchFileSummary
from .._batch.progress import ProgressPrinter
from .report import report_data, report_text, write_report

EXIT_SOME_FAILED = 3


def add_batch_parser(commands: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Add the ``batch`` subcommand to the ``mistral-async`` parser's subcommands."""
    batch = commands.add_parser(
        "batch",
        parents=list(parents),
        help="run a JSONL file of Batch API requests, resumably",
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
    batch.add_argument("--report", default=None, metavar="FILE.json",
                       help="also write the end-of-run summary to this file, as JSON")  # fmt: skip


def run_batch_command(args: argparse.Namespace) -> int:
    import anyio

    if args.ordered and args.backend != "local":
        print("error: --ordered works with the local backend only", file=sys.stderr)
        return 2
    written: list[tuple[BatchFileSummary, date | None]] = []
    try:
        anyio.run(_run, args, written)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {args.output} holds the results so far; rerun the same command "
            "to finish",
            file=sys.stderr,
        )
        return 130
    summary, prices_as_of = written[0]
    data = report_data(summary, prices_as_of)
    print(report_text(data), file=sys.stderr)
    if args.report:
        try:
            write_report(args.report, data)
        except OSError as exc:
            print(f"error: cannot write the report {args.report}: {exc}", file=sys.stderr)
            return 1
    return EXIT_SOME_FAILED if summary.failed or summary.missing else 0


async def _run(
    args: argparse.Namespace, written: list[tuple[BatchFileSummary, date | None]]
) -> None:
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
    async with AsyncMistral(api_key=args.api_key, base_url=args.base_url) as client:
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
        summary = await run_file(
            runner,
            args.input,
            args.output,
            ordered=args.ordered,
            backend=args.backend,
            poll_interval=args.poll_interval,
        )
        tracker = client.usage_tracker
        written.append((summary, tracker.prices_as_of if tracker is not None else None))
