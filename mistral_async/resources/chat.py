"""``client.chat``: chat completions (``POST /v1/chat/completions``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._options import RequestOptions
from .._streaming import ChatCompletionStream
from .._sync import SyncChatCompletionStream, SyncResource, blocking, wrapped
from ..types.chat import ChatCompletionParams, ChatCompletionRequest, ChatCompletionResponse
from ._base import AsyncAPIResource, json_request

PATH = "/v1/chat/completions"


class ChatCompleteArgs(ChatCompletionParams, RequestOptions, total=False):
    pass


class ChatStreamArgs(ChatCompleteArgs, total=False):
    idle_timeout: float | None
    """Seconds allowed between two events before ``StreamIdleTimeoutError``."""


class AsyncChat(AsyncAPIResource):
    async def complete(self, **kwargs: Unpack[ChatCompleteArgs]) -> ChatCompletionResponse:
        """Create a chat completion.

        Takes every field of the spec's ``ChatCompletionRequest`` as a keyword argument
        (``model`` and ``messages`` are required) plus the per-call options ``timeout``,
        ``max_retries``, ``extra_headers``, ``extra_query`` and ``extra_body``. Invalid
        arguments raise ``ArgumentError`` before anything is sent.
        """
        request, options = json_request("POST", PATH, ChatCompletionRequest, kwargs, stream=False)
        return await self._client._request(request, ChatCompletionResponse, options)

    def stream(self, **kwargs: Unpack[ChatStreamArgs]) -> ChatCompletionStream:
        """Stream a chat completion: ``async with`` and/or ``async for`` the returned stream.

        Same arguments as :meth:`complete`, plus ``idle_timeout``. Nothing is sent until the
        stream is entered or iterated.
        """
        params = dict(kwargs)
        idle_timeout: float | None = params.pop("idle_timeout", None)  # type: ignore[assignment]
        request, options = json_request("POST", PATH, ChatCompletionRequest, params, stream=True)
        return ChatCompletionStream(self._client, request, options, idle_timeout=idle_timeout)


class SyncChat(SyncResource[AsyncChat]):
    """Blocking chat completions: the same methods, run on the client's loop thread."""

    complete = blocking(AsyncChat.complete)
    stream = wrapped(AsyncChat.stream, SyncChatCompletionStream)
