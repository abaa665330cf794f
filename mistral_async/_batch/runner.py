"""The in-process batch runner: many requests on one client, nothing lost, memory bounded.

Shape of a run (one task group, entered by ``async with runner.run(items)``)::

    input ──► feeder ──(channel, no buffer)──► N workers ──► results channel ──► caller
                 │ ordered: waits until the              │ pacer: wait for the budget,
                 │ reorder window admits the item        │ send, retry, settle the tokens
                 └─ an item refused up front (bad body) goes straight to the results

- The input is pulled lazily: the feeder takes item ``i + 1`` only once a worker has taken
  item ``i``, so at most ``concurrency + 1`` items are out of the input and not yet finished,
  plus, in input order, at most ``reorder_limit`` finished results waiting for an earlier one
  (see :mod:`.reorder`). A slow consumer blocks the workers: back-pressure, not growth.
- Each item goes through the SDK's resource method for its endpoint with ``max_retries=0``; the
  runner retries it itself, with its retry policy (its ``retry``, else the client's), so
  that every attempt passes through the pacer and every 429 slows the whole run
  (:mod:`.pacing`). A stream cut mid-way (``stream=True``) is retried as a whole item:
  nobody has seen its partial answer.
- A failed item never stops the run: after its retries it is a result with its typed error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncGenerator, AsyncIterable, Iterable, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from typing_extensions import Self, Unpack

from .._core.checks import check_optional_int, check_optional_number, check_text
from .._core.errors import ArgumentError, RateLimitError
from .._core.json_values import is_mapping
from .._core.limits import RateLimitInfo
from .._core.options import RequestOptions
from .._core.retry import (
    RetryPolicy,
    check_retry_options,
    next_delay,
    resolve_policy,
    retry_after_seconds,
)
from .._core.upload import StrPath
from .._core.validate import validate_options
from ..types._base import ResponseModel
from .endpoints import CHAT, Endpoint, body_arguments, endpoint, usage_of
from .items import (
    BatchItem,
    BatchResult,
    InvalidItem,
    ItemInput,
    RunnerOptions,
)
from .pacing import Pacer, RateMeter
from .progress import BatchProgress, ProgressCallback, cost_function, report
from .reorder import ReorderBuffer
from .tally import Tally
from .tokens import TokenEstimate, TokenEstimator

if sys.version_info < (3, 11):  # pragma: no cover - the backport anyio installs there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found, unused-ignore]

if TYPE_CHECKING:
    from .._core.client import AsyncMistral
    from .file_run import FileRunOptions
    from .jsonl import BatchFileSummary

# The pacer's clock. Sleeps are relative, so any monotonic clock does; this one costs no
# event loop lookup (a run reads it several times an item) and is readable from any thread.
_now = time.monotonic

DEFAULT_CONCURRENCY: Final = 16
_ITEM_KEYS = frozenset({"custom_id", "body", "endpoint"})


@dataclass
class _Job:
    index: int
    custom_id: str
    endpoint: Endpoint
    arguments: dict[str, Any]
    estimate: TokenEstimate | None
    """Made only when the run keeps a tokens-per-minute budget."""


class BatchRunner:
    """Runs many requests on one client with bounded concurrency, pacing and retries.

    ::

        runner = BatchRunner(client, model="mistral-small-latest", concurrency=32,
                             requests_per_minute=600)
        async with runner.run(items) as results:
            async for result in results:          # as they complete
                print(result.custom_id, result.response or result.error)

    See :class:`RunnerOptions` for the options. A runner may run several batches, one after
    the other or at once; each run has its own pacing and progress.
    """

    def __init__(self, client: AsyncMistral, **options: Unpack[RunnerOptions]) -> None:
        unknown = set(options) - set(RunnerOptions.__annotations__)
        if unknown:
            raise ArgumentError(sorted(unknown)[0], "unknown runner option")
        self.client = client
        self.endpoint: Endpoint = endpoint(options.get("endpoint", CHAT))
        self.model: str | None = options.get("model")
        concurrency = check_optional_int("concurrency", options.get("concurrency"), 1)
        self.concurrency: int = DEFAULT_CONCURRENCY if concurrency is None else concurrency
        self.requests_per_minute: float | None = check_optional_number(
            "requests_per_minute", options.get("requests_per_minute")
        )
        self.tokens_per_minute: float | None = check_optional_number(
            "tokens_per_minute", options.get("tokens_per_minute")
        )
        self.adaptive: bool = bool(options.get("adaptive", True))
        self.max_retries: int | None = check_optional_int("max_retries", options.get("max_retries"))
        self.stream: bool = bool(options.get("stream", False))
        if self.stream and self.endpoint.stream is None:
            raise ArgumentError("stream", f"{self.endpoint.path} does not stream")
        limit = check_optional_int("reorder_limit", options.get("reorder_limit"), 1)
        self.reorder_limit: int = limit if limit is not None else 4 * self.concurrency
        self.on_progress: ProgressCallback | None = options.get("on_progress")
        self.progress_interval: float = (
            check_optional_number("progress_interval", options.get("progress_interval")) or 1.0
        )
        retry = options.get("retry")
        check_retry_options(retry, self.max_retries)
        request_options = dict(options.get("request_options") or {})
        # The runner retries each item itself (see the module): these set its policy instead.
        request_options.pop("max_retries", None)
        call_retry: RetryPolicy | None = request_options.pop("retry", None)  # type: ignore[assignment]
        check_retry_options(call_retry, None)
        validate_options(request_options)  # type: ignore[arg-type]
        self.request_options = request_options
        self.retry: RetryPolicy | None = retry if retry is not None else call_retry
        """The runner's policy, if it has its own (else the client's, with ``max_retries``)."""

    def run(
        self,
        items: Iterable[ItemInput] | AsyncIterable[ItemInput],
        *,
        ordered: bool = False,
        total: int | None = None,
    ) -> BatchRun:
        """Run ``items``; use the result with ``async with`` and ``async for``.

        :param ordered: yield results in input order instead of as they complete.
        :param total: the number of items, for progress and ETA (taken from ``len(items)``
            when the input has one).
        """
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        return BatchRun(self, items, ordered=ordered, total=total)

    async def run_file(
        self, input_path: StrPath, output_path: StrPath, **options: Unpack[FileRunOptions]
    ) -> BatchFileSummary:
        """Run a JSONL file of Batch API lines into a JSONL file of results, resumably.

        Lines already in ``output_path`` (by ``custom_id``) are skipped, so rerunning after
        an interruption finishes the rest. ``backend="batch-api"`` runs the lines on Mistral's
        batch service instead (upload, job, poll, download) and writes the same output.
        Options: ``ordered`` (False), ``backend`` (``"local"``), ``poll_interval`` (5 s).
        """
        # Imported here: the file run sits above this runner and uses it.
        from .file_run import run_file

        return await run_file(self, input_path, output_path, **options)

    def _policy(self) -> RetryPolicy:
        if self.retry is not None:
            return resolve_policy(self.retry, None, self.max_retries)
        options: RequestOptions = {}
        if self.max_retries is not None:
            options["max_retries"] = self.max_retries
        return self.client._policy(options)


class BatchRun:
    """One run of a :class:`BatchRunner`: an async context manager, then an async iterator of
    :class:`BatchResult`. Leaving the ``async with`` early cancels the items in flight."""

    def __init__(
        self,
        runner: BatchRunner,
        items: Iterable[ItemInput] | AsyncIterable[ItemInput],
        *,
        ordered: bool,
        total: int | None,
    ) -> None:
        self._runner = runner
        self._items = items
        self._total = total
        self._reorder: ReorderBuffer[BatchResult] | None = (
            ReorderBuffer(runner.reorder_limit) if ordered else None
        )
        self._estimator = TokenEstimator()
        self._pacer: Pacer | None = None
        self._policy = runner._policy()
        self._group: anyio.abc.TaskGroup | None = None
        self._results: MemoryObjectReceiveStream[BatchResult] | None = None
        # Made on entering, in the event loop: the blocking runner builds a run outside one.
        self._ticker: anyio.CancelScope | None = None
        self._head_moved: anyio.Event | None = None
        self._order_lock: anyio.Lock | None = None
        self._input_error: Exception | None = None
        self._finished = False
        # progress
        self._started_at = 0.0
        self._meter = RateMeter()
        self._tally = Tally(price=cost_function(runner.client))
        self._in_flight = self._retries = 0
        self.skipped = 0
        """Items the caller left out before the run (shown in progress; set by file runs)."""

    # -- the caller's side -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._group is not None:
            raise RuntimeError("A BatchRun can be entered once; call runner.run() again.")
        now = _now()
        self._started_at = time.monotonic()
        runner = self._runner
        self._pacer = Pacer(
            requests_per_minute=runner.requests_per_minute,
            tokens_per_minute=runner.tokens_per_minute,
            adaptive=runner.adaptive,
            now=now,
        )
        send, self._results = anyio.create_memory_object_stream[BatchResult](runner.concurrency)
        self._ticker = anyio.CancelScope()
        self._head_moved = anyio.Event()
        self._order_lock = anyio.Lock()
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self._produce, send)
        if runner.on_progress is not None:
            group.start_soon(self._tick, runner.on_progress)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._group is not None
        assert self._results is not None
        if not self._finished:
            self._group.cancel_scope.cancel()
        try:
            return await self._group.__aexit__(exc_type, exc, tb)
        except BaseExceptionGroup as group:  # pyright: ignore[reportUnknownVariableType]
            # The caller's own error, raised in the `async with` body: give it back as it is,
            # not wrapped in a group of one (our tasks do not fail on their own).
            if exc is not None and list(group.exceptions) == [exc]:  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
                raise exc from exc.__cause__
            raise
        finally:
            self._results.close()

    def __aiter__(self) -> Self:
        if self._results is None:
            raise RuntimeError("Use `async with runner.run(items) as results:` to iterate.")
        return self

    async def __anext__(self) -> BatchResult:
        assert self._results is not None
        try:
            try:
                return self._results.receive_nowait()
            except anyio.WouldBlock:
                return await self._results.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            error, self._input_error = self._input_error, None
            if error is not None:
                raise error from None
            raise StopAsyncIteration from None

    @property
    def progress(self) -> BatchProgress:
        """Where the run stands now."""
        pacer = self._pacer
        # Readable from any thread (the blocking runner's caller has no event loop).
        now = time.monotonic()
        pace = pacer.snapshot(now) if pacer else None
        return self._tally.progress(
            in_flight=self._in_flight,
            total=self._total,
            skipped=self.skipped,
            retries=self._retries,
            rate_limited=pace.rate_limited if pace else 0,
            elapsed=now - self._started_at if pacer is not None else 0.0,
            rate=self._meter.rate(now),
            requests_per_minute=pace.requests_per_minute if pace else None,
            finished=self._finished,
        )

    # -- production ----------------------------------------------------------------------

    async def _produce(self, results: MemoryObjectSendStream[BatchResult]) -> None:
        runner = self._runner
        jobs_send, jobs_receive = anyio.create_memory_object_stream[_Job](0)
        async with results:
            async with anyio.create_task_group() as group:
                for _ in range(runner.concurrency):
                    group.start_soon(self._work, jobs_receive.clone(), results)
                jobs_receive.close()
                await self._feed(jobs_send, results)
            self._finished = True
            if self._ticker is not None:
                self._ticker.cancel()
            if runner.on_progress is not None:
                report(runner.on_progress, self.progress)

    async def _tick(self, callback: ProgressCallback) -> None:
        assert self._ticker is not None
        with self._ticker:
            while True:
                await anyio.sleep(self._runner.progress_interval)
                report(callback, self.progress)

    async def _feed(
        self, jobs: MemoryObjectSendStream[_Job], results: MemoryObjectSendStream[BatchResult]
    ) -> None:
        async with jobs:
            index = 0
            async with aclosing(self._pull()) as items:
                async for item in items:
                    if self._reorder is not None:
                        while not self._reorder.admits(index):
                            assert self._head_moved is not None
                            await self._head_moved.wait()
                    prepared = self._prepare(index, item)
                    if isinstance(prepared, BatchResult):
                        await self._deliver(prepared, results)
                    else:
                        await jobs.send(prepared)
                    index += 1

    async def _pull(self) -> AsyncGenerator[ItemInput, None]:
        """The input, one item at a time; an error from the input ends the run after the
        items already taken have finished, and is raised to the caller then."""
        items = self._items
        if isinstance(items, AsyncIterable):
            iterator = items.__aiter__()
            try:
                while True:
                    try:
                        item = await iterator.__anext__()
                    except StopAsyncIteration:
                        return
                    except Exception as exc:
                        self._input_error = exc
                        return
                    yield item
            finally:
                aclose = getattr(iterator, "aclose", None)
                if aclose is not None:
                    with anyio.CancelScope(shield=True):
                        await aclose()
        else:
            sync_iterator: Iterator[ItemInput] = iter(items)
            while True:
                try:
                    item = next(sync_iterator)
                except StopIteration:
                    return
                except Exception as exc:
                    self._input_error = exc
                    return
                yield item

    def _prepare(self, index: int, item: Any) -> _Job | BatchResult:
        """The job for an input item, or its failed result if it cannot be sent."""
        runner = self._runner
        if isinstance(item, InvalidItem):
            return BatchResult(
                item.custom_id, index, error=item.error, endpoint=runner.endpoint.path
            )
        given_id: Any = None
        path: Any = None
        try:
            if isinstance(item, BatchItem):
                body, given_id, path = item.body, item.custom_id, item.endpoint
            elif is_mapping(item) and "body" in item:
                body, given_id, path = item["body"], item.get("custom_id"), item.get("endpoint")
                unknown = sorted(str(key) for key in item if key not in _ITEM_KEYS)
                if unknown:
                    raise ArgumentError(
                        unknown[0], "unknown item field (custom_id, body, endpoint)"
                    )
            elif is_mapping(item):
                body = item
            else:
                raise ArgumentError("item", f"must be a BatchItem or a mapping, not {item!r:.80}")
            if given_id is not None:
                check_text("custom_id", given_id)
            target = runner.endpoint if path is None else endpoint(path)
            arguments = body_arguments(target, body, runner.model)
        except ArgumentError as exc:
            custom_id = given_id if isinstance(given_id, str) and given_id else str(index)
            known_path = path if isinstance(path, str) else runner.endpoint.path
            return BatchResult(custom_id, index, error=exc, endpoint=known_path)
        estimate = None
        if self._pacer is not None and self._pacer.counts_tokens:
            estimate = self._estimator.estimate(body, generates=target.generates)
        return _Job(index, given_id or str(index), target, arguments, estimate)

    async def _work(
        self, jobs: MemoryObjectReceiveStream[_Job], results: MemoryObjectSendStream[BatchResult]
    ) -> None:
        async with jobs:
            async for job in jobs:
                self._in_flight += 1
                try:
                    result = await self._execute(job)
                finally:
                    self._in_flight -= 1
                await self._deliver(result, results)

    async def _deliver(
        self, result: BatchResult, results: MemoryObjectSendStream[BatchResult]
    ) -> None:
        self._count(result)
        if self._reorder is None:
            await _send(results, result)
            return
        assert self._order_lock is not None
        assert self._head_moved is not None
        async with self._order_lock:
            released = self._reorder.add(result.index, result)
            for ready in released:
                await _send(results, ready)
        if released:
            self._head_moved.set()
            self._head_moved = anyio.Event()

    def _count(self, result: BatchResult) -> None:
        self._meter.add(time.monotonic())
        error = type(result.error).__name__ if result.error is not None else None
        model = getattr(result.response, "model", None)
        self._tally.add(result.ok, result.usage, model, custom_id=result.custom_id, error=error)

    # -- one item ------------------------------------------------------------------------

    async def _execute(self, job: _Job) -> BatchResult:
        pacer = self._pacer
        assert pacer is not None
        runner = self._runner
        arguments = {**runner.request_options, **job.arguments, "max_retries": 0}
        tokens = job.estimate.total if job.estimate is not None else 0
        retries = 0
        while True:
            reservation = pacer.reserve(tokens, _now())
            # The wait is asked again after each sleep: the pace may have changed meanwhile.
            while (wait := pacer.delay(reservation, _now())) > 0:  # noqa: ASYNC110
                await anyio.sleep(wait)
            sent_at = _now()
            try:
                response = await self._send(job.endpoint, arguments)
            except Exception as exc:
                now = _now()
                pacer.cancel(tokens, now)
                if isinstance(exc, RateLimitError):
                    pacer.on_rate_limited(
                        retry_after_seconds(exc.headers),
                        sent_at,
                        now,
                        RateLimitInfo.from_headers(exc.headers),
                    )
                delay = next_delay(exc, retries, self._policy)
                if delay is None:
                    return BatchResult(
                        job.custom_id,
                        job.index,
                        error=exc,
                        retries=retries,
                        endpoint=job.endpoint.path,
                    )
                retries += 1
                self._retries += 1
                await anyio.sleep(delay)
                continue
            now = _now()
            usage = usage_of(response)
            if usage is not None:
                pacer.correct_tokens(tokens, usage.total_tokens or tokens, now)
                if job.estimate is not None:
                    self._estimator.observe(
                        job.estimate, usage.prompt_tokens, usage.completion_tokens
                    )
            pacer.on_success(response.response_info.rate_limit, now, sent_at)
            return BatchResult(
                job.custom_id,
                job.index,
                response=response,
                retries=retries,
                usage=usage,
                endpoint=job.endpoint.path,
            )

    async def _send(self, target: Endpoint, arguments: dict[str, Any]) -> ResponseModel:
        client = self._runner.client
        if self._runner.stream and target.stream is not None:
            async with target.stream(client, arguments) as stream:
                return await stream.get_final_completion()
        return await target.call(client, arguments)


async def _send(stream: MemoryObjectSendStream[BatchResult], result: BatchResult) -> None:
    """Send without a checkpoint when the buffer has room (the workers yield at every request
    anyway); wait for room otherwise."""
    try:
        stream.send_nowait(result)
    except anyio.WouldBlock:
        await stream.send(result)
