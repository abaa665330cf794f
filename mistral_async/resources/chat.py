"""``client.chat``: chat completions (``POST /v1/chat/completions``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from typing_extensions import Required, Unpack

from .._core.options import RequestOptions
from .._core.request import APIRequest
from .._core.streaming import ChatCompletionStream
from .._structured import ParsedChatCompletion, ParsedChatCompletionStream, output_type
from .._sync.views import (
    SyncChatCompletionStream,
    SyncParsedChatCompletionStream,
    SyncResource,
    SyncToolSteps,
    blocking,
    wrapped,
)
from ..tools import FunctionTool, OnStep, ToolRun, ToolSteps
from ..types.chat import (
    ChatCompletionParams,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatGenerationParams,
    MessageParam,
    Tool,
)
from ..types.model_names import ChatModelName
from ._base import AsyncAPIResource, json_request, pop_idle_timeout

ParsedT = TypeVar("ParsedT")

PATH = "/v1/chat/completions"


def chat_request(kwargs: Mapping[str, Any], *, stream: bool) -> tuple[APIRequest, RequestOptions]:
    """The chat completion request for ``kwargs``: the body's fields, validated once against
    ``ChatCompletionRequest`` into the JSON body (``stream`` set as given), and the per-call
    options apart. ``ArgumentError`` before anything is sent.

    The one place a chat request is built: every method below, conversations, and the batch
    runner's chat items (sent through ``chat.complete`` and ``chat.stream``) come here.
    """
    return json_request("POST", PATH, ChatCompletionRequest, kwargs, stream=stream)


class ChatCompleteArgs(ChatCompletionParams, RequestOptions, total=False):
    pass


class ChatStreamArgs(ChatCompleteArgs, total=False):
    idle_timeout: float | None
    """Seconds allowed between two events before ``StreamIdleTimeoutError``."""


class ChatMessagesArgs(ChatGenerationParams, RequestOptions, total=False):
    model: Required[ChatModelName]
    messages: Required[Sequence[MessageParam]]


class ChatParseArgs(ChatMessagesArgs, total=False):
    tools: Sequence[Tool | Mapping[str, Any]] | None


class ChatToolRunArgs(ChatMessagesArgs, total=False):
    tools: Required[Sequence[Callable[..., Any] | FunctionTool]]
    """Functions (sync or async), or ``function_tool(...)`` descriptions of them."""
    max_steps: int
    """The most model calls of the run (10 by default)."""
    tool_timeout: float | None
    """Seconds each tool call may take (60 by default; ``None``: no limit)."""
    on_step: OnStep | None
    """Called with each ``ToolStep`` as it ends; sync or async."""


class ChatStreamParseArgs(ChatParseArgs, total=False):
    idle_timeout: float | None


class AsyncChat(AsyncAPIResource):
    async def complete(self, **kwargs: Unpack[ChatCompleteArgs]) -> ChatCompletionResponse:
        """Create a chat completion.

        Takes every field of the spec's ``ChatCompletionRequest`` as a keyword argument
        (``model`` and ``messages`` are required) plus the per-call options ``timeout``,
        ``deadline``, ``max_retries``, ``extra_headers``, ``extra_query`` and ``extra_body``.
        Invalid arguments raise ``ArgumentError`` before anything is sent.
        """
        request, options = chat_request(kwargs, stream=False)
        return await self._client._request(request, ChatCompletionResponse, options)

    def stream(self, **kwargs: Unpack[ChatStreamArgs]) -> ChatCompletionStream:
        """Stream a chat completion: ``async with`` and/or ``async for`` the returned stream.

        Same arguments as :meth:`complete`, plus ``idle_timeout``. Nothing is sent until the
        stream is entered or iterated.
        """
        params: dict[str, Any] = dict(kwargs)
        idle_timeout = pop_idle_timeout(params)
        request, options = chat_request(params, stream=True)
        return ChatCompletionStream(self._client, request, options, idle_timeout=idle_timeout)

    async def parse(
        self, *, response_format: type[ParsedT], **kwargs: Unpack[ChatParseArgs]
    ) -> ParsedChatCompletion[ParsedT]:
        """Create a chat completion whose answer is parsed into ``response_format``.

        A pydantic model (or dataclass, TypedDict) is sent as a strict ``json_schema`` format;
        ``dict`` asks for JSON mode (``json_object``). ``.parsed`` of the result is the value.

        :raises StrictSchemaError: the type cannot become a strict JSON schema.
        :raises LengthFinishReasonError: the answer was cut by the token limit.
        :raises ContentFilterFinishReasonError: the answer was withheld by content filtering.
        :raises ParseError: the answer is not JSON or does not validate (``raw_text`` kept).
        """
        output = output_type(response_format)
        params = {**kwargs, "response_format": output.response_format}
        request, options = chat_request(params, stream=False)
        return output.parse(await self._client._request(request, ParsedChatCompletion, options))  # pyright: ignore[reportUnknownArgumentType]

    def stream_parse(
        self, *, response_format: type[ParsedT], **kwargs: Unpack[ChatStreamParseArgs]
    ) -> ParsedChatCompletionStream[ParsedT]:
        """Stream a structured answer: partial text as it arrives, then ``await
        stream.get_final_completion()`` for the parsed value (same errors as :meth:`parse`)."""
        output = output_type(response_format)
        params: dict[str, Any] = {**kwargs, "response_format": output.response_format}
        idle_timeout = pop_idle_timeout(params)
        request, options = chat_request(params, stream=True)
        return ParsedChatCompletionStream(
            self._client, request, options, output, idle_timeout=idle_timeout
        )

    async def run_tools(self, **kwargs: Unpack[ChatToolRunArgs]) -> ToolRun:
        """Let the model call Python functions until it answers, or for ``max_steps`` calls.

        Requested tools run concurrently, each within ``tool_timeout`` seconds, and their
        results or errors go back as tool messages. ``on_step`` is called with each step.
        The other arguments are those of :meth:`complete`.

        :raises ToolDefinitionError: a function whose signature cannot be described.
        """
        return await ToolSteps.from_arguments(self._client, kwargs).run()

    def tool_steps(self, **kwargs: Unpack[ChatToolRunArgs]) -> ToolSteps:
        """The same run as :meth:`run_tools`, as an async iterator of ``ToolStep`` (``.result``
        holds the ``ToolRun`` once it has ended). Nothing is sent until it is iterated."""
        return ToolSteps.from_arguments(self._client, kwargs)


class SyncChat(SyncResource[AsyncChat]):
    """Blocking chat completions: the same methods, run on the client's loop thread."""

    complete = blocking(AsyncChat.complete)
    stream = wrapped(AsyncChat.stream, SyncChatCompletionStream)
    parse = blocking(AsyncChat.parse)
    stream_parse = wrapped(AsyncChat.stream_parse, SyncParsedChatCompletionStream[Any])
    run_tools = blocking(AsyncChat.run_tools)
    tool_steps = wrapped(AsyncChat.tool_steps, SyncToolSteps)
