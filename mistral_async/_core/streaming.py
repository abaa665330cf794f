"""Stream objects over server-sent events.

A stream is created without I/O (``client.chat.stream(...)`` needs no ``await``); the request is
sent on ``async with`` or on the first iteration. It holds a concurrency slot from then until it
is closed: at ``[DONE]``, on ``break`` (when the iterator is closed), on an exception, on
cancellation, or by ``aclose()``. Cleanup runs in ``finally`` blocks shielded from cancellation,
and no cancel scope is held across a ``yield``.

One stream type serves every kind: a :class:`StreamFormat` says how an event's data is read,
how the stream ends (chat and FIM at ``[DONE]``; conversation, transcription and speech streams
when the connection closes after their last event, which must have come) and which event is an
error sent in-band. The kinds with a final result (a completion, a conversation response, a
transcription, audio) add a pure accumulator on top (:class:`AccumulatingStream`).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ValidationError
from typing_extensions import Self

from ..types.chat import ChatCompletionResponse, CompletionChunk
from .accumulate import ChatCompletionAccumulator
from .bounds import too_large
from .deadline import Deadline
from .errors import (
    APIResponseValidationError,
    APITimeoutError,
    ResponseTooLargeError,
    StreamIdleTimeoutError,
    stream_error,
    transport_error,
)
from .held import HeldResponse
from .json_values import is_object
from .options import RequestOptions
from .request import APIRequest
from .response_info import attach_info
from .retry import RETRYABLE_EXCEPTIONS
from .sse import ServerSentEvent, aiter_sse, content_type_problem

if TYPE_CHECKING:
    from .client import AsyncMistral

ChunkT = TypeVar("ChunkT")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
ItemT_contra = TypeVar("ItemT_contra", contravariant=True)

DONE = "[DONE]"

_UNBOUNDED = contextlib.nullcontext()
"""The stand-in for a read's cancel scope when no deadline or idle timeout bounds it."""


@dataclass(frozen=True, slots=True)
class StreamFormat(Generic[ItemT]):
    """How one kind of stream reads: its items, its end, its in-band errors."""

    name: str
    """What an item is called in error messages."""
    parse: Callable[[str], ItemT]
    """An event's ``data`` (JSON text) to an item; raises ``ValidationError`` if it is not one."""
    requires_done: bool = True
    """The stream must end with ``data: [DONE]``; otherwise the connection closing ends it
    (``[DONE]`` still ends any stream)."""
    is_final: Callable[[ItemT], bool] | None = None
    """The item after which the stream is complete: a stream that closes before one was cut.
    ``None``: any end is complete."""
    error_of: Callable[[ItemT], Any] | None = None
    """The error body an item carries in-band (raised as ``StreamError``), or ``None``."""


def model_format(model: type[BaseModel]) -> StreamFormat[Any]:
    """The format of a chat-shaped stream of ``model`` chunks ending at ``[DONE]``."""
    return StreamFormat(model.__name__, model.model_validate_json)


