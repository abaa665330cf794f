"""Rebuild a ``ConversationResponse`` from conversation stream events: pure, no I/O.

Every output entry is built from the events that share its ``output_index``:

- ``message.output.delta``: the content, part by part (``content_index``): text deltas are
  concatenated, as are the thinking parts of a reasoning model; other parts are kept whole;
- ``function.call.delta``: the name and ``tool_call_id`` come whole, the ``arguments`` in pieces;
- ``tool.execution.started`` / ``.delta`` / ``.done``: the name, the arguments (started and the
  deltas, concatenated), then ``info``;
- ``agent.handoff.started`` / ``.done``: the previous agent, then the next one.

``conversation.response.started`` gives the conversation id and ``conversation.response.done``
the usage. A ``conversation.response.error`` is recorded in :attr:`error` for the stream layer
to raise; events of a type this SDK does not know are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ..types.content import TextChunk, ThinkChunk
from ..types.conversation_entries import (
    AgentHandoffEntry,
    FunctionCallEntry,
    MessageOutputEntry,
    ToolExecutionEntry,
)
from ..types.conversation_events import (
    AgentHandoffDoneEvent,
    AgentHandoffStartedEvent,
    ConversationEvent,
    ConversationUsageInfo,
    FunctionCallEvent,
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseErrorEvent,
    ResponseStartedEvent,
    ToolExecutionDeltaEvent,
    ToolExecutionDoneEvent,
    ToolExecutionStartedEvent,
)
from ..types.conversations import ConversationResponse

_Entry = MessageOutputEntry | FunctionCallEntry | ToolExecutionEntry | AgentHandoffEntry


@dataclass
class _Output:
    id: str
    created_at: datetime | None
    model: str | None = None
    agent_id: str | None = None

    def entry(self) -> _Entry:
        raise NotImplementedError


@dataclass
class _MessageParts(_Output):
    contents: dict[int, list[Any]] = field(default_factory=dict[int, list[Any]])
    """``content_index`` → the parts in arrival order (``str`` text deltas or chunk models)."""

    def entry(self) -> MessageOutputEntry:
        chunks = [
            chunk for index in sorted(self.contents) for chunk in _merge(self.contents[index])
        ]
        content: Any = chunks
        if not chunks:
            content = ""
        elif len(chunks) == 1 and isinstance(chunks[0], TextChunk):
            content = chunks[0].text  # plain text reads as the non-streamed reply does: a str
        return MessageOutputEntry(
            id=self.id,
            created_at=self.created_at,
            model=self.model,
            agent_id=self.agent_id,
            content=content,
        )


@dataclass
class _FunctionCallParts(_Output):
    name: str = ""
    tool_call_id: str = ""
    arguments: list[str] = field(default_factory=list[str])
    confirmation_status: str | None = None

    def entry(self) -> FunctionCallEntry:
        return FunctionCallEntry(
            id=self.id,
            created_at=self.created_at,
            model=self.model,
            agent_id=self.agent_id,
            name=self.name,
            tool_call_id=self.tool_call_id,
            arguments="".join(self.arguments),
            confirmation_status=self.confirmation_status,
        )


@dataclass
class _ToolExecutionParts(_Output):
    name: str = ""
    arguments: list[str] = field(default_factory=list[str])
    info: dict[str, Any] | None = None
    completed_at: datetime | None = None

    def entry(self) -> ToolExecutionEntry:
        return ToolExecutionEntry(
            id=self.id,
            created_at=self.created_at,
            completed_at=self.completed_at,
            model=self.model,
            agent_id=self.agent_id,
            name=self.name,
            arguments="".join(self.arguments),
            info=self.info,
        )


@dataclass
class _HandoffParts(_Output):
    previous_agent_id: str = ""
    previous_agent_name: str = ""
    next_agent_id: str = ""
    next_agent_name: str = ""
    completed_at: datetime | None = None

    def entry(self) -> AgentHandoffEntry:
        return AgentHandoffEntry(
            id=self.id,
            created_at=self.created_at,
            completed_at=self.completed_at,
            previous_agent_id=self.previous_agent_id,
            previous_agent_name=self.previous_agent_name,
            next_agent_id=self.next_agent_id,
            next_agent_name=self.next_agent_name,
        )


PartsT = TypeVar("PartsT", bound=_Output)
_OutputEvent = (
    MessageOutputEvent
    | FunctionCallEvent
    | ToolExecutionStartedEvent
    | ToolExecutionDeltaEvent
    | ToolExecutionDoneEvent
    | AgentHandoffStartedEvent
    | AgentHandoffDoneEvent
)


class ConversationAccumulator:
    """Feed it events with :meth:`add`; read the response so far with :meth:`response`."""

    def __init__(self) -> None:
        self.conversation_id: str | None = None
        self.usage: ConversationUsageInfo | None = None
        self.error: ResponseErrorEvent | None = None
        """The in-band error, once the stream has sent one."""
        self.done = False
        """Whether ``conversation.response.done`` has arrived."""
        # Keyed by output index and kind: a stream that reused an index for another kind of
        # entry must not merge two entries into one.
        self._outputs: dict[tuple[int, type[_Output]], _Output] = {}
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            MessageOutputEvent: self._message,
            FunctionCallEvent: self._function_call,
            ToolExecutionStartedEvent: self._tool_execution,
            ToolExecutionDeltaEvent: self._tool_execution,
            ToolExecutionDoneEvent: self._tool_execution,
            AgentHandoffStartedEvent: self._handoff,
            AgentHandoffDoneEvent: self._handoff,
            ResponseStartedEvent: self._started,
            ResponseDoneEvent: self._done,
            ResponseErrorEvent: self._error,
        }

    def add(self, event: ConversationEvent) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:  # an UnknownEvent adds nothing the response can hold
            handler(event)

    def _slot(self, kind: type[PartsT], event: _OutputEvent) -> PartsT:
        key = (event.output_index, kind)
        parts = self._outputs.get(key)
        if not isinstance(parts, kind):
            parts = kind(id=event.id, created_at=event.created_at)
            self._outputs[key] = parts
        model = getattr(event, "model", None)
        if model is not None:
            parts.model = model
        agent_id = getattr(event, "agent_id", None)
        if agent_id is not None:
            parts.agent_id = agent_id
        return parts

    def _message(self, event: MessageOutputEvent) -> None:
        parts = self._slot(_MessageParts, event)
        parts.contents.setdefault(event.content_index, []).append(event.content)

    def _function_call(self, event: FunctionCallEvent) -> None:
        parts = self._slot(_FunctionCallParts, event)
        # The name and id arrive whole in the first piece; later pieces repeat them or leave
        # them empty, so they are set once rather than concatenated.
        if event.name and not parts.name:
            parts.name = event.name
        if event.tool_call_id and not parts.tool_call_id:
            parts.tool_call_id = event.tool_call_id
        parts.arguments.append(event.arguments)
        if event.confirmation_status is not None:
            parts.confirmation_status = event.confirmation_status

    def _tool_execution(
        self, event: ToolExecutionStartedEvent | ToolExecutionDeltaEvent | ToolExecutionDoneEvent
    ) -> None:
        parts = self._slot(_ToolExecutionParts, event)
        if event.name and not parts.name:
            parts.name = event.name
        if isinstance(event, ToolExecutionDoneEvent):
            parts.info = event.info
            parts.completed_at = event.created_at
        else:
            parts.arguments.append(event.arguments)

    def _handoff(self, event: AgentHandoffStartedEvent | AgentHandoffDoneEvent) -> None:
        parts = self._slot(_HandoffParts, event)
        if isinstance(event, AgentHandoffStartedEvent):
            parts.previous_agent_id = event.previous_agent_id
            parts.previous_agent_name = event.previous_agent_name
        else:
            parts.next_agent_id = event.next_agent_id
            parts.next_agent_name = event.next_agent_name
            parts.completed_at = event.created_at

    def _started(self, event: ResponseStartedEvent) -> None:
        self.conversation_id = event.conversation_id

    def _done(self, event: ResponseDoneEvent) -> None:
        self.usage = event.usage
        self.done = True

    def _error(self, event: ResponseErrorEvent) -> None:
        self.error = event

    def response(self) -> ConversationResponse:
        """The response as far as the stream has come (complete once it is ``done``)."""
        # Sorted by output index; dict order (arrival) breaks ties, as sorted() is stable.
        ordered = sorted(self._outputs.items(), key=lambda item: item[0][0])
        return ConversationResponse(
            conversation_id=self.conversation_id or "",
            outputs=[parts.entry() for _, parts in ordered],
            usage=self.usage or ConversationUsageInfo(),
        )


def _merge(parts: list[Any]) -> list[Any]:
    """The content parts at one ``content_index``: adjacent text deltas (``str`` or
    ``TextChunk``) joined into one ``TextChunk``, adjacent thinking parts into one
    ``ThinkChunk``, other parts kept as they came."""
    out: list[Any] = []
    text: list[str] = []
    thinking: list[Any] = []
    closed = True

    def flush() -> None:
        nonlocal closed
        if text:
            out.append(TextChunk(text="".join(text)))
            text.clear()
        if thinking:
            out.append(ThinkChunk(thinking=_merge(thinking), closed=closed))
            thinking.clear()
            closed = True

    for part in parts:
        if isinstance(part, (str, TextChunk)):
            if thinking:
                flush()
            text.append(part if isinstance(part, str) else part.text)
        elif isinstance(part, ThinkChunk):
            if text:
                flush()
            thinking.extend(part.thinking)
            closed = part.closed
        else:
            flush()
            out.append(part)
    flush()
    return out
