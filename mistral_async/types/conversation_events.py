"""Conversation stream events (the spec's ``ConversationEvents``).

Each server-sent event of a streamed conversation has an ``event`` name and a JSON ``data``
object whose ``type`` repeats that name. The stream has no ``[DONE]``: it ends when the
connection closes after ``conversation.response.done``, and ``conversation.response.error``
carries an error in-band. :data:`ConversationEvent` is the union of the ``data`` objects; a
type added to the API later reads as :class:`UnknownEvent` rather than breaking the stream.

``output_index`` says which entry of the response's ``outputs`` an event builds, and
``content_index`` which part of a message's content a text delta extends (see the accumulator,
``mistral_async._core.conversation_accumulate``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Tag, TypeAdapter

from ._base import MistralModel
from ._unions import UnknownKind, type_discriminator
from .content import BuiltInConnector
from .conversation_entries import OutputContentChunks, ToolExecutionInfo

SSETypes = Literal[
    "conversation.response.started",
    "conversation.response.done",
    "conversation.response.error",
    "message.output.delta",
    "tool.execution.started",
    "tool.execution.delta",
    "tool.execution.done",
    "agent.handoff.started",
    "agent.handoff.done",
    "function.call.delta",
]
"""The event names the spec lists."""


class ConversationUsageInfo(MistralModel):
    """Tokens used by a conversation step; built-in connectors count theirs apart."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    connector_tokens: int | None = None
    connectors: dict[str, int] | None = None
    """Calls made per connector (``{"web_search": 1}``)."""


class _Event(MistralModel):
    created_at: datetime | None = None


class _OutputEvent(_Event):
    output_index: int = 0
    id: str
    """The id of the entry the event builds."""


class ResponseStartedEvent(_Event):
    type: Literal["conversation.response.started"] = "conversation.response.started"
    conversation_id: str


class ResponseDoneEvent(_Event):
    """The last event of a stream that went well."""

    type: Literal["conversation.response.done"] = "conversation.response.done"
    usage: ConversationUsageInfo


class ResponseErrorEvent(_Event):
    """An error reported in the stream itself, after its 200 status."""

    type: Literal["conversation.response.error"] = "conversation.response.error"
    message: str
    code: int


class ToolExecutionStartedEvent(_OutputEvent):
    type: Literal["tool.execution.started"] = "tool.execution.started"
    model: str | None = None
    agent_id: str | None = None
    name: BuiltInConnector | str
    arguments: str


class ToolExecutionDeltaEvent(_OutputEvent):
    """More of a tool execution's arguments."""

    type: Literal["tool.execution.delta"] = "tool.execution.delta"
    name: BuiltInConnector | str
    arguments: str


class ToolExecutionDoneEvent(_OutputEvent):
    type: Literal["tool.execution.done"] = "tool.execution.done"
    name: BuiltInConnector | str
    info: ToolExecutionInfo | None = None


class MessageOutputEvent(_OutputEvent):
    """A piece of an output message: text to add, or a whole content part."""

    type: Literal["message.output.delta"] = "message.output.delta"
    content_index: int = 0
    model: str | None = None
    agent_id: str | None = None
    role: Literal["assistant"] = "assistant"
    content: str | OutputContentChunks


class FunctionCallEvent(_OutputEvent):
    """A piece of a function call: the name and id come whole, ``arguments`` in pieces."""

    type: Literal["function.call.delta"] = "function.call.delta"
    model: str | None = None
    agent_id: str | None = None
    name: str
    tool_call_id: str
    arguments: str
    confirmation_status: str | None = None
    """``pending``, ``allowed`` or ``denied`` when the tool needs confirmation."""


class AgentHandoffStartedEvent(_OutputEvent):
    type: Literal["agent.handoff.started"] = "agent.handoff.started"
    previous_agent_id: str
    previous_agent_name: str


class AgentHandoffDoneEvent(_OutputEvent):
    type: Literal["agent.handoff.done"] = "agent.handoff.done"
    next_agent_id: str
    next_agent_name: str


class UnknownEvent(UnknownKind):
    """An event type this SDK does not know yet (see ``raw``)."""


ConversationEvent = Annotated[
    Annotated[ResponseStartedEvent, Tag("ResponseStartedEvent")]
    | Annotated[ResponseDoneEvent, Tag("ResponseDoneEvent")]
    | Annotated[ResponseErrorEvent, Tag("ResponseErrorEvent")]
    | Annotated[ToolExecutionStartedEvent, Tag("ToolExecutionStartedEvent")]
    | Annotated[ToolExecutionDeltaEvent, Tag("ToolExecutionDeltaEvent")]
    | Annotated[ToolExecutionDoneEvent, Tag("ToolExecutionDoneEvent")]
    | Annotated[MessageOutputEvent, Tag("MessageOutputEvent")]
    | Annotated[FunctionCallEvent, Tag("FunctionCallEvent")]
    | Annotated[AgentHandoffStartedEvent, Tag("AgentHandoffStartedEvent")]
    | Annotated[AgentHandoffDoneEvent, Tag("AgentHandoffDoneEvent")]
    | Annotated[UnknownEvent, Tag("UnknownEvent")],
    type_discriminator(
        ResponseStartedEvent,
        ResponseDoneEvent,
        ResponseErrorEvent,
        ToolExecutionStartedEvent,
        ToolExecutionDeltaEvent,
        ToolExecutionDoneEvent,
        MessageOutputEvent,
        FunctionCallEvent,
        AgentHandoffStartedEvent,
        AgentHandoffDoneEvent,
        fallback=UnknownEvent,
    ),
]
"""The ``data`` of a conversation stream event, told apart by ``type``."""

conversation_event_adapter: TypeAdapter[ConversationEvent] = TypeAdapter(ConversationEvent)
"""Reads one event's ``data``: ``conversation_event_adapter.validate_json(sse.data)``."""


class ConversationEvents(MistralModel):
    """One server-sent event as the spec describes it: its name and its data."""

    event: str
    """One of ``SSETypes`` (kept a ``str``: new names must not break a stream)."""
    data: ConversationEvent
