"""``Mistral``: the blocking client, a thin shim over ``AsyncMistral``.

It adds no behaviour of its own: every call is the async core's call, run on a private event
loop thread through an anyio ``BlockingPortal``; a stream's chunks are moved across in batches
(see ``._prefetch``).
Sync resources are declared by pointing at the async methods (``complete =
blocking(AsyncChat.complete)``), so signatures, defaults and docs come from one place.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeVar, overload

import httpx
from typing_extensions import ParamSpec, Self

from .._core.client import _NOT_GIVEN, AsyncMistral
from .._core.errors import ClientClosedError
from .._core.held import SyncHeldResponse
from .._core.options import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, TimeoutTypes
from .._core.request import TransportName
from .._core.streaming import AsyncStream, ChatCompletionStream
from ..types.chat import ChatCompletionResponse, CompletionChunk
from .bridge import STREAM_READ_AHEAD, read_ahead
from .portal import STOP_TIMEOUT, PortalThread

if TYPE_CHECKING:
    from ..cache import ResponseCache
    from ..resources.batch import SyncBatch
    from ..resources.chat import SyncChat
    from ..resources.classifiers import SyncClassifiers
    from ..resources.embeddings import SyncEmbeddings
    from ..resources.files import SyncFiles
    from ..resources.fim import SyncFim
    from ..resources.fine_tuning import SyncFineTuning
    from ..resources.models import SyncModels
    from ..resources.ocr import SyncOcr
    from ..usage import UsageTracker

P = ParamSpec("P")
T = TypeVar("T")
ChunkT = TypeVar("ChunkT")
ResourceT = TypeVar("ResourceT")
WrapperT = TypeVar("WrapperT")


async def _next(iterator: AsyncIterator[T]) -> tuple[bool, T | None]:
    try:
        return True, await iterator.__anext__()
    except StopAsyncIteration:
        return False, None


class Mistral:
    """Blocking client of the Mistral AI API; the same options and methods as ``AsyncMistral``.

    Calls run on a private event loop thread started on first use and stopped by ``close()``
    (or ``with``). One client may be used from many threads at once. Calling it from a thread
    that runs an event loop raises ``SyncInEventLoopError`` (use ``AsyncMistral`` there), except
    in a notebook kernel, where blocking the cell is expected. A supplied ``http_client`` must
    be an ``httpx.AsyncClient``: it runs on the private loop, an asyncio loop, so that
    ``transport="aiohttp"`` works here too.

    ``close()`` returns within a few seconds whatever is under way: streams still being read
    are stopped (their readers then get ``ClientClosedError``), as are calls from other
    threads. After ``os.fork()`` a client created in the parent cannot be used in the child
    (its loop thread does not exist there and its connections belong to the parent): any call
    raises ``ForkedClientError``; create a new ``Mistral`` in the child.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_concurrency: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        usage_tracker: UsageTracker | None = _NOT_GIVEN,
        cache: ResponseCache | None = None,
        transport: TransportName = "httpx",
    ) -> None:
        self._async = AsyncMistral(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
            default_headers=default_headers,
            http_client=http_client,
            usage_tracker=usage_tracker,
            cache=cache,
            transport=transport,
        )
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

    def _iterate(self, iterable: AsyncIterable[T]) -> Iterator[T]:
        """Move an async iterator's items across the portal, closing it however we stop."""
        iterator = iterable.__aiter__()
        finished = False
        try:
            while True:
                more, item = self._run(_next, iterator)
                if not more:
                    finished = True
                    return
                yield item  # type: ignore[misc]
        finally:
            aclose = getattr(iterator, "aclose", None)
            if not finished and aclose is not None and self._portal.started:
                self._run(aclose)

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

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = _NOT_GIVEN,
        max_retries: int | None = None,
        max_concurrency: int | None = _NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        usage_tracker: UsageTracker | None = _NOT_GIVEN,
        cache: ResponseCache | None = _NOT_GIVEN,
    ) -> Self:
        """A client with some options changed, sharing this one's pool and loop thread.

        Closing it is a no-op; closing this client closes both.
        """
        new = object.__new__(type(self))
        new._async = self._async.with_options(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
            default_headers=default_headers,
            usage_tracker=usage_tracker,
            cache=cache,
        )
        new._portal = self._portal
        new._owns_portal = False
        new._finalizer = weakref.finalize(new, lambda: None)
        return new


class SyncResource(Generic[ResourceT]):
    """A blocking view of one async resource."""

    def __init__(self, client: Mistral, inner: ResourceT) -> None:
        self._client = client
        self._inner = inner


class SyncMethod(Generic[P, T]):
    """A blocking method derived from an async method of the wrapped resource.

    ``adapt(client, bound_async_method, args, kwargs)`` is the one thing that differs between
    kinds: run the coroutine on the portal (:func:`blocking`) or wrap the object the method
    returns (:func:`wrapped`).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        adapt: Callable[[Mistral, Callable[..., Any], tuple[Any, ...], dict[str, Any]], T],
    ) -> None:
        self._fn = fn
        self._adapt = adapt
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: SyncResource[Any], owner: type[Any]) -> Callable[P, T]: ...
    def __get__(self, obj: SyncResource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        bound = getattr(obj._inner, self._fn.__name__)
        client, adapt = obj._client, self._adapt

        @functools.wraps(self._fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            return adapt(client, bound, args, kwargs)

        return call


def blocking(fn: Callable[Concatenate[Any, P], Awaitable[T]]) -> SyncMethod[P, T]:
    """Declares a blocking method that runs the given async method on the client's portal."""
    return SyncMethod(fn, lambda client, bound, args, kwargs: client._run(bound, *args, **kwargs))


def wrapped(
    fn: Callable[Concatenate[Any, P], Any], wrapper: Callable[[Mistral, Any], WrapperT]
) -> SyncMethod[P, WrapperT]:
    """Declares a blocking method whose async twin returns an object without awaiting (a
    stream, a paginator); the blocking method returns ``wrapper(client, that_object)``."""
    return SyncMethod(
        fn, lambda client, bound, args, kwargs: wrapper(client, bound(*args, **kwargs))
    )


class SyncStream(SyncHeldResponse[AsyncStream[Any]], Generic[ChunkT]):
    """A blocking view of an ``AsyncStream``: ``with`` and/or ``for``."""

    def __iter__(self) -> Iterator[ChunkT]:
        return read_ahead(self._client._portal, self._inner, STREAM_READ_AHEAD)


class SyncChatCompletionStream(SyncStream[CompletionChunk]):
    _inner: ChatCompletionStream

    def text_deltas(self) -> Iterator[str]:
        """Only the text of the first choice, as it arrives."""
        return read_ahead(self._client._portal, self._inner.text_deltas(), STREAM_READ_AHEAD)

    def current_completion(self) -> ChatCompletionResponse:
        """The completion assembled from the chunks received so far (chunks are read ahead
        of the loop in small batches, so it may hold a few not iterated yet)."""
        return self._inner.current_completion()

    def get_final_completion(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole completion."""
        return self._client._run(self._inner.get_final_completion)
