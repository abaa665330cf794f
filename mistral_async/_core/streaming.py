"""Stream objects over server-sent events.

A stream is created without I/O (``client.chat.stream(...)`` needs no ``await``); the request is
sent on ``async with`` or on the first iteration. It holds a concurrency slot from then until it
is closed: at ``[DONE]``, on ``break`` (when the iterator is closed), on an exception, on
cancellation, or by ``aclose()``. Cleanup runs in ``finally`` blocks shielded from cancellation,
and no cancel scope is held across a ``yield``.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
from .options import RequestOptions
from .request import APIRequest
from .retry import RETRYABLE_EXCEPTIONS
from .sse import aiter_sse, content_type_problem

if TYPE_CHECKING:
    from .client import AsyncMistral

ChunkT = TypeVar("ChunkT", bound=BaseModel)

DONE = "[DONE]"


class AsyncStream(HeldResponse, Generic[ChunkT]):
    """An event stream of ``ChunkT``; use with ``async with`` and/or ``async for``.

    :param idle_timeout: seconds allowed between two events carrying data (empty ``data:``
        events and keep-alive comments do not count); ``None`` waits as long as the client's
        read timeout allows. The call's ``deadline``, if any, bounds the whole stream.
    """

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        chunk_type: type[ChunkT],
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options)
        self._chunk_type = chunk_type
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
        try:
            while True:
                if idle is not None and idle_at == math.inf:
                    idle_at = anyio.current_time() + idle
                until = min(idle_at, deadline.at if deadline is not None else math.inf)
                with anyio.CancelScope(deadline=until) as scope:
                    try:
                        sse = await events.__anext__()
                    except StopAsyncIteration:
                        raise self._invalid("the stream ended without [DONE]") from None
                    except ResponseTooLargeError:
                        raise too_large(
                            "A stream line or event",
                            limit,
                            "max_event_bytes",
                            response.request,
                            self._retries,
                        ) from None
                if scope.cancelled_caught:
                    raise self._timed_out(response.request, idle_at)
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
                yield self._decode(sse.event, sse.data)
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

    def _decode(self, event: str, data: str) -> ChunkT:
        if event != "error":
            try:
                return self._chunk_type.model_validate_json(data)
            except ValidationError as exc:
                problem = exc
        else:
            problem = None
        try:
            body = json.loads(data)
        except ValueError:
            raise self._invalid(f"an event is not JSON: {data[:200]!r}") from None
        if event == "error" or _is_error_object(body):
            response = self._response
            raise stream_error(
                body.get("error", body) if isinstance(body, dict) else body,
                status_code=response.status_code if response else 200,
                headers=response.headers if response else {},
                request=response.request if response else None,
                retries=self._retries,
            )
        raise self._invalid(f"an event does not match {self._chunk_type.__name__}: {problem}")

    def _invalid(self, message: str) -> APIResponseValidationError:
        response = self._response
        return APIResponseValidationError(
            f"Invalid stream reply: {message}",
            status_code=response.status_code if response else 0,
            request=response.request if response else None,
            headers=response.headers if response else {},
            retries=self._retries,
        )


def _is_error_object(body: Any) -> bool:
    """Mistral's in-stream error: ``{"object": "error", "message": ...}`` or ``{"error": ...}``."""
    return isinstance(body, dict) and (
        body.get("object") == "error" or "error" in body or "message" in body
    )


class ChatCompletionStream(AsyncStream[CompletionChunk]):
    """A chat (or FIM) completion stream: chunks, text deltas, and the final completion."""

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options, CompletionChunk, idle_timeout=idle_timeout)
        # The completion so far is kept for current_completion(), up to the reply bound: past
        # it, an endless stream would fill memory, so only the last chunk is kept.
        self._accumulator: ChatCompletionAccumulator | None = ChatCompletionAccumulator()
        self._kept = 0
        self._keep_limit = client._bound("max_response_bytes", options.get("max_response_bytes"))
        self._last: CompletionChunk | None = None

    # Hooks rather than a generator around the base one: a generator layer costs each chunk.
    def _decode(self, event: str, data: str) -> CompletionChunk:
        chunk = super()._decode(event, data)
        self._last = chunk
        if self._accumulator is not None:
            self._kept += len(data)
            if self._kept > self._keep_limit:
                self._accumulator = None
            else:
                self._accumulator.add(chunk)
        return chunk

    def _on_done(self) -> None:
        # The stream reached [DONE]: its usage came in the last chunk.
        if self._client.usage_tracker is not None:
            reply = self._last if self._accumulator is None else self.current_completion()
            self._client.usage_tracker.observe(reply, self._request.path)

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
        if self._accumulator is None:
            response = self._response
            raise too_large(
                "The streamed completion",
                self._keep_limit,
                "max_response_bytes",
                response.request if response is not None else None,
                self._retries,
            )
        completion = self._accumulator.completion()
        completion._response_info = self.response_info
        return completion

    async def get_final_completion(self) -> ChatCompletionResponse:
        """Read the rest of the stream and return the whole completion."""
        if not self._closed:
            async for _ in self:
                pass
        return self.current_completion()
