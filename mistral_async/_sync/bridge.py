"""The one way a blocking thread iterates an async iterable of the portal's loop.

A call across the portal costs about 100 µs of CPU (a task on the loop, and a wake-up of each
thread), several times what the async core spends on a chunk. So for an event stream, whose
chunks are on their way anyway, a task on the loop reads ahead into a small buffer, and each call
across takes one chunk, waiting for it if need be, plus whatever else is buffered by then. When
chunks arrive one at a time, as a model writes them, the batches are single chunks and nothing
changes; when they arrive faster than the thread reads them, up to ``size`` are read ahead.

With ``size=0`` nothing is read before it is asked for: each call across takes exactly the next
item. That is for iterators whose next item is work the caller may not want (a paginator's next
page is a request, a tool run's next step a model call and tool calls).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

import anyio
from anyio.abc import TaskStatus

from .._core.errors import ClientClosedError
from .._core.runtime import running_async_library
from .portal import STOP_TIMEOUT

if TYPE_CHECKING:
    from .portal import PortalThread

T = TypeVar("T")


class _OnDemand(Generic[T]):
    """The loop side for ``size=0``: each call across advances the iterator by one item."""

    def __init__(self, iterator: AsyncIterator[T]) -> None:
        self._iterator = iterator

    def start(self, portal: PortalThread) -> None:
        pass

    async def take(self) -> list[T]:
        """The next item; ``[]`` at the end."""
        try:
            return [await self._iterator.__anext__()]
        except StopAsyncIteration:
            return []

    async def stop(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            await aclose()


class _ReadAhead(Generic[T]):
    """The loop side for ``size > 0``: the pump task and what the blocking side calls across
    the portal."""

    def __init__(self, iterator: AsyncIterator[T], size: int) -> None:
        self._iterator = iterator
        self._send, self._receive = anyio.create_memory_object_stream[T](size)
        self._error: BaseException | None = None
        self._scope: anyio.CancelScope | None = None
        self._done: anyio.Event | None = None
        self._cancelled = False

    def start(self, portal: PortalThread) -> None:
        portal.start_task(self.pump)
        portal.register(self)  # stop() cancels a pump still running, rather than wait for it

    async def pump(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        self._done = anyio.Event()
        try:
            with anyio.CancelScope() as self._scope:
                task_status.started()
                async with self._send:  # closed at the end: the blocking side then stops
                    async for item in self._iterator:
                        try:
                            self._send.send_nowait(item)
                        except anyio.WouldBlock:
                            await self._send.send(item)
        except Exception as exc:
            self._error = exc  # raised on the blocking side, after the chunks before it
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(STOP_TIMEOUT):
                aclose = getattr(self._iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            self._done.set()

    async def take(self) -> list[T]:
        """The next chunk and any others buffered; ``[]`` at the end of the stream."""
        try:
            batch = [await self._receive.receive()]
        except anyio.EndOfStream:
            batch = []
        if not batch:
            if self._error is not None:
                raise self._error  # as it was raised, cause and all
            if self._cancelled:
                raise ClientClosedError("The Mistral client was closed while this stream was read.")
            return batch
        while True:
            try:
                batch.append(self._receive.receive_nowait())
            except (anyio.WouldBlock, anyio.EndOfStream):
                return batch

    def cancel(self) -> None:
        """Stop reading (on the loop thread; the pump then closes the iterator)."""
        self._cancelled = True
        if self._scope is not None:
            self._scope.cancel()

    async def stop(self) -> None:
        """Stop reading and close the iterator; return once it is closed."""
        assert self._done is not None
        self.cancel()
        self._cancelled = False  # stopped by its own reader, not by close()
        await self._done.wait()
        self._receive.close()


def read_ahead(portal: PortalThread, iterable: AsyncIterable[T], size: int) -> Iterator[T]:
    """Iterate ``iterable`` (of the portal's loop) from a blocking thread, reading up to
    ``size`` items ahead (0: none), and close it however the iteration stops."""
    iterator = iterable.__aiter__()
    state: _OnDemand[T] | _ReadAhead[T] = (
        _ReadAhead(iterator, size) if size > 0 else _OnDemand(iterator)
    )
    state.start(portal)
    finished = False
    try:
        while batch := portal.call(state.take):
            yield from batch
        finished = True
    finally:
        if isinstance(state, _ReadAhead):
            portal.unregister(state)
        if not finished and portal.started:
            if portal.on_loop_thread or running_async_library() is not None:
                # Collected by the GC on the loop's own thread (or on a thread running another
                # loop): blocking here would deadlock or freeze that loop. A pump is only asked
                # to stop, and its own cleanup closes the stream; an on-demand iterator holds no
                # task and no read in flight, so closing it is left to its own finaliser.
                if isinstance(state, _ReadAhead):
                    portal.cancel_soon(state)
            else:
                # If the client closed meanwhile, it stopped the pump with it.
                with contextlib.suppress(ClientClosedError):
                    portal.call(state.stop)
