"""Conversation entries: the messages, function calls and results, built-in tool executions and
agent handoffs a conversation is made of, told apart by ``type``.

The same entry models are read from replies and sent as ``inputs``, so an entry of a history can
go back into a request as it is. The unions differ by direction:

- :data:`InputEntry`, in request models, accepts the six kinds only; a dict without ``type`` is
  read as the kind its keys show (``{"role": "user", "content": "hi"}`` is a ``message.input``),
  as the spec's defaults allow;
- :data:`ConversationEntry`, :data:`OutputEntry` and :data:`MessageEntry`, in replies, read a
  kind added to the API later as :class:`UnknownEntry` instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from ._base import MistralModel
from ._unions import UnknownKind, type_discriminator
from .chat import FunctionCall, content_text
from .content import (
    BuiltInConnector,
    DocumentURLChunk,
    ImageURLChunk,
    TextChunk,
    ThinkChunk,
    ToolReferenceChunk,
)

ConfirmationStatus = Literal["pending", "allowed", "denied"]
FunctionCallEntryArguments = dict[str, Any] | str
ToolExecutionInfo = dict[str, Any]

_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def _iso_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Requests are validated in strict mode, which takes only datetime objects; an entry saved
    # as JSON and sent back has ISO strings, which must still be accepted.
    try:
        return handler(value)
    except ValidationError:
        if not isinstance(value, str):
            raise
        return handler(_DATETIME.validate_python(value))


Timestamp = Annotated[datetime, WrapValidator(_iso_datetime)]
"""A date-time that also reads from an ISO 8601 string in strict (request) validation."""

# -- content -----------------------------------------------------------------------------------


class ToolFileChunk(MistralModel):
    """A file a built-in tool made (an image generated, a plot of the code interpreter)."""

    type: Literal["tool_file"] = "tool_file"
    tool: BuiltInConnector | str
    file_id: str
    """Download it with the files API."""
    file_name: str | None = None
    file_type: str | None = None


MessageInputContentChunk = Annotated[
    TextChunk | ImageURLChunk | ToolFileChunk | DocumentURLChunk | ThinkChunk,
    Field(discriminator="type"),
]
"""One part of an input message's content."""

OutputContentChunks = Annotated[
    TextChunk | ImageURLChunk | ToolFileChunk | DocumentURLChunk | ThinkChunk | ToolReferenceChunk,
    Field(discriminator="type"),
]
"""One part of an output message's content (the spec's name, though it is a single part)."""

MessageInputContentChunks = list[MessageInputContentChunk]
MessageOutputContentChunks = list[OutputContentChunks]

# -- entries -----------------------------------------------------------------------------------


class _Entry(MistralModel):
    object: str = "entry"
    created_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    id: str | None = None
    """Set by the API (inputs have none until they are stored)."""


class _ModelEntry(_Entry):
    """An entry the model produced, on behalf of an agent or not."""

    agent_id: str | None = None
    model: str | None = None


class MessageInputEntry(_Entry):
    """A message given to the model: yours (``user``), or an ``assistant`` one you supply."""

    type: Literal["message.input"] = "message.input"
    role: Literal["assistant", "user"]
    content: str | list[MessageInputContentChunk]
    prefix: bool = False
    """On an assistant message last in ``inputs``: the model continues from its content."""

    @property
    def text(self) -> str:
        """The text of ``content``: the string itself, or the text parts joined."""
        return content_text(self.content)


class MessageOutputEntry(_ModelEntry):
    """A message the model wrote."""

    type: Literal["message.output"] = "message.output"
    role: Literal["assistant"] = "assistant"
    content: str | list[OutputContentChunks]

    @property
    def text(self) -> str:
        """The text of ``content``: the string itself, or the text parts joined."""
        return content_text(self.content)


class FunctionCallEntry(_ModelEntry):
    """The model asks for a function tool to be called; answer with a ``FunctionResultEntry``
    of the same ``tool_call_id``."""

    type: Literal["function.call"] = "function.call"
    tool_call_id: str
    name: str
    arguments: FunctionCallEntryArguments
    """As the model wrote them: normally a JSON string (see ``parsed_arguments``)."""
    confirmation_status: str | None = None
    """``pending``, ``allowed`` or ``denied`` when the tool needs confirmation."""

    def parsed_arguments(self) -> Any:
        """The arguments as Python data (decodes the JSON string form)."""
        return FunctionCall(name=self.name, arguments=self.arguments).parsed_arguments()


class FunctionResultEntry(_Entry):
    """The result of a function call, sent back by you."""

    type: Literal["function.result"] = "function.result"
    tool_call_id: str
    result: str


