"""``Mistral``: the blocking client, a thin shim over ``AsyncMistral``.

It adds no behaviour of its own: every call is the async core's call, run on a private event
loop thread through an anyio ``BlockingPortal`` (:mod:`.portal`); iteration crosses through the
one bridge (:mod:`.bridge`). Sync resources and every sync view live in :mod:`.views`, which
works against the three crossings this client provides (``_run``, ``_enter``, ``_read_ahead``).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Self, Unpack

from .._core.client import AsyncMistral
from .._core.errors import ClientClosedError
from .._core.options import ClientOptions, ClientOverrides, RequestOptions
from .bridge import read_ahead
from .portal import STOP_TIMEOUT, PortalThread
from .views import SyncStream

if TYPE_CHECKING:
    from .._core.event_streams import StreamEvent
    from .._core.hooks import Hooks
    from .._core.retry import RetryPolicy
    from ..cache import ResponseCache
    from ..resources.agents import SyncAgentsCompletions
    from ..resources.audio import SyncAudio
    from ..resources.batch import SyncBatch
    from ..resources.beta import SyncBeta
    from ..resources.chat import SyncChat
    from ..resources.classifiers import SyncClassifiers
    from ..resources.embeddings import SyncEmbeddings
    from ..resources.files import SyncFiles
    from ..resources.fim import SyncFim
    from ..resources.fine_tuning import SyncFineTuning
    from ..resources.models import SyncModels
    from ..resources.ocr import SyncOcr
    from ..usage import UsageTracker

T = TypeVar("T")


class Mistral:
    """Blocking client of the Mistral AI API; the same options and methods as ``AsyncMistral``.

    Calls run on a private event loop thread started on first use and stopped by ``close()``
    (or ``with``). One client may be used from many threads at once. Calling it from a thread
    that runs an event loop raises ``SyncInEventLoopError`` (use ``AsyncMistral`` there), except
    in a notebook kernel, where blocking the cell is expected. A supplied ``http_client`` must
    be an ``httpx.AsyncClient``: it runs on the private loop, an asyncio loop, so that
    ``transport="aiohttp"`` works here too. The options are ``AsyncMistral``'s (see there).

    ``close()`` returns within a few seconds whatever is under way: streams still being read
    are stopped (their readers then get ``ClientClosedError``), as are calls from other
    threads. After ``os.fork()`` a client created in the parent cannot be used in the child
    (its loop thread does not exist there and its connections belong to the parent): any call
    raises ``ForkedClientError``; create a new ``Mistral`` in the child.
    """

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        self._async = AsyncMistral(**options)
        self._portal = PortalThread()
        self._owns_portal = True
        # A client dropped without close() must not leave its loop thread behind.
        self._finalizer = weakref.finalize(self, self._portal.stop)

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncMistral", type(self).__name__, 1)

    @property
    def async_client(self) -> AsyncMistral:
        """The async core this client runs on."""
        return self._async

    @property
    def base_url(self) -> str:
        return self._async.base_url

    @property
    def max_retries(self) -> int:
        return self._async.max_retries

    @property
    def retry(self) -> RetryPolicy:
        return self._async.retry

    @property
    def hooks(self) -> Hooks | None:
        return self._async.hooks

    @property
    def max_concurrency(self) -> int | None:
        return self._async.max_concurrency

    @property
    def is_closed(self) -> bool:
        return self._async.is_closed

    @property
    def usage_tracker(self) -> UsageTracker | None:
        return self._async.usage_tracker

    @property
    def cache(self) -> ResponseCache | None:
        return self._async.cache

    def _run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        return self._portal.call(functools.partial(fn, *args, **kwargs))

    def _enter(self, manager: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
        """Move an async context manager across the portal, entered and exited in one task."""
        return self._portal.enter(manager)

    def _read_ahead(self, iterable: AsyncIterable[T], size: int) -> Iterator[T]:
        """Iterate an async iterable of the loop from this thread (see :mod:`.bridge`)."""
        return read_ahead(self._portal, iterable, size)

    # -- resources ---------------------------------------------------------------------------

    @cached_property
    def chat(self) -> SyncChat:
        """Chat completions: ``complete``, ``stream``."""
        from ..resources.chat import SyncChat

        return SyncChat(self, self._async.chat)

    @cached_property
    def fim(self) -> SyncFim:
        from ..resources.fim import SyncFim

        return SyncFim(self, self._async.fim)

    @cached_property
    def embeddings(self) -> SyncEmbeddings:
        from ..resources.embeddings import SyncEmbeddings

        return SyncEmbeddings(self, self._async.embeddings)

    @cached_property
    def models(self) -> SyncModels:
        from ..resources.models import SyncModels

        return SyncModels(self, self._async.models)

    @cached_property
    def classifiers(self) -> SyncClassifiers:
        from ..resources.classifiers import SyncClassifiers

        return SyncClassifiers(self, self._async.classifiers)

    @cached_property
    def files(self) -> SyncFiles:
        from ..resources.files import SyncFiles

        return SyncFiles(self, self._async.files)

    @cached_property
    def fine_tuning(self) -> SyncFineTuning:
        from ..resources.fine_tuning import SyncFineTuning

        return SyncFineTuning(self, self._async.fine_tuning)

    @cached_property
    def batch(self) -> SyncBatch:
        from ..resources.batch import SyncBatch

        return SyncBatch(self, self._async.batch)

    @cached_property
    def ocr(self) -> SyncOcr:
        from ..resources.ocr import SyncOcr

        return SyncOcr(self, self._async.ocr)

    @cached_property
    def audio(self) -> SyncAudio:
        from ..resources.audio import SyncAudio

        return SyncAudio(self, self._async.audio)

    @cached_property
    def beta(self) -> SyncBeta:
        """The beta areas: ``beta.conversations``, ``beta.agents``, ``beta.libraries``."""
        from ..resources.beta import SyncBeta

        return SyncBeta(self, self._async.beta)

    @cached_property
    def agents(self) -> SyncAgentsCompletions:
        """Agents completions (deprecated by the API): ``complete``, ``stream``."""
        from ..resources.agents import SyncAgentsCompletions

        return SyncAgentsCompletions(self, self._async.agents)

    # -- any endpoint ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        cast_to: Any = object,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """Call any endpoint through the pipeline (see ``AsyncMistral.request``)."""
        return self._run(
            self._async.request,
            method,
            path,
            json=json,
            params=params,
            files=files,
            data=data,
            cast_to=cast_to,
            **options,
        )

    def request_stream(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        idle_timeout: float | None = None,
        **options: Unpack[RequestOptions],
    ) -> SyncStream[StreamEvent]:
        """The server-sent events of any streaming endpoint (see
        ``AsyncMistral.request_stream``): ``with`` and/or ``for``."""
        stream = self._async.request_stream(
            method,
            path,
            json=json,
            params=params,
            files=files,
            data=data,
            idle_timeout=idle_timeout,
            **options,
        )
        return SyncStream(self, stream)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        if self.is_closed:
            raise ClientClosedError("This Mistral client has been closed; create a new one.")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and stop the loop thread; idempotent."""
        if not self._owns_portal:
            return
        if self._portal.started:
            # Bounded: a stream or call stuck on the loop must not keep close() waiting; stop()
            # then cancels whatever is left.
            self._portal.run_bounded(self._async.aclose, STOP_TIMEOUT)
        else:
            self._async._closed = True  # nothing was ever opened on a loop
        self._finalizer()

    def with_options(self, **overrides: Unpack[ClientOverrides]) -> Self:
        """A client with some options changed, sharing this one's pool and loop thread (see
        ``AsyncMistral.with_options``).

        Closing it is a no-op; closing this client closes both.
        """
        new = object.__new__(type(self))
        new._async = self._async.with_options(**overrides)
        new._portal = self._portal
        new._owns_portal = False
        new._finalizer = weakref.finalize(new, lambda: None)
        return new
