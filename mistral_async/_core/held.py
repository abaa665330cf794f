"""A response kept open after the call that made it: what streams and downloads share.

The request is sent on ``async with`` or on first use, not when the object is created. From then
until it is closed (read to its end, ``break``, an exception, cancellation, ``aclose()``) the
response holds one of the client's concurrency slots. Closing runs shielded from cancellation,
so the connection and the slot are given back even by a cancelled task.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import anyio
import httpx
from typing_extensions import Self

from ..types._base import ResponseInfo
from .options import RequestOptions
from .request import APIRequest

if TYPE_CHECKING:
    from .client import AsyncMistral


class HeldResponse:
    """The open-use-close life of a response read after the call returns."""

    def __init__(self, client: AsyncMistral, request: APIRequest, options: RequestOptions) -> None:
        self._client = client
        self._request = request
        self._options = options
        self._response: httpx.Response | None = None
        self._holds_slot = False
        self._started = False
        self._closed = False
        self._retries = 0
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

    async def _start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise RuntimeError(f"This {type(self).__name__} is closed.")
        self._started = True
        await self._client._limiter.acquire()
        self._holds_slot = True
        try:
            await self._open(retries_taken=0)
        except BaseException:
            await self.aclose()
            raise

    async def _open(self, retries_taken: int) -> None:
        from .client import response_info

        response, self._retries = await self._client._send(
            self._request, self._options, stream=True, retries_taken=retries_taken
        )
        self._response = response
        self.response_info = response_info(response, self._retries)

    async def aclose(self) -> None:
        """Close the HTTP response and free the concurrency slot; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        response, self._response = self._response, None
        try:
            if response is not None:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        finally:
            if self._holds_slot:
                self._holds_slot = False
                self._client._limiter.release()
