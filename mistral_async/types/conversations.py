"""Conversations (``/v1/conversations``): the start, append and restart requests, the response,
the history, the messages and the conversation itself.

A conversation is started with a ``model`` (and its own instructions, tools and completion
arguments) or with an ``agent_id``; the API keeps its entries when ``store`` is on, so later
calls append to it or restart it from one of its entries. Each request has a streamed variant
(``ConversationStreamRequest``...) whose reply is a stream of ``ConversationEvent``.

The entry models live in :mod:`.conversation_entries` and the events in
:mod:`.conversation_events`; both are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import Discriminator, Field, Tag
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from .agent_tools import AgentToolIn, AgentToolParam
from .agents import AgentSettings, CompletionArgs, CompletionArgsParam, MetadataDict
from .chat import GuardrailConfig
from .conversation_entries import (
    AgentHandoffEntry,
    ConversationEntry,
    ConversationInputs,
    ConversationInputsParam,
    FunctionCallEntry,
    FunctionResultEntry,
    InputEntry,
    MessageEntry,
    MessageInputEntry,
    MessageOutputEntry,
    OutputEntry,
    ToolExecutionEntry,
    UnknownEntry,
)
from .conversation_events import ConversationEvent, ConversationUsageInfo
from .model_names import ChatModelName

# The entry and event names are re-exported: one import gives a conversation's whole vocabulary.
__all__ = [
    "AgentConversation",
    "AgentHandoffEntry",
    "AgentVersion",
    "Conversation",
    "ConversationAppendParams",
    "ConversationAppendRequest",
    "ConversationAppendRequestBase",
    "ConversationAppendStreamRequest",
    "ConversationEntry",
    "ConversationEvent",
    "ConversationHistory",
    "ConversationInputs",
    "ConversationInputsParam",
    "ConversationList",
    "ConversationMessages",
    "ConversationRequest",
    "ConversationRequestBase",
    "ConversationResponse",
    "ConversationRestartParams",
    "ConversationRestartRequest",
    "ConversationRestartRequestBase",
    "ConversationRestartStreamRequest",
    "ConversationSetupParams",
    "ConversationStartParams",
    "ConversationStreamRequest",
    "ConversationUsageInfo",
    "ConversationsListParams",
    "ConversationsListQuery",
    "FunctionCallEntry",
    "FunctionResultEntry",
    "HandoffExecution",
    "InputEntry",
    "MessageEntry",
    "MessageInputEntry",
    "MessageOutputEntry",
    "ModelConversation",
    "OutputEntry",
    "ToolCallConfirmation",
    "ToolExecutionEntry",
    "UnknownEntry",
]

HandoffExecution = Literal["client", "server"]
"""``server``: the API runs handoffs itself; ``client``: it stops at the handoff for you."""
AgentVersion = str | int
"""A version number, or an alias of one."""


class ToolCallConfirmation(MistralModel):
    """Your answer to a function call waiting for confirmation."""

    tool_call_id: str
    confirmation: Literal["allow", "deny"]


# -- requests ----------------------------------------------------------------------------------


class ConversationRequestBase(MistralModel):
    """The fields of ``POST /v1/conversations``, streamed or not."""

    inputs: ConversationInputs
    store: bool | None = None
    handoff_execution: HandoffExecution | None = None
    instructions: str | None = None
    tools: list[AgentToolIn] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    name: str | None = None
    description: str | None = None
    metadata: MetadataDict | None = None
    agent_id: str | None = None
    agent_version: AgentVersion | None = None
    model: str | None = None


class ConversationRequest(ConversationRequestBase):
    """The body of ``POST /v1/conversations``; validated strictly before sending."""

    stream: Literal[False] = False


class ConversationStreamRequest(ConversationRequestBase):
    stream: Literal[True] = True


class ConversationAppendRequestBase(MistralModel):
    """The fields of ``POST /v1/conversations/{conversation_id}``, streamed or not."""

    inputs: ConversationInputs | None = None
    """May be left out when only answering ``tool_confirmations``."""
    store: bool | None = None
    handoff_execution: HandoffExecution | None = None
    completion_args: CompletionArgs | None = None
    tool_confirmations: list[ToolCallConfirmation] | None = None


class ConversationAppendRequest(ConversationAppendRequestBase):
    stream: Literal[False] = False


class ConversationAppendStreamRequest(ConversationAppendRequestBase):
    stream: Literal[True] = True


class ConversationRestartRequestBase(MistralModel):
    """The fields of ``POST /v1/conversations/{conversation_id}/restart``: a new conversation
    made of the original's entries up to ``from_entry_id``, then ``inputs``."""

    inputs: ConversationInputs | None = None
    store: bool | None = None
    handoff_execution: HandoffExecution | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    metadata: MetadataDict | None = None
    from_entry_id: str
    agent_version: AgentVersion | None = None


class ConversationRestartRequest(ConversationRestartRequestBase):
    stream: Literal[False] = False


class ConversationRestartStreamRequest(ConversationRestartRequestBase):
    stream: Literal[True] = True


