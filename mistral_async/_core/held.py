"""A response kept open after the call that made it: what streams and downloads share.

The request is sent on ``async with`` or on first use, not when the object is created. From then
until it is closed (read to its end, ``break``, an exception, cancellation, ``aclose()``) the
response holds one of the client's concurrency slots, through the ``Exchange`` that
``AsyncMistral._open`` returns. Closing runs shielded from cancellation, so the connection and
the slot are given back even by a cancelled task.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
from typing_extensions import Self

from .deadline import Deadline
from .options import RequestOptions
from .request import APIRequest
from .response_info import ResponseInfo
from .upload import close_parts

if TYPE_CHECKING:
    from .client import AsyncMistral
    from .exchange import Exchange


class HeldResponse:
    """The open-use-close life of a response read after the call returns."""

    def __init__(self, client: AsyncMistral, request: APIRequest, options: RequestOptions) -> None:
        self._client = client
        self._request = request
        self._options = options
        self._exchange: Exchange | None = None
        self._deadline: Deadline | None = None
        self._started = False
        self._closed = False
        self.response_info: ResponseInfo | None = None
        """Status, headers, request id, retries and rate limits, once it has started."""

    async def __aenter__(self) -> Self:
        await self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def _response(self) -> httpx.Response | None:
        """The open response, from the start until it is closed."""
        exchange = self._exchange
        return exchange.response if exchange is not None else None

    @property
    def _retries(self) -> int:
        info = self.response_info
        return info.retries if info is not None else 0

    async def _start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise RuntimeError(f"This {type(self).__name__} is closed.")
        self._started = True
        try:
            # One deadline for the whole life of the response, if the call set one.
            self._deadline = Deadline.start(self._options.get("deadline"))
            self._exchange = await self._client._open(
                self._request, self._options, stream=True, deadline=self._deadline
            )
        except BaseException:
            await self.aclose()
            raise
        self.response_info = self._exchange.info
        self._watch()

    def _watch(self) -> None:
        """Let the call's span (if tracing is on) see the stream's first event."""
        exchange = self._exchange
        if exchange is not None and exchange.span is not None:
            exchange.span.watch(exchange.response)

    async def _resend(self, failure: Exception) -> None:
        """Send again after ``failure`` cut the body before any of it was handed over (see
        ``Exchange.resend``); the slot stays held."""
        assert self._exchange is not None
        await self._exchange.resend(failure)
        self.response_info = self._exchange.info
        self._watch()

    async def aclose(self) -> None:
        """Close the HTTP response and free the concurrency slot; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        exchange, self._exchange = self._exchange, None
        try:
            if exchange is None:
                return
            span = exchange.take_span()
            await exchange.aclose()
            if span is not None:
                # What ends the response: the exception propagating through the finally or
                # __aexit__ that closes it, if any (a ``break`` is GeneratorExit: a normal end).
                error = sys.exc_info()[1]
                if isinstance(error, GeneratorExit):
                    error = None
                if error is None:
                    span.finish(self._traced_reply(), exchange.info)
                else:
                    span.fail(error, exchange.info)
        finally:
            if self._request.files:
                close_parts(self._request.files)  # the files a multipart request opened

    def _traced_reply(self) -> object | None:
        """The reply a span describes when the response closes: a stream's result so far
        (its accumulator's, where the stream assembles one), else nothing."""
        current = getattr(self, "_current", None)
        if current is None:
            return None
        try:
            reply: object = current()
        except Exception:  # too large to have been kept, or nothing assembled
            return None
        return reply
