"""Agents (``/v1/agents``): the create and update requests, the agent, its versions and aliases.

An agent is a model with instructions, tools and completion arguments, kept server-side under an
id; every update makes a new version, and aliases name versions. ``POST /v1/agents/completions``
(deprecated in the spec) is a chat completion through an agent: :class:`AgentsCompletionRequest`.

Query models (``AgentsListQuery``...) hold the query parameters; ``metadata`` there is sent as a
JSON string, as the spec's ``content: application/json`` parameters are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from .agent_tools import AgentTool, AgentToolIn, AgentToolParam
from .chat import (
    GuardrailConfig,
    Message,
    MessageParam,
    NonNegativeInt,
    Penalty,
    Prediction,
    ResponseFormat,
    Tool,
    ToolChoice,
    ToolChoiceEnum,
    UnitFloat,
)
from .model_names import ChatModelName

MetadataDict = dict[str, Any]
"""Your own keys and values, kept with an agent or a conversation."""
CompletionArgsStop = str | list[str] | None
ReasoningEffort = Literal["high", "none"]
RequestSource = Literal["api", "playground", "agent_builder_v1"]
"""Where an agent was created (the ``sources`` filter of the lists)."""


class CompletionArgs(MistralModel):
    """The completion arguments an agent or a conversation applies to each model call."""

    stop: CompletionArgsStop = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    temperature: UnitFloat | None = None
    """0 to 1 here (chat completions allow up to 1.5)."""
    top_p: UnitFloat | None = None
    max_tokens: NonNegativeInt | None = None
    random_seed: NonNegativeInt | None = None
    prediction: Prediction | None = None
    response_format: ResponseFormat | None = None
    tool_choice: ToolChoiceEnum | None = None
    reasoning_effort: ReasoningEffort | None = None


CompletionArgsParam = CompletionArgs | Mapping[str, Any]
Handoffs = Annotated[list[str], Field(min_length=1)]
VersionMessage = Annotated[str, Field(max_length=500)]

# -- requests ----------------------------------------------------------------------------------


class AgentCreationRequest(MistralModel):
    """The body of ``POST /v1/agents``; validated strictly before sending."""

    instructions: str | None = None
    tools: list[AgentToolIn] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    model: str
    name: str
    description: str | None = None
    handoffs: Handoffs | None = None
    metadata: MetadataDict | None = None
    version_message: VersionMessage | None = None


class AgentUpdateRequest(MistralModel):
    """The body of ``PATCH /v1/agents/{agent_id}``: only the fields given change."""

    instructions: str | None = None
    tools: list[AgentToolIn] | None = None
    completion_args: CompletionArgs | None = None
    guardrails: list[GuardrailConfig] | None = None
    model: str | None = None
    name: str | None = None
    description: str | None = None
    handoffs: Handoffs | None = None
    deployment_chat: bool | None = None
    metadata: MetadataDict | None = None
    version_message: VersionMessage | None = None


class _AgentFieldParams(TypedDict, total=False):
    instructions: str | None
    """The instruction prompt the model follows."""
    tools: Sequence[AgentToolParam] | None
    """Function tools and built-in connectors (``{"type": "web_search"}``...)."""
    completion_args: CompletionArgsParam | None
    guardrails: Sequence[GuardrailConfig | Mapping[str, Any]] | None
    description: str | None
    handoffs: Sequence[str] | None
    """Ids of the agents this one may hand the conversation over to."""
    metadata: Mapping[str, Any] | None
    version_message: str | None
    """A note on the version this call creates (500 characters at most)."""


class AgentCreateParams(_AgentFieldParams, total=False):
    """The keyword arguments of ``agents.create`` (the spec's ``AgentCreationRequest``)."""

    model: Required[ChatModelName]
    name: Required[str]


class AgentUpdateParams(_AgentFieldParams, total=False):
    """The keyword arguments of ``agents.update`` besides the agent id."""

    model: ChatModelName | None
    name: str | None
    deployment_chat: bool | None


class _AgentFilters(MistralModel):
    page_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    deployment_chat: bool | None = None
    sources: list[RequestSource] | None = None
    name: str | None = None
    """Agents with this name."""
    search: str | None = None
    """Agents whose name or id contains this."""
    id: str | None = None
    metadata: MetadataDict | None = None


class AgentsListQuery(_AgentFilters):
    """The query of ``GET /v1/agents`` (deprecated: use the cursor pages)."""

    page: Annotated[int, Field(ge=0)] | None = None


class AgentsListPagesQuery(_AgentFilters):
    """The query of ``GET /v1/agents/pages``: a page starts at the cursor ``page_token``, which
    is the ``next_page_token`` of the page before it."""

    page_token: str | None = None


class _AgentFilterParams(TypedDict, total=False):
    page_size: int
    """Agents per page, 1 to 1000 (the API's default is 20)."""
    deployment_chat: bool | None
    sources: Sequence[RequestSource] | None
    name: str | None
    search: str | None
    id: str | None
    metadata: Mapping[str, Any] | None
    """Only agents whose metadata has these keys and values."""


class AgentsListParams(_AgentFilterParams, total=False):
    """The keyword arguments of ``agents.list``."""

    page: int
    """The first page to read (0-based)."""


class AgentsListPagesParams(_AgentFilterParams, total=False):
    """The keyword arguments of ``agents.list_pages``."""

    page_token: str | None
    """Where to start: a ``next_page_token`` from an earlier page."""


class AgentGetQuery(MistralModel):
    """The query of ``GET /v1/agents/{agent_id}``: a version number or an alias."""

    agent_version: int | str | None = None


class AgentVersionQuery(MistralModel):
    """The query of ``PATCH /v1/agents/{agent_id}/version``: the version to make current."""

    version: int


class AgentVersionsQuery(MistralModel):
    """The query of ``GET /v1/agents/{agent_id}/versions``."""

    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] | None = None