class AsyncStream(HeldResponse, Generic[ChunkT]):
    """An event stream of ``ChunkT``; use with ``async with`` and/or ``async for``.

    :param stream_format: how its events read and how it ends (see :class:`StreamFormat`); a
        model type is the chat-shaped format of that model (``[DONE]`` at the end).
    :param idle_timeout: seconds allowed between two events carrying data (empty ``data:``
        events and keep-alive comments do not count); ``None`` waits as long as the client's
        read timeout allows. The call's ``deadline``, if any, bounds the whole stream.
    """

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        stream_format: StreamFormat[ChunkT] | type[BaseModel],
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options)
        if not isinstance(stream_format, StreamFormat):
            stream_format = model_format(stream_format)
        self._format: StreamFormat[ChunkT] = stream_format
        self._complete = stream_format.is_final is None
        self._idle_timeout = idle_timeout
        self._iterating = False
        # Inside ``async with``, the iterator is kept so that the exit closes it: after a
        # ``break`` nothing else refers to it, and trio warns about a generator the garbage
        # collector finalises. Only there: the reference makes a cycle (the generator's frame
        # holds the stream), which ``aclose()`` breaks but an abandoned stream would not.
        self._managed = False
        self._iterator: AsyncGenerator[ChunkT, None] | None = None

    async def __aenter__(self) -> Self:
        self._managed = True
        return await super().__aenter__()

    def __aiter__(self) -> AsyncIterator[ChunkT]:
        if self._iterating or self._closed:
            raise RuntimeError("A stream can be iterated once; this one is in use or closed.")
        self._iterating = True
        iterator = self._iterate()
        if self._managed:
            self._iterator = iterator
        return iterator

    async def aclose(self) -> None:
        # The iterator a ``break`` left suspended is closed here too: left to the garbage
        # collector, trio warns about it (ResourceWarning) even though the stream was closed.
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            # RuntimeError: in use by another task, whose own finally closes the stream.
            with anyio.CancelScope(shield=True), contextlib.suppress(RuntimeError):
                await iterator.aclose()
        await super().aclose()

    async def _iterate(self) -> AsyncGenerator[ChunkT, None]:
        try:
            await self._start()
            yielded = False
            while True:
                try:
                    # aclosing: the inner generator is closed here, not whenever GC gets to it.
                    async with aclosing(self._chunks()) as chunks:
                        async for chunk in chunks:
                            yielded = True
                            yield chunk
                    return
                except RETRYABLE_EXCEPTIONS as exc:
                    # A stream is retried only before its first event: after that the caller
                    # has seen part of an answer that a new attempt would not continue.
                    if yielded:
                        response = self._response
                        raise transport_error(
                            exc, response.request if response else None, self._retries
                        ) from exc
                    await self._resend(exc)
        finally:
            self._iterator = None  # this generator is finishing: aclose() must not close it
            await self.aclose()

    async def _chunks(self) -> AsyncGenerator[ChunkT, None]:
        response = self._response
        assert response is not None
        limit = self._client._bound("max_event_bytes", self._options.get("max_event_bytes"))
        problem = content_type_problem(response)
        if problem is not None:
            raise self._invalid(f"expected an event stream: {problem}")
        events = aiter_sse(response, limit)
        # Absolute times: each read gets a scope ending at the nearer of the two, so no scope
        # outlives one await (none is held across the yield), and only data resets idleness.
        deadline = self._deadline
        idle = self._idle_timeout
        idle_at = math.inf
        fmt = self._format
        is_final = fmt.is_final
        try:
            while True:
                if idle is not None and idle_at == math.inf:
                    idle_at = anyio.current_time() + idle
                until = min(idle_at, deadline.at if deadline is not None else math.inf)
                sse: ServerSentEvent | None = None  # stays None when the scope is cancelled
                # No scope when nothing bounds the read: making one costs a few µs per event,
                # a fifth of a chunk's whole cost.
                scope = anyio.CancelScope(deadline=until) if until != math.inf else None
                with scope if scope is not None else _UNBOUNDED:
                    try:
                        sse = await events.__anext__()
                    except StopAsyncIteration:
                        sse = None
                    except ResponseTooLargeError:
                        raise too_large(
                            "A stream line or event",
                            limit,
                            "max_event_bytes",
                            response.request,
                            self._retries,
                        ) from None
                if scope is not None and scope.cancelled_caught:
                    raise self._timed_out(response.request, idle_at)
                if sse is None:  # the connection closed
                    if fmt.requires_done:
                        raise self._invalid("the stream ended without [DONE]")
                    if not self._complete:
                        raise self._invalid(
                            f"the stream ended before its last {fmt.name}: it was cut"
                        )
                    self._on_done()
                    return
                if sse.data == DONE:
                    # Read what follows (normally nothing) so the connection can be reused;
                    # under the deadline, since the answer is complete either way.
                    with Deadline.scope(deadline):
                        async for _ in events:
                            pass
                    self._on_done()
                    return
                if not sse.data:
                    continue
                idle_at = math.inf
                item = self._decode(sse)
                if is_final is not None and is_final(item):
                    self._complete = True
                yield item
        finally:
            await events.aclose()

    def _timed_out(self, request: httpx.Request, idle_at: float) -> APITimeoutError:
        """The error for a read cut at ``idle_at`` (idleness) or at the stream's deadline."""
        if anyio.current_time() >= idle_at or self._deadline is None:
            return StreamIdleTimeoutError(
                f"no event with data for {self._idle_timeout} s on {request.method} {request.url}",
                request=request,
                retries=self._retries,
            )
        error = transport_error(self._deadline.failure(request), request, self._retries)
        assert isinstance(error, APITimeoutError)
        return error

    def _on_done(self) -> None:
        """Called once the stream has reached ``[DONE]``."""

    def _decode(self, sse: ServerSentEvent) -> ChunkT:
        fmt = self._format
        if sse.event != "error":
            try:
                item = fmt.parse(sse.data)
            except ValidationError as exc:
                problem: ValidationError | None = exc
            else:
                error_of = fmt.error_of
                if error_of is not None and (error := error_of(item)) is not None:
                    raise self._stream_error(error)
                return item
        else:
            problem = None
        try:
            body = json.loads(sse.data)
        except ValueError:
            raise self._invalid(f"an event is not JSON: {sse.data[:200]!r}") from None
        if sse.event == "error" or is_error_object(body):
            raise self._stream_error(body.get("error", body) if is_object(body) else body)
        raise self._invalid(f"an event does not match {fmt.name}: {problem}")

    def _stream_error(self, body: Any) -> Exception:
        response = self._response
        return stream_error(
            body,
            status_code=response.status_code if response else 200,
            headers=response.headers if response else {},
            request=response.request if response else None,
            retries=self._retries,
        )

    def _invalid(self, message: str) -> APIResponseValidationError:
        response = self._response
        return APIResponseValidationError(
            f"Invalid stream reply: {message}",
            status_code=response.status_code if response else 0,
            request=response.request if response else None,
            headers=response.headers if response else {},
            retries=self._retries,
        )


