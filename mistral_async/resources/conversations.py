"""``client.beta.conversations``: stateful conversations (``/v1/conversations``).

``start`` opens a conversation with a ``model`` (and its instructions, tools, completion
arguments) or an ``agent_id``; the API keeps its entries (unless ``store=False``), so ``append``
continues it and ``restart`` branches a new one from any of its entries. Each step has a
streamed twin (``start_stream``...) whose events are typed and whose final response is put
together by its accumulator. ``run``/``run_stream`` let the model call Python functions until
it answers (:mod:`.conversation_run`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from typing_extensions import Required, Unpack

from .._core.event_streams import ConversationEventStream
from .._core.options import RequestOptions
from .._core.request import APIRequest
from .._sync.views import (
    SyncConversationEventStream,
    SyncConversationRunStream,
    SyncConversationSteps,
    SyncResource,
    blocking,
    wrapped,
)
from ..tools import FunctionTool
from ..types.agent_tools import AgentToolParam
from ..types.conversations import Conversation as ConversationInfo
from ..types.conversations import (
    ConversationAppendParams,
    ConversationAppendRequest,
    ConversationAppendStreamRequest,
    ConversationHistory,
    ConversationList,
    ConversationMessages,
    ConversationRequest,
    ConversationResponse,
    ConversationRestartParams,
    ConversationRestartRequest,
    ConversationRestartStreamRequest,
    ConversationSetupParams,
    ConversationsListParams,
    ConversationsListQuery,
    ConversationStartParams,
    ConversationStreamRequest,
)
from ._base import (
    AsyncAPIResource,
    StreamOptions,
    event_stream,
    json_query_request,
    json_request,
    options_only,
    path_param,
)
from .conversation_run import (
    ConversationRun,
    ConversationRunStream,
    ConversationSteps,
    OnConversationStep,
)

PATH = "/v1/conversations"


class ConversationStartArgs(ConversationStartParams, RequestOptions, total=False):
    pass


class ConversationStartStreamArgs(ConversationStartArgs, StreamOptions, total=False):
    pass


class ConversationAppendArgs(ConversationAppendParams, RequestOptions, total=False):
    pass


class ConversationAppendStreamArgs(ConversationAppendArgs, StreamOptions, total=False):
    pass


class ConversationRestartArgs(ConversationRestartParams, RequestOptions, total=False):
    pass


class ConversationRestartStreamArgs(ConversationRestartArgs, StreamOptions, total=False):
    pass


class ConversationsListArgs(ConversationsListParams, RequestOptions, total=False):
    pass


class ConversationRunArgs(ConversationSetupParams, RequestOptions, total=False):
    tools: Required[Sequence[Callable[..., Any] | FunctionTool | AgentToolParam]]
    """Python functions (sync or async) or ``function_tool(...)`` descriptions of them, and
    any other tool to offer (built-in connectors)."""
    conversation_id: str | None
    """Continue this conversation (its own tools apply) instead of starting one."""
    max_steps: int
    """The most model calls of the run (10 by default)."""
    tool_timeout: float | None
    """Seconds each function call may take (60 by default; ``None``: no limit)."""
    on_step: OnConversationStep | None
    """Called with each ``ConversationStep`` as it ends; sync or async."""


def _path(conversation_id: str, *rest: str) -> str:
    return "/".join([PATH, path_param("conversation_id", conversation_id), *rest])


class AsyncConversations(AsyncAPIResource):
    """Conversations kept server-side (``client.beta.conversations``)."""

    async def start(self, **kwargs: Unpack[ConversationStartArgs]) -> ConversationResponse:
        """Start a conversation and answer its first ``inputs`` (a string, or entries).

        Give ``model`` (with ``instructions``, ``tools``, ``completion_args`` as wanted) or
        ``agent_id`` (and ``agent_version``); the other fields are the spec's
        ``ConversationRequest``. Invalid arguments raise ``ArgumentError`` before sending.
        """
        request, options = json_request("POST", PATH, ConversationRequest, kwargs)
        return await self._client._request(request, ConversationResponse, options)

    def start_stream(
        self, **kwargs: Unpack[ConversationStartStreamArgs]
    ) -> ConversationEventStream:
        """:meth:`start` as a stream of typed events (``async with`` / ``async for``;
        ``get_final_response()``). Nothing is sent until it is used."""
        return event_stream(
            self._client, PATH, ConversationStreamRequest, kwargs, ConversationEventStream
        )

    async def list(self, **kwargs: Unpack[ConversationsListArgs]) -> ConversationList:
        """One page of conversations, newest first (``page``, ``page_size``; ``metadata``
        keeps those whose metadata has all its keys and values)."""
        request, options = json_query_request("GET", PATH, ConversationsListQuery, kwargs)
        return await self._client._request(request, ConversationList, options)

    async def get(self, conversation_id: str, **kwargs: Unpack[RequestOptions]) -> ConversationInfo:
        """A conversation: a ``ModelConversation`` or an ``AgentConversation``."""
        request = APIRequest("GET", _path(conversation_id))
        found = await self._client._request(request, ConversationInfo, options_only(kwargs))
        return cast(ConversationInfo, found)  # an annotated union: the type checker sees Any

    async def delete(self, conversation_id: str, **kwargs: Unpack[RequestOptions]) -> None:
        """Delete a conversation and its entries."""
        request = APIRequest("DELETE", _path(conversation_id))
        await self._client._request(request, None, options_only(kwargs))

    async def append(
        self, conversation_id: str, **kwargs: Unpack[ConversationAppendArgs]
    ) -> ConversationResponse:
        """Add ``inputs`` (and/or answer ``tool_confirmations``) and get the new outputs."""
        path = _path(conversation_id)
        request, options = json_request("POST", path, ConversationAppendRequest, kwargs)
        return await self._client._request(request, ConversationResponse, options)

    def append_stream(
        self, conversation_id: str, **kwargs: Unpack[ConversationAppendStreamArgs]
    ) -> ConversationEventStream:
        """:meth:`append` as a stream of typed events."""
        path = _path(conversation_id)
        return event_stream(
            self._client, path, ConversationAppendStreamRequest, kwargs, ConversationEventStream
        )

    async def get_history(
        self, conversation_id: str, **kwargs: Unpack[RequestOptions]
    ) -> ConversationHistory:
        """Every entry of the conversation, in order: messages, calls, executions, handoffs."""
        request = APIRequest("GET", _path(conversation_id, "history"))
        return await self._client._request(request, ConversationHistory, options_only(kwargs))

    async def get_messages(
        self, conversation_id: str, **kwargs: Unpack[RequestOptions]
    ) -> ConversationMessages:
        """The conversation's messages only."""
        request = APIRequest("GET", _path(conversation_id, "messages"))
        return await self._client._request(request, ConversationMessages, options_only(kwargs))

    async def restart(
        self, conversation_id: str, **kwargs: Unpack[ConversationRestartArgs]
    ) -> ConversationResponse:
        """A new conversation with this one's entries up to ``from_entry_id``, then
        ``inputs`` and the answer (its ``conversation_id`` is the new one)."""
        path = _path(conversation_id, "restart")
        request, options = json_request("POST", path, ConversationRestartRequest, kwargs)
        return await self._client._request(request, ConversationResponse, options)

    def restart_stream(
        self, conversation_id: str, **kwargs: Unpack[ConversationRestartStreamArgs]
    ) -> ConversationEventStream:
        """:meth:`restart` as a stream of typed events."""
        path = _path(conversation_id, "restart")
        return event_stream(
            self._client, path, ConversationRestartStreamRequest, kwargs, ConversationEventStream
        )

    async def run(self, **kwargs: Unpack[ConversationRunArgs]) -> ConversationRun:
        """Let the model call Python functions until it answers, or for ``max_steps`` calls.

        Takes :meth:`start`'s arguments (or ``conversation_id`` to continue one), with
        ``tools`` holding the functions; they run concurrently, each within
        ``tool_timeout``, and their results (or errors) go back as ``function.result``
        entries. ``on_step`` is called with each ``ConversationStep``.

        :raises ToolDefinitionError: a function whose signature cannot be described.
        """
        return await ConversationSteps(self, kwargs).run()

    def run_steps(self, **kwargs: Unpack[ConversationRunArgs]) -> ConversationSteps:
        """The same run as :meth:`run`, as an async iterator of ``ConversationStep``
        (``.result`` holds the ``ConversationRun`` at the end). Nothing is sent until it is
        iterated."""
        return ConversationSteps(self, kwargs)

    def run_stream(self, **kwargs: Unpack[ConversationRunArgs]) -> ConversationRunStream:
        """The same run, streamed: the typed events of each model call as they arrive, and
        each ``ConversationStep`` once its functions have run. Nothing is sent until it is
        iterated."""
        return ConversationRunStream(self, kwargs)


class SyncConversations(SyncResource[AsyncConversations]):
    """Blocking conversations: the same methods, run on the client's loop thread."""

    start = blocking(AsyncConversations.start)
    start_stream = wrapped(AsyncConversations.start_stream, SyncConversationEventStream)
    list = blocking(AsyncConversations.list)
    get = blocking(AsyncConversations.get)
    delete = blocking(AsyncConversations.delete)
    append = blocking(AsyncConversations.append)
    append_stream = wrapped(AsyncConversations.append_stream, SyncConversationEventStream)
    get_history = blocking(AsyncConversations.get_history)
    get_messages = blocking(AsyncConversations.get_messages)
    restart = blocking(AsyncConversations.restart)
    restart_stream = wrapped(AsyncConversations.restart_stream, SyncConversationEventStream)
    run = blocking(AsyncConversations.run)
    run_steps = wrapped(AsyncConversations.run_steps, SyncConversationSteps)
    run_stream = wrapped(AsyncConversations.run_stream, SyncConversationRunStream)
