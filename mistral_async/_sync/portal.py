"""A private event loop thread that the blocking client runs the async core on.

The thread is a daemon on purpose: a script that never calls ``close()`` must still exit, and a
non-daemon thread running a loop forever would hold interpreter shutdown hostage.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import sys
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, suppress
from typing import Any, Protocol, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from .._core.errors import ClientClosedError, SyncInEventLoopError
from .._core.runtime import running_async_library

T = TypeVar("T")

STOP_TIMEOUT = 2.0
"""Seconds ``close()`` (and interpreter exit) waits for the loop to wind down before giving up:
the thread is a daemon, so a task that will not stop cannot hold the process."""


class ForkedClientError(ClientClosedError):
    """A blocking client created before ``os.fork()`` was used in the child process.

    Its loop thread does not exist in the child and its connections are shared with the parent,
    so it cannot be used there: create a new ``Mistral`` in the child.
    """


class Cancellable(Protocol):
    """What the portal cancels when it stops (a stream's read-ahead)."""

    def cancel(self) -> None: ...


def in_notebook_kernel() -> bool:
    """True inside a Jupyter/IPython kernel, whose cells run on the kernel's event loop."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def check_blocking_allowed() -> None:
    """Refuse to block a thread that runs an event loop (but allow notebook cells).

    Blocking there would freeze every other task of that loop for the whole call: an async web
    handler would stop serving. A notebook cell blocks its kernel's loop anyway, as any
    blocking call in a cell does, and users expect the blocking client to work there.
    """
    library = running_async_library()
    if library is not None and not in_notebook_kernel():
        raise SyncInEventLoopError(
            f"The blocking Mistral client was called from a thread running a {library} event "
            "loop, which it would block. Use AsyncMistral and await its methods instead, or "
            "call the blocking client from a worker thread (anyio.to_thread.run_sync)."
        )


class PortalThread:
    """Starts a loop thread with a ``BlockingPortal`` on first use; runs calls on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._portal: BlockingPortal | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._pid = os.getpid()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Read-aheads still pumping, cancelled first by stop(): one blocked on its full buffer
        # would otherwise keep the portal (and so close() and interpreter exit) waiting.
        self._live: set[Cancellable] = set()

    @property
    def started(self) -> bool:
        return self._portal is not None

    def _check_pid(self) -> None:
        if os.getpid() != self._pid:
            raise ForkedClientError(
                "This Mistral client was created before os.fork() and cannot be used in the "
                "child process (its loop thread and connections belong to the parent); create "
                "a new Mistral in the child."
            )

    def _start(self) -> BlockingPortal:
        self._check_pid()
        with self._lock:
            if self._stopped:
                raise ClientClosedError("This Mistral client has been closed; create a new one.")
            if self._portal is None:
                ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()
                thread = threading.Thread(
                    target=self._run_loop, args=(ready,), name="mistral-async-portal", daemon=True
                )
                thread.start()
                result = ready.get()
                if isinstance(result, BaseException):
                    raise result
                self._portal, self._thread = result, thread
            return self._portal

    def _run_loop(self, ready: queue.Queue[BlockingPortal | BaseException]) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            async with BlockingPortal() as portal:
                ready.put(portal)
                await portal.sleep_until_stopped()

        try:
            anyio.run(main)
        except BaseException as exc:  # pragma: no cover - only if the loop cannot start
            ready.put(exc)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        check_blocking_allowed()
        portal = self._start()
        try:
            return portal.call(fn, *args)
        except (concurrent.futures.CancelledError, RuntimeError) as exc:
            # Cancelled by stop() from another thread, or the portal stopped meanwhile.
            if self._stopped:
                raise ClientClosedError(
                    "This Mistral client was closed during the call; create a new one."
                ) from exc
            raise

    @property
    def on_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def register(self, item: Cancellable) -> None:
        self._live.add(item)

    def unregister(self, item: Cancellable) -> None:
        self._live.discard(item)

    def cancel_soon(self, item: Cancellable) -> bool:
        """Ask the loop to cancel ``item`` without waiting (safe from any thread, the loop's own
        included, and from a garbage collector's finaliser); False if the loop is gone."""
        loop = self._loop
        if loop is None or loop.is_closed() or os.getpid() != self._pid:
            return False
        try:
            loop.call_soon_threadsafe(item.cancel)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    def enter(self, manager: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
        """A blocking context manager that enters and exits ``manager`` in one task on the
        loop (a task group inside it must stay in the task that opened it)."""
        check_blocking_allowed()
        return self._start().wrap_async_context_manager(manager)

    def start_task(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Start ``fn`` as a task on the loop; return once it calls ``task_status.started()``."""
        check_blocking_allowed()
        self._start().start_task(fn, *args)

    def run_bounded(self, fn: Callable[..., Awaitable[Any]], timeout: float) -> None:
        """Run ``fn`` on the loop, waiting at most ``timeout`` seconds (used while closing)."""
        portal = self._portal
        if portal is None or self.on_loop_thread or os.getpid() != self._pid:
            return
        future = portal.start_task_soon(fn)
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()

    def stop(self) -> None:
        """Stop the loop thread, cancelling what is still running on it; idempotent, and it
        returns within about ``STOP_TIMEOUT`` seconds whatever the tasks do."""
        with self._lock:
            portal, thread = self._portal, self._thread
            self._stopped = True
            self._portal = self._thread = None
        if portal is None or thread is None or os.getpid() != self._pid:
            return  # in a forked child the loop thread does not exist: nothing to stop
        for item in list(self._live):
            self.cancel_soon(item)
        try:
            future = portal.start_task_soon(portal.stop, True)
        except RuntimeError:  # the portal already stopped
            return
        if threading.current_thread() is thread:
            return  # cannot wait for ourselves
        with suppress(concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            future.result(STOP_TIMEOUT)
        thread.join(STOP_TIMEOUT)
