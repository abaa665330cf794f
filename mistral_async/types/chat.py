"""Chat completion models: messages, tools, the request, the reply and the stream chunk.

Names follow the OpenAPI file (``ChatCompletionRequest``, ``ChatCompletionResponse``,
``CompletionChunk``); ``ChatCompletion`` and ``ChatCompletionChunk`` are shorter aliases.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from .content import ContentChunk, SystemContentChunk, TextChunk
from .model_names import ChatModelName

# -- tools -----------------------------------------------------------------------------------


class FunctionCall(MistralModel):
    name: str
    arguments: dict[str, Any] | str
    """The arguments as the model wrote them: normally a JSON string (see ``parsed_arguments``)."""

    def parsed_arguments(self) -> Any:
        """The arguments as Python data (decodes the JSON string form)."""
        if isinstance(self.arguments, str):
            return json.loads(self.arguments) if self.arguments.strip() else {}
        return self.arguments


class ToolCall(MistralModel):
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall
    index: int = 0


class Function(MistralModel):
    name: str
    description: str = ""
    strict: bool = False
    parameters: dict[str, Any]
    """A JSON Schema object describing the arguments."""


class Tool(MistralModel):
    type: Literal["function"] = "function"
    function: Function


class FunctionName(MistralModel):
    name: str


class ToolChoice(MistralModel):
    """Forces the model to call one named function."""

    type: Literal["function"] = "function"
    function: FunctionName


ToolChoiceEnum = Literal["auto", "none", "any", "required"]

# -- messages --------------------------------------------------------------------------------


class SystemMessage(MistralModel):
    role: Literal["system"] = "system"
    content: str | list[SystemContentChunk]


class UserMessage(MistralModel):
    role: Literal["user"] = "user"
    content: str | list[ContentChunk] | None


class AssistantMessage(MistralModel):
    """A message written by the model; a reply's message can be sent back as it is."""

    role: Literal["assistant"] = "assistant"
    content: str | list[ContentChunk] | None = None
    tool_calls: list[ToolCall] | None = None
    prefix: bool = False
    """Set on the last message to make the model continue from this content."""

    @property
    def text(self) -> str:
        """The text of ``content``: the string itself, or the text parts joined."""
        return content_text(self.content)


class ToolMessage(MistralModel):
    role: Literal["tool"] = "tool"
    content: str | list[ContentChunk] | None
    tool_call_id: str | None = None
    name: str | None = None


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage, Field(discriminator="role")
]
"""A chat message, told apart by its ``role``."""

# The same messages written as dicts, so that a type checker catches a misspelt key or role
# (``{"rol": "user"}``); the API's validation applies to both at run time.

ChunkParam = ContentChunk | Mapping[str, Any]
"""A content part: a chunk model or its dict (``{"type": "text", "text": ...}``)."""


class SystemMessageParam(TypedDict, total=False):
    role: Required[Literal["system"]]
    content: Required[str | Sequence[SystemContentChunk | Mapping[str, Any]]]


class UserMessageParam(TypedDict, total=False):
    role: Required[Literal["user"]]
    content: Required[str | Sequence[ChunkParam] | None]


class AssistantMessageParam(TypedDict, total=False):
    role: Required[Literal["assistant"]]
    content: str | Sequence[ChunkParam] | None
    tool_calls: Sequence[ToolCall | Mapping[str, Any]] | None
    prefix: bool
    """Set on the last message to make the model continue from this content."""


class ToolMessageParam(TypedDict, total=False):
    role: Required[Literal["tool"]]
    content: Required[str | Sequence[ChunkParam] | None]
    tool_call_id: str | None
    name: str | None


MessageParam = (
    SystemMessage
    | UserMessage
    | AssistantMessage
    | ToolMessage
    | SystemMessageParam
    | UserMessageParam
    | AssistantMessageParam
    | ToolMessageParam
)
"""What ``messages`` accepts: message models, or dicts of the same shape (``{"role": "user",
"content": "Hi"}``); a dict with an unknown key or role fails type checking."""


