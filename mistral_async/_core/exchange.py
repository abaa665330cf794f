"""``Exchange``: a request that went out, its successful response, and the concurrency slot it
holds until it is closed.

``AsyncMistral._open`` is the one way a request is sent: it takes the slot, sends with retries
and returns an ``Exchange``; every caller (a plain call, a stream, a download) closes it, which
closes the response and frees the slot exactly once. Closing runs shielded from cancellation,
so a cancelled task still gives both back. An ``Exchange`` is a plain object, not a generator,
so holding one across a stream's ``yield`` holds no cancel scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx

from .deadline import Deadline
from .errors import transport_error
from .limits import ConcurrencyLimiter
from .logs import log_failure, log_retry
from .options import RequestOptions
from .request import APIRequest
from .response_info import ResponseInfo
from .retry import next_delay

if TYPE_CHECKING:
    from .client import AsyncMistral
    from .tracing import CallSpan


class Exchange:
    """A sent request holding one slot of its client's limiter: ``response`` and ``info``.

    Whoever gets one closes it with ``aclose()`` (safe to repeat) on every path.
    """

    __slots__ = (
        "_client",
        "_deadline",
        "_limiter",
        "_options",
        "_request",
        "info",
        "response",
        "span",
    )

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        limiter: ConcurrencyLimiter,
        response: httpx.Response,
        info: ResponseInfo,
        deadline: Deadline | None = None,
        span: CallSpan | None = None,
    ) -> None:
        self._client = client
        self._request = request
        self._options = options
        self._limiter: ConcurrencyLimiter | None = limiter
        self.response = response
        self.info = info
        self._deadline = deadline
        self.span = span
        """The call's tracing span (``None`` unless tracing is on): ended by ``aclose()``
        unless someone took it (:meth:`take_span`) to end it later with what they read."""

    def take_span(self) -> CallSpan | None:
        span, self.span = self.span, None
        return span

    async def resend(self, failure: Exception) -> None:
        """Send the request again on the same slot, after ``failure`` (an httpx transport
        error) cut the body before any of it was handed over; wait first as the retry policy
        says, or raise the typed error when it allows no retry."""
        retries = self.info.retries
        policy = self._client._policy(self._options)
        delay = next_delay(failure, retries, policy)
        request = self.response.request
        if delay is None:
            error = transport_error(failure, request, retries)
            log_failure(request, error, retries)
            raise error from failure
        log_retry(request, failure, delay, retries + 1, policy.max_retries)
        await self._close_response()
        await anyio.sleep(delay)
        self.response, self.info = await self._client._send(
            self._request,
            self._options,
            stream=True,
            deadline=self._deadline,
            retries_taken=retries + 1,
        )

    async def _close_response(self) -> None:
        response = self.response
        # A read reply was closed by httpx already; only an open body needs the shielded await.
        if not response.is_closed:
            with anyio.CancelScope(shield=True):
                await response.aclose()

    async def aclose(self) -> None:
        """Close the response and free the slot; safe to call twice."""
        limiter, self._limiter = self._limiter, None
        if limiter is None:
            return
        try:
            await self._close_response()
        finally:
            limiter.release()
            span = self.take_span()
            if span is not None:
                span.finish(None, self.info)
