"""``SyncBatchRunner``: the batch runner for blocking code, through the sync client's portal.

No logic of its own: the run is the async runner's, entered in one task on the client's loop
thread; results are moved across one by one. A plain iterable input is read on the loop thread
as the run takes items, so it should not block for long (a generator over a local file is fine).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING

from typing_extensions import Self, Unpack

from .file_run import FileRunOptions, run_file
from .items import BatchResult, ItemInput, RunnerOptions
from .progress import BatchProgress
from .runner import BatchRun, BatchRunner

if TYPE_CHECKING:
    from .._sync.client import Mistral
    from .jsonl import BatchFileSummary


class SyncBatchRunner:
    """The blocking form of :class:`BatchRunner`, on a ``Mistral`` client; same options::

    runner = SyncBatchRunner(client, model="mistral-small-latest", concurrency=16)
    with runner.run(items) as results:
        for result in results:
            ...
    """

    def __init__(self, client: Mistral, **options: Unpack[RunnerOptions]) -> None:
        self._client = client
        self.runner = BatchRunner(client.async_client, **options)

    def run(
        self, items: Iterable[ItemInput], *, ordered: bool = False, total: int | None = None
    ) -> SyncBatchRun:
        """Run ``items``; use the result with ``with`` and ``for`` (see ``BatchRunner.run``)."""
        return SyncBatchRun(self._client, self.runner.run(items, ordered=ordered, total=total))

    def run_file(
        self, input_path: str, output_path: str, **options: Unpack[FileRunOptions]
    ) -> BatchFileSummary:
        """Run a JSONL file into a JSONL file, resumably (see ``BatchRunner.run_file``)."""
        return self._client._run(run_file, self.runner, input_path, output_path, **options)


class SyncBatchRun:
    """A blocking view of a :class:`BatchRun`: ``with``, then ``for``."""

    def __init__(self, client: Mistral, inner: BatchRun) -> None:
        self._client = client
        self._inner = inner
        self._entered: AbstractContextManager[BatchRun] | None = None

    def __enter__(self) -> Self:
        if self._entered is not None:
            raise RuntimeError("A SyncBatchRun can be entered once; call runner.run() again.")
        self._entered = self._client._enter(self._inner)
        self._entered.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._entered is not None
        return self._entered.__exit__(exc_type, exc, tb)

    def __iter__(self) -> Iterator[BatchResult]:
        if self._entered is None:
            raise RuntimeError("Use `with runner.run(items) as results:` to iterate.")
        return self._client._iterate(self._inner)

    @property
    def progress(self) -> BatchProgress:
        return self._inner.progress
