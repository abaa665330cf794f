"""``SyncBatchRunner``: the batch runner for blocking code, through the sync client's portal.

No logic of its own: the run is the async runner's, entered in one task on the client's loop
thread; its view, ``SyncBatchRun`` (in ``_sync.views``), moves the results across in batches. A
plain iterable input is read on the loop thread as the run takes items, so it should not block
for long (a generator over a local file is fine).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from .._core.upload import StrPath
from .._sync.views import SyncBatchRun
from .file_run import FileRunOptions, run_file
from .items import ItemInput, RunnerOptions
from .runner import BatchRunner

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
        self.runner: BatchRunner = BatchRunner(client.async_client, **options)

    def run(
        self, items: Iterable[ItemInput], *, ordered: bool = False, total: int | None = None
    ) -> SyncBatchRun:
        """Run ``items``; use the result with ``with`` and ``for`` (see ``BatchRunner.run``)."""
        return SyncBatchRun(self._client, self.runner.run(items, ordered=ordered, total=total))

    def run_file(
        self, input_path: StrPath, output_path: StrPath, **options: Unpack[FileRunOptions]
    ) -> BatchFileSummary:
        """Run a JSONL file into a JSONL file, resumably (see ``BatchRunner.run_file``)."""
        return self._client._run(run_file, self.runner, input_path, output_path, **options)
