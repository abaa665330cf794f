"""A JSONL file run on either backend: the one place that chooses between them.

Both backends begin the same way (the input scanned for duplicate ``custom_id``s and counted,
the output for the lines an earlier run wrote: see :mod:`.jsonl`) and end the same way, with
the :class:`~.jsonl.BatchFileSummary` made here from their last progress snapshot. ``local``
runs the lines on the in-process runner (:mod:`.runner`), ``batch-api`` on Mistral's batch
service (:mod:`.batch_api`). Sitting above both, this module keeps them from importing each
other: ``BatchRunner.run_file``, ``SyncBatchRunner.run_file`` and the command line come here.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, cast

import anyio
from typing_extensions import TypedDict

from .._core.errors import ArgumentError, BatchInputError
from .._core.upload import StrPath
from .batch_api import run_remote
from .jsonl import (
    BACKENDS,
    Backend,
    BatchFileSummary,
    ResultWriter,
    read_items,
    resume_scan,
    scan_input,
)
from .progress import BatchProgress
from .tally import summary_figures

if TYPE_CHECKING:
    from .runner import BatchRunner


class FileRunOptions(TypedDict, total=False):
    """The options of a file run (``run_file``), besides its two paths."""

    ordered: bool
    """Write the results in input order (local backend; default False)."""
    backend: Backend
    """``"local"``: this process (the default); ``"batch-api"``: Mistral's batch service."""
    poll_interval: float
    """Seconds before the first poll of a Batch API job (default 5; the wait then grows)."""


def _path(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise ArgumentError(name, f"must be a str or os.PathLike, got {type(value).__name__}")
    return os.fsdecode(cast("StrPath", value))


async def run_file(
    runner: BatchRunner,
    input_path: StrPath,
    output_path: StrPath,
    *,
    ordered: bool = False,
    backend: Backend = "local",
    poll_interval: float = 5.0,
) -> BatchFileSummary:
    """Run the lines of ``input_path`` not yet in ``output_path`` with ``runner``'s options;
    see ``BatchRunner.run_file``."""
    if backend not in BACKENDS:
        raise BatchInputError(f"unknown backend {backend!r} (one of {', '.join(BACKENDS)})")
    # One spelling from here on: both backends join paths to names of their own files.
    input_path = _path("input_path", input_path)
    output_path = _path("output_path", output_path)
    ids = await anyio.to_thread.run_sync(scan_input, input_path)
    done = await anyio.to_thread.run_sync(resume_scan, output_path)
    total = len(ids)
    skipped = sum(1 for custom_id in ids if custom_id in done)
    job_id = job_status = None
    if backend == "batch-api":
        last, job = await run_remote(
            runner,
            input_path,
            output_path,
            total=total,
            done=done,
            skipped=skipped,
            poll_interval=poll_interval,
        )
        if job is not None:
            job_id, job_status = job.id, job.status
    else:
        last = await _run_local(runner, input_path, output_path, done, total, skipped, ordered)
    return BatchFileSummary(
        input=input_path,
        output=output_path,
        total=total,
        skipped=skipped,
        elapsed=last.elapsed,
        backend=backend,
        job_id=job_id,
        job_status=job_status,
        **summary_figures(last),
    )


async def _run_local(
    runner: BatchRunner,
    input_path: str,
    output_path: str,
    done: Collection[str],
    total: int,
    skipped: int,
    ordered: bool,
) -> BatchProgress:
    """The lines not in ``done``, through the in-process runner, appended to the output."""
    writer = ResultWriter(output_path)
    try:
        run = runner.run(read_items(input_path, done), ordered=ordered, total=total)
        run.skipped = skipped
        async with run:
            async for result in run:
                writer.write(result.to_record())
                await writer.sync_now_and_then()
    finally:
        await writer.aclose()
    return run.progress
