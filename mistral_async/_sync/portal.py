"""A private event loop thread that the blocking client runs the async core on.

The thread is a daemon on purpose: a script that never calls ``close()`` must still exit, and a
non-daemon thread running a loop forever would hold interpreter shutdown hostage.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskStatus
from anyio.from_thread import BlockingPortal

from .._core.errors import ClientClosedError, SyncInEventLoopError
from .._core.runtime import running_async_library

T = TypeVar("T")


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
        # The cancel scopes of the background tasks (read-ahead pumps); touched on the loop only.
        self._background: set[anyio.CancelScope] = set()

    @property
    def started(self) -> bool:
        return self._portal is not None

    def _start(self) -> BlockingPortal:
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

    @staticmethod
    def _run_loop(ready: queue.Queue[BlockingPortal | BaseException]) -> None:
        async def main() -> None:
            async with BlockingPortal() as portal:
                ready.put(portal)
                await portal.sleep_until_stopped()

        try:
            anyio.run(main)
        except BaseException as exc:  # pragma: no cover - only if the loop cannot start
            ready.put(exc)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        check_blocking_allowed()
        return self._start().call(fn, *args)

    def enter(self, manager: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
        """A blocking context manager that enters and exits ``manager`` in one task on the
        loop (a task group inside it must stay in the task that opened it)."""
        check_blocking_allowed()
        return self._start().wrap_async_context_manager(manager)

    def start_task(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Start ``fn`` as a background task on the loop; return once it calls
        ``task_status.started()``. ``stop()`` cancels it rather than wait for it."""
        check_blocking_allowed()
        self._start().start_task(self._in_background, fn, *args)

    async def _in_background(
        self,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        task_status: TaskStatus[Any] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        with anyio.CancelScope() as scope:
            self._background.add(scope)
            try:
                await fn(*args, task_status=task_status)
            finally:
                self._background.discard(scope)

    async def _cancel_background(self) -> None:
        # A pump reads for an iterator its caller may never resume (one kept in a variable
        # after a partial read): it is no call under way, and waiting for it would never end.
        for scope in self._background:
            scope.cancel()

    def stop(self) -> None:
        """Stop the loop thread after the calls under way have finished; idempotent."""
        with self._lock:
            portal, thread = self._portal, self._thread
            self._stopped = True
            self._portal = self._thread = None
        if portal is not None and thread is not None:
            if threading.current_thread() is thread:
                portal.start_task_soon(self._cancel_background)
                portal.start_task_soon(portal.stop)  # cannot wait for ourselves
                return
            portal.call(self._cancel_background)
            portal.call(portal.stop)
            thread.join()