class _ConversationStepParams(TypedDict, total=False):
    store: bool | None
    """Keep the entries server-side (the API's default), so the conversation can continue."""
    handoff_execution: HandoffExecution | None
    completion_args: CompletionArgsParam | None
    """``temperature``, ``max_tokens``, ``response_format``... for this call's model calls."""


class ConversationSetupParams(_ConversationStepParams, total=False):
    """The keyword arguments of ``conversations.start`` but ``tools`` (which ``run`` takes as
    Python functions)."""

    inputs: Required[ConversationInputsParam]
    """The user's message as a string, or a list of entries."""
    instructions: str | None
    guardrails: Sequence[GuardrailConfig | Mapping[str, Any]] | None
    name: str | None
    description: str | None
    metadata: Mapping[str, Any] | None
    agent_id: str | None
    """Talk to this agent (instead of giving ``model``, instructions and tools here)."""
    agent_version: AgentVersion | None
    model: ChatModelName | None


class ConversationStartParams(ConversationSetupParams, total=False):
    """The keyword arguments of ``conversations.start`` and ``start_stream``."""

    tools: Sequence[AgentToolParam] | None
    """Function tools and built-in connectors (``{"type": "web_search"}``...)."""


class ConversationAppendParams(_ConversationStepParams, total=False):
    """The keyword arguments of ``conversations.append`` and ``append_stream`` besides the
    conversation id."""

    inputs: ConversationInputsParam | None
    tool_confirmations: Sequence[ToolCallConfirmation | Mapping[str, Any]] | None
    """``[{"tool_call_id": ..., "confirmation": "allow"}]`` for calls awaiting confirmation."""


class ConversationRestartParams(_ConversationStepParams, total=False):
    """The keyword arguments of ``conversations.restart`` and ``restart_stream`` besides the
    conversation id."""

    from_entry_id: Required[str]
    """The last entry of the original conversation to keep."""
    inputs: ConversationInputsParam | None
    guardrails: Sequence[GuardrailConfig | Mapping[str, Any]] | None
    metadata: Mapping[str, Any] | None
    agent_version: AgentVersion | None


class ConversationsListQuery(MistralModel):
    """The query of ``GET /v1/conversations``; ``metadata`` is sent as a JSON string."""

    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1)] | None = None
    metadata: MetadataDict | None = None


class ConversationsListParams(TypedDict, total=False):
    """The keyword arguments of ``conversations.list``."""

    page: int
    """The first page to read (0-based)."""
    page_size: int
    """Conversations per page (the API's default is 100)."""
    metadata: Mapping[str, Any] | None
    """Only conversations whose metadata has these keys and values."""


# -- replies -----------------------------------------------------------------------------------


class ConversationResponse(ResponseModel):
    """What a start, append or restart answers: the entries made in answer to the inputs."""

    object: str = "conversation.response"
    conversation_id: str
    outputs: list[OutputEntry] = []
    usage: ConversationUsageInfo = Field(default_factory=ConversationUsageInfo)
    guardrails: list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        """The text of the last message the model wrote ('' when there is none)."""
        for entry in reversed(self.outputs):
            if isinstance(entry, MessageOutputEntry):
                return entry.text
        return ""

    @property
    def function_calls(self) -> list[FunctionCallEntry]:
        """The function calls the model asks you to make, in order."""
        return [entry for entry in self.outputs if isinstance(entry, FunctionCallEntry)]


class ConversationHistory(ResponseModel):
    """Every entry of a conversation, inputs and outputs, in order."""

    object: str = "conversation.history"
    conversation_id: str
    entries: list[ConversationEntry] = []


class ConversationMessages(ResponseModel):
    """The messages of a conversation only (no calls, executions or handoffs)."""

    object: str = "conversation.messages"
    conversation_id: str
    messages: list[MessageEntry] = []


class _ConversationInfo(MistralModel):
    name: str | None = None
    description: str | None = None
    metadata: MetadataDict | None = None
    object: str = "conversation"
    id: str
    created_at: datetime
    updated_at: datetime


class ModelConversation(AgentSettings, _ConversationInfo, ResponseModel):
    """A conversation started with a ``model``: it holds its own instructions and tools."""

    model: str


class AgentConversation(_ConversationInfo, ResponseModel):
    """A conversation with an agent."""

    agent_id: str
    agent_version: AgentVersion | None = None


def _conversation_kind(value: Any) -> str:
    # The spec gives no tag: only an agent conversation has an agent_id.
    if isinstance(value, Mapping):
        fields = cast("Mapping[str, Any]", value)  # a JSON object: its keys are strings
        agent_id = fields.get("agent_id")
    else:
        agent_id = getattr(value, "agent_id", None)
    return "AgentConversation" if agent_id is not None else "ModelConversation"


Conversation = Annotated[
    Annotated[ModelConversation, Tag("ModelConversation")]
    | Annotated[AgentConversation, Tag("AgentConversation")],
    Discriminator(_conversation_kind),
]
"""What ``conversations.get`` answers: a model or an agent conversation."""

ConversationList = list[Conversation]
"""What ``GET /v1/conversations`` answers (a JSON array)."""