class ToolExecutionEntry(_ModelEntry):
    """A built-in tool (web search, code interpreter...) run by the API."""

    type: Literal["tool.execution"] = "tool.execution"
    name: BuiltInConnector | str
    arguments: str
    info: ToolExecutionInfo | None = None
    """What the tool reports of its run (its shape depends on the tool)."""


class AgentHandoffEntry(_Entry):
    """One agent handed the conversation over to another."""

    type: Literal["agent.handoff"] = "agent.handoff"
    previous_agent_id: str
    previous_agent_name: str
    next_agent_id: str
    next_agent_name: str


class UnknownEntry(UnknownKind):
    """An entry kind this SDK does not know yet (see ``raw``)."""


def _entry_kind(value: Mapping[str, Any]) -> str | None:
    """The kind of an entry given without its ``type``, from the keys only that kind has."""
    if "tool_call_id" in value:
        return "function.result" if "result" in value else "function.call"
    if "previous_agent_id" in value or "next_agent_id" in value:
        return "agent.handoff"
    if "arguments" in value:
        return "tool.execution"
    if "role" in value or "content" in value:
        return "message.input"
    return None


_INPUT_KINDS = (
    MessageInputEntry,
    MessageOutputEntry,
    FunctionResultEntry,
    FunctionCallEntry,
    ToolExecutionEntry,
    AgentHandoffEntry,
)
_OUTPUT_KINDS = (MessageOutputEntry, ToolExecutionEntry, FunctionCallEntry, AgentHandoffEntry)

InputEntry = Annotated[
    Annotated[MessageInputEntry, Tag("MessageInputEntry")]
    | Annotated[MessageOutputEntry, Tag("MessageOutputEntry")]
    | Annotated[FunctionResultEntry, Tag("FunctionResultEntry")]
    | Annotated[FunctionCallEntry, Tag("FunctionCallEntry")]
    | Annotated[ToolExecutionEntry, Tag("ToolExecutionEntry")]
    | Annotated[AgentHandoffEntry, Tag("AgentHandoffEntry")],
    type_discriminator(*_INPUT_KINDS, infer=_entry_kind),
]
"""An entry sent in ``inputs``."""

ConversationEntry = Annotated[
    Annotated[MessageInputEntry, Tag("MessageInputEntry")]
    | Annotated[MessageOutputEntry, Tag("MessageOutputEntry")]
    | Annotated[FunctionResultEntry, Tag("FunctionResultEntry")]
    | Annotated[FunctionCallEntry, Tag("FunctionCallEntry")]
    | Annotated[ToolExecutionEntry, Tag("ToolExecutionEntry")]
    | Annotated[AgentHandoffEntry, Tag("AgentHandoffEntry")]
    | Annotated[UnknownEntry, Tag("UnknownEntry")],
    type_discriminator(*_INPUT_KINDS, fallback=UnknownEntry, infer=_entry_kind),
]
"""An entry of a conversation's history."""

OutputEntry = Annotated[
    Annotated[MessageOutputEntry, Tag("MessageOutputEntry")]
    | Annotated[ToolExecutionEntry, Tag("ToolExecutionEntry")]
    | Annotated[FunctionCallEntry, Tag("FunctionCallEntry")]
    | Annotated[AgentHandoffEntry, Tag("AgentHandoffEntry")]
    | Annotated[UnknownEntry, Tag("UnknownEntry")],
    type_discriminator(*_OUTPUT_KINDS, fallback=UnknownEntry),
]
"""An entry the API produced in answer to the inputs (the ``outputs`` of a response)."""

MessageEntry = Annotated[
    Annotated[MessageInputEntry, Tag("MessageInputEntry")]
    | Annotated[MessageOutputEntry, Tag("MessageOutputEntry")]
    | Annotated[UnknownEntry, Tag("UnknownEntry")],
    type_discriminator(MessageInputEntry, MessageOutputEntry, fallback=UnknownEntry),
]
"""A message of a conversation (``GET .../messages`` keeps only those)."""

InputEntries = list[InputEntry]
MessageEntries = list[MessageEntry]

InputEntryParam = (
    MessageInputEntry
    | MessageOutputEntry
    | FunctionResultEntry
    | FunctionCallEntry
    | ToolExecutionEntry
    | AgentHandoffEntry
    | Mapping[str, Any]
)
"""What an entry of ``inputs`` may be: an entry model, or a dict of the same shape."""

ConversationInputs = str | list[InputEntry]
"""The ``inputs`` of a request: a user message's text, or entries."""
ConversationInputsParam = str | Sequence[InputEntryParam]
