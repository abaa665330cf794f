"""``client.fim``: fill-in-the-middle code completion (``POST /v1/fim/completions``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.streaming import ChatCompletionStream
from .._sync.views import SyncChatCompletionStream, SyncResource, blocking, wrapped
from ..types.fim import FIMCompletionParams, FIMCompletionRequest, FIMCompletionResponse
from ._base import AsyncAPIResource, StreamOptions, completion_stream, json_request

PATH = "/v1/fim/completions"


class FimCompleteArgs(FIMCompletionParams, RequestOptions, total=False):
    pass


class FimStreamArgs(FimCompleteArgs, StreamOptions, total=False):
    pass


class AsyncFim(AsyncAPIResource):
    async def complete(self, **kwargs: Unpack[FimCompleteArgs]) -> FIMCompletionResponse:
        """Fill the gap between ``prompt`` and ``suffix`` (or continue ``prompt``).

        Takes every field of the spec's ``FIMCompletionRequest`` as a keyword argument
        (``model`` and ``prompt`` are required) plus the per-call options. Invalid arguments
        raise ``ArgumentError`` before anything is sent.
        """
        request, options = json_request("POST", PATH, FIMCompletionRequest, kwargs, stream=False)
        return await self._client._request(request, FIMCompletionResponse, options)

    def stream(self, **kwargs: Unpack[FimStreamArgs]) -> ChatCompletionStream:
        """Stream a FIM completion: the same chunks as a chat stream, so the same stream type
        (``async with``/``async for``, ``text_deltas()``, ``get_final_completion()``).

        Same arguments as :meth:`complete`, plus ``idle_timeout``. Nothing is sent until the
        stream is entered or iterated.
        """
        return completion_stream(self._client, PATH, FIMCompletionRequest, kwargs)


class SyncFim(SyncResource[AsyncFim]):
    """Blocking FIM completions: the same methods, run on the client's loop thread."""

    complete = blocking(AsyncFim.complete)
    stream = wrapped(AsyncFim.stream, SyncChatCompletionStream)
