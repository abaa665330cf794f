"""Every blocking view: the sync face of an async object, and the sync resources' methods.

A view holds the blocking client and the async object, and forwards: a coroutine runs on the
client's loop thread, an async context manager is entered and exited there in one task, an
async iterator's items come across through the one bridge (:func:`._sync.bridge.read_ahead`).
It adds no behaviour and no guards of its own: the async object checks its own state (used
twice, closed, not entered), so both faces refuse the same things with the same error.

This module imports no client. A view needs only the three crossings of :class:`Runner`,
which ``Mistral`` provides; the async types are named for the type checker only.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Protocol, TypeVar, overload

from typing_extensions import ParamSpec, Self

if TYPE_CHECKING:
    from .._batch.items import BatchResult
    from .._batch.progress import BatchProgress
    from .._batch.runner import BatchRun
    from .._core.download import FileDownload, StrPath
    from .._core.event_streams import ConversationEventStream, SpeechStream, TranscriptionStream
    from .._core.held import HeldResponse
    from .._core.pagination import AsyncPaginator, Page
    from .._core.streaming import AsyncStream, ChatCompletionStream
    from .._structured import ParsedChatCompletion, ParsedChatCompletionStream
    from ..resources.conversation_run import (
        ConversationRun,
        ConversationRunStream,
        ConversationStep,
        ConversationSteps,
    )
    from ..tools import ToolRun, ToolStep, ToolSteps
    from ..types._base import ResponseInfo
    from ..types.audio_speech import SpeechStreamEvent  # noqa: F401  (in a quoted argument)
    from ..types.audio_transcriptions import (
        TranscriptionResponse,
        TranscriptionStreamEvent,  # noqa: F401  (in a base class's quoted argument)
    )
    from ..types.chat import (
        ChatCompletionResponse,
        CompletionChunk,  # noqa: F401  (in a base class's quoted argument)
        UsageInfo,
    )
    from ..types.conversation_events import ConversationEvent
    from ..types.conversations import ConversationResponse

P = ParamSpec("P")
T = TypeVar("T")
ChunkT = TypeVar("ChunkT")
ItemT = TypeVar("ItemT")
PageT = TypeVar("PageT", bound="Page[Any]")
ParsedT = TypeVar("ParsedT")
ResourceT = TypeVar("ResourceT")
WrapperT = TypeVar("WrapperT")
HeldT = TypeVar("HeldT", bound="HeldResponse")

STREAM_READ_AHEAD = 64
"""Items a blocking view may read ahead of its thread where they are coming anyway (stream
chunks, download chunks, batch results)."""

ONE_AT_A_TIME = 0
"""No read-ahead: for iterators whose next item is work (a page request, a tool step)."""


class Runner(Protocol):
    """What a view needs of the blocking client (``Mistral``): the three portal crossings."""

    def _run(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on the loop thread and return its result."""
        ...

    def _enter(self, manager: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
        """``manager`` as a blocking context manager, entered and exited in one loop task."""
        ...

    def _read_ahead(self, iterable: AsyncIterable[T], size: int) -> Iterator[T]:
        """Iterate ``iterable`` from this thread, up to ``size`` items ahead (0: none)."""
        ...


# -- resources ---------------------------------------------------------------------------------


class SyncResource(Generic[ResourceT]):
    """A blocking view of one async resource."""

    def __init__(self, client: Runner, inner: ResourceT) -> None:
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
        adapt: Callable[[Runner, Callable[..., Any], tuple[Any, ...], dict[str, Any]], T],
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
    fn: Callable[Concatenate[Any, P], Any], wrapper: Callable[[Runner, Any], WrapperT]
) -> SyncMethod[P, WrapperT]:
    """Declares a blocking method whose async twin returns an object without awaiting (a
    stream, a paginator); the blocking method returns ``wrapper(client, that_object)``."""
    return SyncMethod(
        fn, lambda client, bound, args, kwargs: wrapper(client, bound(*args, **kwargs))
    )


# -- responses kept open: streams and downloads -----------------------------------------------