def content_text(content: str | Sequence[Any] | None) -> str:
    """The plain text of a message content (text parts joined, other parts skipped)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.text for part in content if isinstance(part, TextChunk))


# -- request ---------------------------------------------------------------------------------


class JsonSchema(MistralModel):
    name: str
    description: str | None = None
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool = False


class ResponseFormat(MistralModel):
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: JsonSchema | None = None


class Prediction(MistralModel):
    type: Literal["content"] = "content"
    content: str = ""


ModerationLLMAction = Literal["none", "block"]


class ModerationLLMV1Config(MistralModel):
    model_name: str = "mistral-moderation-2411"
    custom_category_thresholds: dict[str, float | None] | None = None
    ignore_other_categories: bool = False
    action: ModerationLLMAction = "none"


class ModerationLLMV2Config(ModerationLLMV1Config):
    model_name: str = "mistral-moderation-2603"


class GuardrailConfig(MistralModel):
    block_on_error: bool = False
    moderation_llm_v1: ModerationLLMV1Config | None = None
    moderation_llm_v2: ModerationLLMV2Config | None = None


UnitFloat = Annotated[float, Field(ge=0, le=1)]
Penalty = Annotated[float, Field(ge=-2, le=2)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class ChatCompletionRequest(MistralModel):
    """The body of ``POST /v1/chat/completions``; validated strictly before sending."""

    model: str
    messages: list[Message]
    temperature: Annotated[float, Field(ge=0, le=1.5)] | None = None
    top_p: UnitFloat | None = None
    max_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: str | list[str] | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | ToolChoiceEnum | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: bool | None = None
    prompt_mode: Literal["reasoning"] | None = None
    reasoning_effort: Literal["high", "none"] | None = None
    guardrails: list[GuardrailConfig] | None = None
    prompt_cache_key: str | None = None
    safe_prompt: bool | None = None


class ChatGenerationParams(TypedDict, total=False):
    """The optional arguments of a chat completion other than ``response_format`` and ``tools``:
    what the helpers (``chat.parse``, ``chat.run_tools``, conversations) pass through as is,
    while they set ``model``, ``messages``, ``response_format`` or ``tools`` their own way."""

    temperature: float | None
    """Sampling temperature, 0 to 1.5."""
    top_p: float | None
    """Nucleus sampling mass, 0 to 1."""
    max_tokens: int | None
    stop: str | Sequence[str] | None
    random_seed: int | None
    metadata: Mapping[str, Any] | None
    tool_choice: ToolChoice | ToolChoiceEnum | Mapping[str, Any] | None
    presence_penalty: float | None
    """-2 to 2."""
    frequency_penalty: float | None
    """-2 to 2."""
    n: int | None
    """Number of completions (at least 1)."""
    prediction: Prediction | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    prompt_mode: Literal["reasoning"] | None
    reasoning_effort: Literal["high", "none"] | None
    guardrails: Sequence[GuardrailConfig | Mapping[str, Any]] | None
    prompt_cache_key: str | None
    safe_prompt: bool | None


class ChatCompletionParams(ChatGenerationParams, total=False):
    """The keyword arguments of ``chat.complete`` and ``chat.stream`` (see the OpenAPI file)."""

    model: Required[ChatModelName]
    """ID of the model, e.g. ``mistral-small-latest``."""
    messages: Required[Sequence[MessageParam]]
    response_format: ResponseFormat | Mapping[str, Any] | None
    """``{"type": "json_object"}`` or ``{"type": "json_schema", "json_schema": {...}}``."""
    tools: Sequence[Tool | Mapping[str, Any]] | None


# -- reply -----------------------------------------------------------------------------------


class PromptTokensDetails(MistralModel):
    cached_tokens: int = 0


class UsageInfo(MistralModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_audio_seconds: int | None = None
    num_cached_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    prompt_token_details: PromptTokensDetails | None = None


FinishReason = str
"""``stop``, ``length``, ``model_length``, ``error``, ``tool_calls`` or ``content_filter``.

Kept as ``str`` because the API has returned values the OpenAPI file does not list
(``content_filter`` among them) and a reply must never fail to parse over it.
"""


class ChatCompletionChoice(MistralModel):
    index: int
    message: AssistantMessage
    finish_reason: FinishReason | None = None

    @property
    def content_filtered(self) -> bool:
        """True when the answer was cut or withheld by content filtering."""
        return self.finish_reason == "content_filter"


class ChatCompletionResponse(ResponseModel):
    id: str
    object: str = "chat.completion"
    model: str
    usage: UsageInfo = Field(default_factory=UsageInfo)
    created: int = 0
    choices: list[ChatCompletionChoice] = []

    @property
    def text(self) -> str:
        """The text of the first choice ('' when there is none)."""
        return self.choices[0].message.text if self.choices else ""


class DeltaMessage(MistralModel):
    role: str | None = None
    content: str | list[ContentChunk] | None = None
    tool_calls: list[ToolCall] | None = None


class CompletionResponseStreamChoice(MistralModel):
    index: int
    delta: DeltaMessage
    finish_reason: FinishReason | None = None


class CompletionChunk(MistralModel):
    """One event of a chat or FIM stream."""

    id: str
    object: str | None = None
    created: int | None = None
    model: str
    usage: UsageInfo | None = None
    choices: list[CompletionResponseStreamChoice] = []


ChatCompletion = ChatCompletionResponse
ChatCompletionChunk = CompletionChunk