AliasName = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[a-z]([a-z0-9_-]*[a-z0-9])?$")
]
"""An alias: lower case letters, digits, ``_`` and ``-``, starting with a letter."""


class AgentAliasDeleteQuery(MistralModel):
    """The query of ``DELETE /v1/agents/{agent_id}/aliases``."""

    alias: AliasName


class AgentAliasQuery(AgentAliasDeleteQuery):
    """The query of ``PUT /v1/agents/{agent_id}/aliases``: point ``alias`` at ``version``."""

    version: int


# -- replies -----------------------------------------------------------------------------------


class AgentSettings(MistralModel):
    """How the model is asked: what an agent and a model conversation (one started with
    ``model`` rather than ``agent_id``) both hold."""

    instructions: str | None = None
    tools: list[AgentTool] = []
    completion_args: CompletionArgs = Field(default_factory=CompletionArgs)
    guardrails: list[GuardrailConfig] | None = None


class Agent(AgentSettings, ResponseModel):
    """An agent, at the version the call named (the current one by default)."""

    model: str
    name: str
    description: str | None = None
    handoffs: list[str] | None = None
    metadata: MetadataDict | None = None
    object: str = "agent"
    id: str
    version: int
    # Defaults where the spec requires the field: a reply of an older or simulated deployment
    # without them should still read.
    versions: list[int] = []
    """Every version number the agent has."""
    created_at: datetime
    updated_at: datetime
    deployment_chat: bool = False
    source: str = "api"
    """``api``, ``playground`` or ``agent_builder_v1`` (see ``RequestSource``)."""
    version_message: str | None = None


class AgentAliasResponse(ResponseModel):
    """An alias and the version it names."""

    alias: str
    version: int
    created_at: datetime
    updated_at: datetime


class AgentListPage(ResponseModel):
    """One page of ``GET /v1/agents/pages``; ``next_page_token`` is ``None`` on the last."""

    object: str = "list"
    data: list[Agent] = []
    next_page_token: str | None = None


AgentList = list[Agent]
"""What ``GET /v1/agents`` and ``GET /v1/agents/{agent_id}/versions`` answer (a JSON array)."""
AgentAliasList = list[AgentAliasResponse]
"""What ``GET /v1/agents/{agent_id}/aliases`` answers (a JSON array)."""

# -- POST /v1/agents/completions (deprecated) --------------------------------------------------


class AgentsCompletionRequest(MistralModel):
    """The body of ``POST /v1/agents/completions``: a chat completion through an agent, whose
    model, instructions and sampling settings apply (hence no ``model`` or ``temperature``)."""

    agent_id: str
    messages: list[Message]
    max_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: str | list[str] | None = None
    random_seed: NonNegativeInt | None = None
    metadata: MetadataDict | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | ToolChoiceEnum | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: bool | None = None
    prompt_mode: Literal["reasoning"] | None = None
    reasoning_effort: ReasoningEffort | None = None
    prompt_cache_key: str | None = None


class AgentsCompletionParams(TypedDict, total=False):
    """The keyword arguments of ``agents.complete`` and ``agents.stream``."""

    agent_id: Required[str]
    messages: Required[Sequence[MessageParam]]
    max_tokens: int | None
    stop: str | Sequence[str] | None
    random_seed: int | None
    metadata: Mapping[str, Any] | None
    response_format: ResponseFormat | Mapping[str, Any] | None
    tools: Sequence[Tool | Mapping[str, Any]] | None
    tool_choice: ToolChoice | ToolChoiceEnum | Mapping[str, Any] | None
    presence_penalty: float | None
    """-2 to 2."""
    frequency_penalty: float | None
    """-2 to 2."""
    n: int | None
    prediction: Prediction | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    prompt_mode: Literal["reasoning"] | None
    reasoning_effort: ReasoningEffort | None
    prompt_cache_key: str | None