class SyncHeldResponse(Generic[HeldT]):
    """The blocking view of a ``HeldResponse``: ``with``, ``close()``, ``closed``."""

    def __init__(self, client: Runner, inner: HeldT) -> None:
        self._client = client
        self._inner = inner

    def __enter__(self) -> Self:
        self._client._run(self._inner.__aenter__)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._inner.closed:
            self._client._run(self._inner.aclose)

    @property
    def closed(self) -> bool:
        return self._inner.closed

    @property
    def response_info(self) -> ResponseInfo | None:
        return self._inner.response_info


class SyncStream(SyncHeldResponse["AsyncStream[Any]"], Generic[ChunkT]):
    """A blocking view of an ``AsyncStream``: ``with`` and/or ``for``."""

    # Each view narrows ``_inner`` to the stream it wraps (pyright flags a narrowed attribute;
    # it is set once, in ``__init__``, with the stream of that kind).
    _inner: AsyncStream[Any]

    def __iter__(self) -> Iterator[ChunkT]:
        return self._client._read_ahead(self._inner, STREAM_READ_AHEAD)


class SyncChatCompletionStream(SyncStream["CompletionChunk"]):
    """A blocking view of a ``ChatCompletionStream``."""

    _inner: ChatCompletionStream  # pyright: ignore[reportIncompatibleVariableOverride]

    def text_deltas(self) -> Iterator[str]:
        """Only the text of the first choice, as it arrives."""
        return self._client._read_ahead(self._inner.text_deltas(), STREAM_READ_AHEAD)

    def current_completion(self) -> ChatCompletionResponse:
        """The completion assembled from the chunks received so far (chunks are read ahead
        of the loop in small batches, so it may hold a few not iterated yet)."""
        return self._inner.current_completion()

    def get_final_completion(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole completion."""
        return self._client._run(self._inner.get_final_completion)


class SyncParsedChatCompletionStream(SyncChatCompletionStream, Generic[ParsedT]):
    """The blocking view of a ``ParsedChatCompletionStream``."""

    _inner: ParsedChatCompletionStream[ParsedT]  # pyright: ignore[reportIncompatibleVariableOverride]

    def get_final_completion(self) -> ParsedChatCompletion[ParsedT]:
        """Read the rest of the stream; return the completion with ``parsed`` set."""
        return self._client._run(self._inner.get_final_completion)


class SyncConversationEventStream(SyncStream["ConversationEvent"]):
    """A blocking view of a ``ConversationEventStream``."""

    _inner: ConversationEventStream  # pyright: ignore[reportIncompatibleVariableOverride]

    @property
    def conversation_id(self) -> str | None:
        return self._inner.conversation_id

    def text_deltas(self) -> Iterator[str]:
        """The text of the output messages, as it arrives."""
        return self._client._read_ahead(self._inner.text_deltas(), STREAM_READ_AHEAD)

    def current_response(self) -> ConversationResponse:
        """The response assembled from the events received so far (read ahead of the loop in
        small batches, so it may hold a few not iterated yet)."""
        return self._inner.current_response()

    def get_final_response(self) -> ConversationResponse:
        """Read the rest of the stream and return the whole response."""
        return self._client._run(self._inner.get_final_response)


class SyncTranscriptionStream(SyncStream["TranscriptionStreamEvent"]):
    """A blocking view of a ``TranscriptionStream``."""

    _inner: TranscriptionStream  # pyright: ignore[reportIncompatibleVariableOverride]

    def text_deltas(self) -> Iterator[str]:
        """The text as it arrives."""
        return self._client._read_ahead(self._inner.text_deltas(), STREAM_READ_AHEAD)

    def current_transcription(self) -> TranscriptionResponse:
        return self._inner.current_transcription()

    def get_final_transcription(self) -> TranscriptionResponse:
        """Read the rest of the stream and return the whole transcription."""
        return self._client._run(self._inner.get_final_transcription)


class SyncSpeechStream(SyncStream["SpeechStreamEvent"]):
    """A blocking view of a ``SpeechStream``."""

    _inner: SpeechStream  # pyright: ignore[reportIncompatibleVariableOverride]

    def iter_audio(self) -> Iterator[bytes]:
        """The audio, decoded, piece by piece as it arrives."""
        return self._client._read_ahead(self._inner.iter_audio(), STREAM_READ_AHEAD)

    def current_audio(self) -> bytes:
        return self._inner.current_audio()

    def get_final_audio(self) -> bytes:
        """Read the rest of the stream and return the whole audio file."""
        return self._client._run(self._inner.get_final_audio)

    @property
    def usage(self) -> UsageInfo | None:
        return self._inner.usage


class SyncFileDownload(SyncHeldResponse["FileDownload"]):
    """The blocking view of a ``FileDownload``: ``with``, ``iter_bytes()``, ``read()``,
    ``write_to(path)``."""

    _inner: FileDownload

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self._client._read_ahead(self._inner.iter_bytes(chunk_size), STREAM_READ_AHEAD)

    def read(self) -> bytes:
        return self._client._run(self._inner.read)

    def write_to(self, path: StrPath) -> int:
        return self._client._run(self._inner.write_to, path)

    @property
    def filename(self) -> str | None:
        return self._inner.filename

    @property
    def size(self) -> int | None:
        return self._inner.size


# -- iterators whose next item is work: one at a time -------------------------------------------


class SyncPaginator(Generic[ItemT, PageT]):
    """The blocking view of an ``AsyncPaginator``: ``for`` items, ``pages()``, ``first_page()``.

    A page is fetched when the loop reaches it, never ahead.
    """

    def __init__(self, client: Runner, inner: AsyncPaginator[ItemT, PageT]) -> None:
        self._client = client
        self._inner = inner

    def first_page(self) -> PageT:
        return self._client._run(self._inner.first_page)

    def pages(self) -> Iterator[PageT]:
        return self._client._read_ahead(self._inner.pages(), ONE_AT_A_TIME)

    def __iter__(self) -> Iterator[ItemT]:
        # One crossing per page, not per item: a page's items are all here already.
        for page in self.pages():
            yield from page.data


class SyncToolSteps:
    """The blocking view of ``ToolSteps``: ``for step in ...`` and ``run()``.

    A step (a model call and the tools it asks for) runs when the loop asks for it, never ahead:
    ``break`` after a step and no further tool runs.
    """

    def __init__(self, client: Runner, inner: ToolSteps) -> None:
        self._client = client
        self._inner = inner

    def __iter__(self) -> Iterator[ToolStep]:
        return self._client._read_ahead(self._inner, ONE_AT_A_TIME)

    @property
    def result(self) -> ToolRun | None:
        return self._inner.result

    def run(self) -> ToolRun:
        return self._client._run(self._inner.run)


class SyncConversationSteps:
    """The blocking view of ``ConversationSteps``: ``for step in ...`` and ``run()``; a step
    runs when the loop asks for it, never ahead."""

    def __init__(self, client: Runner, inner: ConversationSteps) -> None:
        self._client = client
        self._inner = inner

    def __iter__(self) -> Iterator[ConversationStep]:
        return self._client._read_ahead(self._inner, ONE_AT_A_TIME)

    @property
    def result(self) -> ConversationRun | None:
        return self._inner.result

    def run(self) -> ConversationRun:
        return self._client._run(self._inner.run)


class SyncConversationRunStream:
    """The blocking view of ``ConversationRunStream``: ``with``, ``for`` events and steps
    (one at a time: after a step comes work, the next model call), ``run()``."""

    def __init__(self, client: Runner, inner: ConversationRunStream) -> None:
        self._client = client
        self._inner = inner

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client._run(self._inner.aclose)

    def __iter__(self) -> Iterator[ConversationEvent | ConversationStep]:
        return self._client._read_ahead(self._inner, ONE_AT_A_TIME)

    @property
    def result(self) -> ConversationRun | None:
        return self._inner.result

    def run(self) -> ConversationRun:
        return self._client._run(self._inner.run)


class SyncBatchRun:
    """A blocking view of a :class:`BatchRun`: ``with``, then ``for``."""

    def __init__(self, client: Runner, inner: BatchRun) -> None:
        self._client = client
        self._inner = inner
        self._entered: AbstractContextManager[BatchRun] | None = None

    def __enter__(self) -> Self:
        entered = self._client._enter(self._inner)
        entered.__enter__()  # a second entry is refused by the run itself
        self._entered = entered
        return self

    def __exit__(self, *exc_info: Any) -> bool | None:
        assert self._entered is not None
        return self._entered.__exit__(*exc_info)

    def __iter__(self) -> Iterator[BatchResult]:
        return self._client._read_ahead(self._inner, STREAM_READ_AHEAD)

    @property
    def progress(self) -> BatchProgress:
        return self._inner.progress