def is_error_object(body: Any) -> bool:
    """Mistral's in-stream error: ``{"object": "error", "message": ...}`` or ``{"error": ...}``."""
    return is_object(body) and (
        body.get("object") == "error" or "error" in body or "message" in body
    )


class Accumulator(Protocol[ItemT_contra]):
    """What a stream kind's pure accumulator offers: take items one by one."""

    def add(self, item: ItemT_contra, /) -> Any: ...


class AccumulatingStream(AsyncStream[ChunkT], Generic[ChunkT, ResultT]):
    """A stream whose items build a final result through a pure accumulator.

    The result so far is kept for ``current_*()`` up to the reply bound (``max_response_bytes``
    of event data): past it, an endless stream would fill memory, so the accumulator is dropped
    and only the last item kept (the iteration goes on). Subclasses give the accumulator and
    how to read the result from it; the public names (``current_completion``,
    ``get_final_response``...) are theirs.
    """

    _result_name = "The streamed result"

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        stream_format: StreamFormat[ChunkT] | type[BaseModel],
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options, stream_format, idle_timeout=idle_timeout)
        self._accumulator: Accumulator[ChunkT] | None = self._new_accumulator()
        self._kept = 0
        self._keep_limit = client._bound("max_response_bytes", options.get("max_response_bytes"))
        self._last: ChunkT | None = None

    def _new_accumulator(self) -> Accumulator[ChunkT]:
        raise NotImplementedError

    def _result_of(self, accumulator: Any) -> ResultT:
        raise NotImplementedError

    # Hooks rather than a generator around the base one: a generator layer costs each item.
    def _decode(self, sse: ServerSentEvent) -> ChunkT:
        item = super()._decode(sse)
        self._last = item
        if self._accumulator is not None:
            self._kept += len(sse.data)
            if self._kept > self._keep_limit:
                self._accumulator = None
            else:
                self._accumulator.add(item)
        return item

    def _on_done(self) -> None:
        # The stream has ended well: its usage came with its last items.
        if self._client.usage_tracker is not None:
            reply = self._last if self._accumulator is None else self._current()
            self._client.usage_tracker.observe(reply, self._request.path)

    def _current(self) -> ResultT:
        """The result assembled from the items received so far.

        :raises ResponseTooLargeError: the stream sent more than ``max_response_bytes``, so
            the result was not kept.
        """
        if self._accumulator is None:
            response = self._response
            raise too_large(
                self._result_name,
                self._keep_limit,
                "max_response_bytes",
                response.request if response is not None else None,
                self._retries,
            )
        result = self._result_of(self._accumulator)
        attach_info(result, self.response_info)
        return result

    async def _final(self) -> ResultT:
        """Read the rest of the stream and return the whole result."""
        if not self._closed:
            async for _ in self:
                pass
        return self._current()


class ChatCompletionStream(AccumulatingStream[CompletionChunk, ChatCompletionResponse]):
    """A chat (or FIM) completion stream: chunks, text deltas, and the final completion."""

    _result_name = "The streamed completion"

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options, CHAT_FORMAT, idle_timeout=idle_timeout)

    def _new_accumulator(self) -> ChatCompletionAccumulator:
        return ChatCompletionAccumulator()

    def _result_of(self, accumulator: ChatCompletionAccumulator) -> ChatCompletionResponse:
        return accumulator.completion()

    async def text_deltas(self) -> AsyncIterator[str]:
        """Only the text of the first choice, as it arrives."""
        async for chunk in self:
            for choice in chunk.choices:
                text = choice.delta.content
                if choice.index == 0 and isinstance(text, str) and text:
                    yield text

    def current_completion(self) -> ChatCompletionResponse:
        """The completion assembled from the chunks received so far.

        :raises ResponseTooLargeError: the stream sent more than ``max_response_bytes``, so
            the completion was not kept.
        """
        return self._current()

    async def get_final_completion(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole completion."""
        return await self._final()


CHAT_FORMAT: StreamFormat[CompletionChunk] = model_format(CompletionChunk)
