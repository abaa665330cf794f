"""Conversations and Agents models against the spec: every schema the operations use, the unions
told apart by ``type`` (known kinds, unknown kinds, missing tags), and request strictness."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from mistral_async._core.errors import ArgumentError
from mistral_async._core.validate import validate_params
from mistral_async.types import agent_tools as tools
from mistral_async.types import conversation_entries as entries
from mistral_async.types import conversation_events as events
from mistral_async.types._base import dump_request
from mistral_async.types.agents import (
    Agent,
    AgentAliasResponse,
    AgentCreationRequest,
    AgentListPage,
    AgentsCompletionRequest,
    AgentUpdateRequest,
    CompletionArgs,
)
from mistral_async.types.conversations import (
    AgentConversation,
    Conversation,
    ConversationAppendRequest,
    ConversationAppendRequestBase,
    ConversationAppendStreamRequest,
    ConversationHistory,
    ConversationMessages,
    ConversationRequest,
    ConversationRequestBase,
    ConversationResponse,
    ConversationRestartRequest,
    ConversationRestartRequestBase,
    ConversationRestartStreamRequest,
    ConversationStreamRequest,
    ModelConversation,
    ToolCallConfirmation,
)
from tests._support import conversation_examples as ex
from tests._support.spec_schemas import (
    SCHEMAS,
    SchemaTableTests,
    conforms,
    referenced_schemas,
    tagged,
)


def without(example: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in example.items() if k not in keys}


# Spec schema name → (model, example). Requests are read as the SDK reads arguments (strict,
# unknown keys forbidden); replies as the client reads a body (from JSON, tolerant).
REQUESTS: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "ConversationRequest": (ConversationRequest, ex.CONVERSATION_REQUEST),
    "ConversationStreamRequest": (
        ConversationStreamRequest,
        {**ex.CONVERSATION_REQUEST, "stream": True},
    ),
    "ConversationRequestBase": (
        ConversationRequestBase,
        without(ex.CONVERSATION_REQUEST, "stream"),
    ),
    "ConversationAppendRequest": (ConversationAppendRequest, ex.CONVERSATION_APPEND_REQUEST),
    "ConversationAppendStreamRequest": (
        ConversationAppendStreamRequest,
        {**ex.CONVERSATION_APPEND_REQUEST, "stream": True},
    ),
    "ConversationAppendRequestBase": (
        ConversationAppendRequestBase,
        without(ex.CONVERSATION_APPEND_REQUEST, "stream"),
    ),
    "ConversationRestartRequest": (ConversationRestartRequest, ex.CONVERSATION_RESTART_REQUEST),
    "ConversationRestartStreamRequest": (
        ConversationRestartStreamRequest,
        {**ex.CONVERSATION_RESTART_REQUEST, "stream": True},
    ),
    "ConversationRestartRequestBase": (
        ConversationRestartRequestBase,
        without(ex.CONVERSATION_RESTART_REQUEST, "stream"),
    ),
    "ToolCallConfirmation": (ToolCallConfirmation, {"tool_call_id": "c", "confirmation": "deny"}),
    "AgentCreationRequest": (AgentCreationRequest, ex.AGENT_CREATION_REQUEST),
    "AgentUpdateRequest": (AgentUpdateRequest, ex.AGENT_UPDATE_REQUEST),
    "AgentsCompletionRequest": (AgentsCompletionRequest, ex.AGENTS_COMPLETION_REQUEST),
    "CompletionArgs": (CompletionArgs, ex.COMPLETION_ARGS),
    "ToolConfiguration": (tools.ToolConfiguration, ex.TOOL_CONFIGURATION),
    "FunctionTool": (tools.FunctionTool, ex.FUNCTION_TOOL),
    "WebSearchTool": (tools.WebSearchTool, ex.WEB_SEARCH),
    "WebSearchPremiumTool": (tools.WebSearchPremiumTool, ex.WEB_SEARCH_PREMIUM),
    "CodeInterpreterTool": (tools.CodeInterpreterTool, ex.CODE_INTERPRETER),
    "ImageGenerationTool": (tools.ImageGenerationTool, ex.IMAGE_GENERATION),
    "DocumentLibraryTool": (tools.DocumentLibraryTool, ex.DOCUMENT_LIBRARY),
    "CustomConnector": (tools.CustomConnector, ex.CUSTOM_CONNECTOR),
    "APIKeyAuth": (tools.APIKeyAuth, ex.API_KEY_AUTH),
    "OAuth2TokenAuth": (tools.OAuth2TokenAuth, ex.OAUTH2_TOKEN_AUTH),
    # Entries travel both ways: sent in inputs, read in outputs and histories.
    "MessageInputEntry": (entries.MessageInputEntry, ex.MESSAGE_INPUT),
    "MessageOutputEntry": (entries.MessageOutputEntry, ex.MESSAGE_OUTPUT),
    "FunctionCallEntry": (entries.FunctionCallEntry, ex.FUNCTION_CALL),
    "FunctionResultEntry": (entries.FunctionResultEntry, ex.FUNCTION_RESULT),
    "ToolExecutionEntry": (entries.ToolExecutionEntry, ex.TOOL_EXECUTION),
    "AgentHandoffEntry": (entries.AgentHandoffEntry, ex.AGENT_HANDOFF),
    "ToolFileChunk": (entries.ToolFileChunk, ex.TOOL_FILE),
}
REPLIES: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "ConversationResponse": (ConversationResponse, ex.CONVERSATION_RESPONSE),
    "ConversationUsageInfo": (events.ConversationUsageInfo, ex.USAGE),
    "ConversationHistory": (ConversationHistory, ex.CONVERSATION_HISTORY),
    "ConversationMessages": (ConversationMessages, ex.CONVERSATION_MESSAGES),
    "ModelConversation": (ModelConversation, ex.MODEL_CONVERSATION),
    "AgentConversation": (AgentConversation, ex.AGENT_CONVERSATION),
    "Agent": (Agent, ex.AGENT),
    "AgentAliasResponse": (AgentAliasResponse, ex.AGENT_ALIAS),
    "AgentListPage": (AgentListPage, ex.AGENT_LIST_PAGE),
    **{
        name: (getattr(events, name), example)  # each event schema has its class's name
        for name, example in ex.EVENTS.items()
    },
    **{name: REQUESTS[name] for name in REQUESTS if name.endswith(("Entry", "Chunk"))},
}
# Spec schemas that are not objects, as (Python type, example).
ALIASES: dict[str, tuple[Any, Any]] = {
    "ConversationInputs": (entries.ConversationInputs, ex.ALL_ENTRIES),
    "InputEntries": (entries.InputEntries, ex.ALL_ENTRIES),
    "MessageEntries": (entries.MessageEntries, [ex.MESSAGE_INPUT, ex.MESSAGE_OUTPUT]),
    "MessageInputContentChunks": (
        entries.MessageInputContentChunks,
        [ex.TEXT, ex.IMAGE_URL, ex.TOOL_FILE, ex.DOCUMENT_URL, ex.THINKING],
    ),
    "MessageOutputContentChunks": (
        entries.MessageOutputContentChunks,
        [ex.TEXT, ex.TOOL_FILE, ex.TOOL_REFERENCE],
    ),
    "OutputContentChunks": (entries.OutputContentChunks, ex.TOOL_REFERENCE),
    "FunctionCallEntryArguments": (entries.FunctionCallEntryArguments, {"city": "Paris"}),
    "ToolExecutionInfo": (entries.ToolExecutionInfo, {"results": 3}),
    "MetadataDict": (dict[str, Any], ex.METADATA),
    "CompletionArgsStop": (CompletionArgs.model_fields["stop"].annotation, ["a", "b"]),
    "SSETypes": (events.SSETypes, "function.call.delta"),
    "RequestSource": (Agent.model_fields["source"].annotation, "agent_builder_v1"),
    "BuiltInConnectors": (entries.ToolExecutionEntry.model_fields["name"].annotation, "web_search"),
    "ConversationEvents": (
        events.ConversationEvents,
        {"event": "message.output.delta", "data": ex.EVENTS["MessageOutputEvent"]},
    ),
}
MODELLED = set(REQUESTS) | set(REPLIES) | set(ALIASES)
# Schemas of these operations that other modules (chat, content, errors) already model; the
# chat stream's (CompletionEvent...) because the checker gives /v1/agents/completions its stream.
REUSED = {
    "AssistantMessage", "AudioChunk", "ChatCompletionChoice", "ChatCompletionResponse",
    "ChatCompletionResponseBase", "CompletionChunk", "CompletionEvent",
    "CompletionResponseStreamChoice", "ContentChunk", "DeltaMessage", "DocumentURLChunk",
    "FileChunk", "Function",
    "FunctionCall", "FunctionName", "GuardrailConfig", "HTTPValidationError", "ImageDetail",
    "ImageURL", "ImageURLChunk", "JsonSchema", "MistralPromptMode", "ModerationLLMAction",
    "ModerationLLMV1CategoryThresholds", "ModerationLLMV1Config",
    "ModerationLLMV2CategoryThresholds", "ModerationLLMV2Config", "Prediction",
    "PromptTokensDetails", "ReferenceChunk", "ResponseBase", "ResponseFormat", "ResponseFormats",
    "SystemMessage", "SystemMessageContentChunks", "TextChunk", "ThinkChunk", "Tool", "ToolCall",
    "ToolChoice", "ToolChoiceEnum", "ToolMessage", "ToolReferenceChunk", "ToolTypes", "UsageInfo",
    "UserMessage", "ValidationError",
}  # fmt: skip
TAGS = ("beta.conversations", "beta.agents")


def conversations_operation(path: str, operation: dict[str, Any]) -> bool:
    return tagged(*TAGS)(path, operation) or path == "/v1/agents/completions"


def test_every_schema_the_operations_use_is_covered() -> None:
    reached = referenced_schemas(conversations_operation)
    assert reached - MODELLED - REUSED == set(), "schemas without a model"
    assert (MODELLED | REUSED) - reached == set(), "tables name schemas the operations do not use"
    assert len(reached) == 111
    assert len(MODELLED) == 64


# -- every model against its schema ------------------------------------------------------------


# Fields the spec requires that a reply may still lack: read with a default, for tolerance.
DEFAULTED = {
    "Agent": {"versions", "deployment_chat", "source"},
    "ConversationResponse": {"outputs", "usage"},
    "ConversationHistory": {"entries"},
    "ConversationMessages": {"messages"},
    "AgentListPage": {"data"},
}


class TestConversationSchemas(SchemaTableTests):
    REQUESTS = REQUESTS
    REPLIES = REPLIES
    ALIASES = ALIASES
    DEFAULTED = DEFAULTED
    # The Python bases leave ``stream`` to the variants (a Literal each).
    LEFT_OUT = {name: {"stream"} for name in REQUESTS if name.endswith("RequestBase")}
    # Only DEFAULTED may be optional here, even where the schema lets a field be null.
    BY_SCHEMA_TOO = False


# -- unions ------------------------------------------------------------------------------------

ENTRY_CLASSES = {
    "message.input": entries.MessageInputEntry,
    "message.output": entries.MessageOutputEntry,
    "function.call": entries.FunctionCallEntry,
    "function.result": entries.FunctionResultEntry,
    "tool.execution": entries.ToolExecutionEntry,
    "agent.handoff": entries.AgentHandoffEntry,
}
CONVERSATION_ENTRY: TypeAdapter[Any] = TypeAdapter(entries.ConversationEntry)
INPUT_ENTRY: TypeAdapter[Any] = TypeAdapter(entries.InputEntry)


@pytest.mark.parametrize("example", ex.ALL_ENTRIES, ids=lambda e: e["type"])
def test_each_entry_type_reads_as_its_class(example: dict[str, Any]) -> None:
    expected = ENTRY_CLASSES[example["type"]]
    assert type(CONVERSATION_ENTRY.validate_json(json.dumps(example))) is expected
    assert type(INPUT_ENTRY.validate_python(example, strict=True)) is expected


def test_outputs_and_messages_read_their_kinds() -> None:
    response = ConversationResponse.model_validate(ex.CONVERSATION_RESPONSE)
    assert [type(o) for o in response.outputs] == [
        entries.MessageOutputEntry,
        entries.ToolExecutionEntry,
        entries.FunctionCallEntry,
        entries.AgentHandoffEntry,
    ]
    messages = ConversationMessages.model_validate(ex.CONVERSATION_MESSAGES)
    assert [type(m) for m in messages.messages] == [
        entries.MessageInputEntry,
        entries.MessageOutputEntry,
    ]


def test_an_unknown_entry_type_reads_as_unknown_entry_with_its_data() -> None:
    future = {"object": "entry", "type": "memory.write", "id": "m1", "key": "city"}
    history = ConversationHistory.model_validate_json(
        json.dumps({"conversation_id": "c", "entries": [ex.MESSAGE_INPUT, future]})
    )
    unknown = history.entries[1]
    assert isinstance(unknown, entries.UnknownEntry)
    assert unknown.type == "memory.write"
    assert unknown.raw == future
    response = ConversationResponse.model_validate(
        {"conversation_id": "c", "outputs": [future], "usage": {}}
    )
    assert isinstance(response.outputs[0], entries.UnknownEntry)


def test_an_unknown_entry_type_is_refused_in_a_request() -> None:
    with pytest.raises(ArgumentError) as caught:
        validate_params(ConversationRequest, {"inputs": [{"type": "memory.write"}], "model": "m"})
    assert caught.value.argument == "inputs[0]"
    assert "type must be one of 'message.input'" in str(caught.value)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"role": "user", "content": "hi"}, entries.MessageInputEntry),
        ({"tool_call_id": "c", "result": "42"}, entries.FunctionResultEntry),
        ({"tool_call_id": "c", "name": "f", "arguments": "{}"}, entries.FunctionCallEntry),
        ({"name": "web_search", "arguments": "{}"}, entries.ToolExecutionEntry),
        (without(ex.AGENT_HANDOFF, "type"), entries.AgentHandoffEntry),
    ],
)
def test_an_entry_without_type_reads_as_the_kind_its_keys_show(
    entry: dict[str, Any], expected: type[BaseModel]
) -> None:
    request = validate_params(ConversationRequest, {"inputs": [entry], "model": "m"})
    assert isinstance(request.inputs, list)
    assert type(request.inputs[0]) is expected
    assert conforms(dump_request(request), "ConversationRequest") == []


def test_request_errors_name_the_argument_without_union_tags() -> None:
    bad = {"inputs": [{"role": "user", "content": 5}], "model": "m"}
    with pytest.raises(ArgumentError) as caught:
        validate_params(ConversationRequest, bad)
    assert caught.value.argument == "inputs[0].content"
    with pytest.raises(ArgumentError) as caught:
        validate_params(
            ConversationRequest, {"inputs": "hi", "tools": [{"type": "document_library"}]}
        )
    assert caught.value.argument == "tools[0].library_ids"
    with pytest.raises(ArgumentError) as caught:
        validate_params(ConversationRequest, {"inputs": "hi", "toolz": []})
    assert caught.value.argument == "toolz"


def test_entries_saved_as_json_go_back_into_a_strict_request() -> None:
    history = ConversationHistory.model_validate(ex.CONVERSATION_HISTORY)
    saved = json.loads(history.model_dump_json())["entries"]
    request = validate_params(ConversationRequest, {"inputs": saved, "agent_id": "ag_1"})
    assert request.inputs == history.entries  # ISO strings read as datetimes in strict mode
    models = validate_params(ConversationRequest, {"inputs": history.entries, "agent_id": "ag_1"})
    assert dump_request(models) == dump_request(request)


TOOL_CLASSES = {
    "function": tools.FunctionTool,
    "web_search": tools.WebSearchTool,
    "web_search_premium": tools.WebSearchPremiumTool,
    "code_interpreter": tools.CodeInterpreterTool,
    "image_generation": tools.ImageGenerationTool,
    "document_library": tools.DocumentLibraryTool,
    "connector": tools.CustomConnector,
}


def test_each_tool_type_reads_as_its_class_both_ways() -> None:
    agent = Agent.model_validate(ex.AGENT)
    request = validate_params(AgentCreationRequest, ex.AGENT_CREATION_REQUEST)
    expected = [TOOL_CLASSES[t["type"]] for t in ex.ALL_TOOLS]
    assert [type(t) for t in agent.tools] == expected
    assert [type(t) for t in request.tools or ()] == expected


def test_an_unknown_tool_type_reads_as_unknown_tool_but_is_refused_in_a_request() -> None:
    future = {"type": "mcp", "server_url": "https://example.com"}
    agent = Agent.model_validate({**ex.AGENT, "tools": [ex.WEB_SEARCH, future]})
    assert isinstance(agent.tools[1], tools.UnknownTool)
    assert agent.tools[1].raw == future
    with pytest.raises(ArgumentError) as caught:
        validate_params(AgentUpdateRequest, {"tools": [future]})
    assert caught.value.argument == "tools[0]"


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({"function": ex.FUNCTION_TOOL["function"]}, tools.FunctionTool),
        ({"library_ids": ["l"]}, tools.DocumentLibraryTool),
        ({"connector_id": "c"}, tools.CustomConnector),
    ],
)
def test_a_tool_without_type_reads_as_the_kind_its_keys_show(
    tool: dict[str, Any], expected: type[BaseModel]
) -> None:
    request = validate_params(AgentUpdateRequest, {"tools": [tool]})
    assert type((request.tools or [])[0]) is expected
    assert conforms(dump_request(request), "AgentUpdateRequest") == []


def test_connector_credentials_stay_out_of_repr() -> None:
    connector = tools.CustomConnector.model_validate(ex.CUSTOM_CONNECTOR)
    assert "secret-connector-key" not in repr(connector)
    assert "secret-oauth-token" not in repr(tools.OAuth2TokenAuth(value="secret-oauth-token"))
    assert dump_request(connector)["authorization"]["value"] == "secret-connector-key"


EVENT: TypeAdapter[Any] = events.conversation_event_adapter


@pytest.mark.parametrize("name", sorted(ex.EVENTS))
def test_each_event_type_reads_as_its_class(name: str) -> None:
    example = ex.EVENTS[name]
    mapping = SCHEMAS["ConversationEvents"]["properties"]["data"]["discriminator"]["mapping"]
    assert mapping[example["type"]] == f"#/components/schemas/{name}"
    assert type(EVENT.validate_json(json.dumps(example))).__name__ == name
    wrapped = {"event": example["type"], "data": example}
    assert conforms(wrapped, "ConversationEvents") == []
    assert type(events.ConversationEvents.model_validate(wrapped).data).__name__ == name


def test_every_spec_event_type_has_a_class() -> None:
    assert {e["type"] for e in ex.EVENTS.values()} == set(SCHEMAS["SSETypes"]["enum"])


@pytest.mark.parametrize(
    "data",
    [
        {"type": "conversation.response.heartbeat", "created_at": ex.T0, "seq": 4},
        {"no_type": True},
    ],
)
def test_an_unknown_event_reads_as_unknown_event_with_its_data(data: dict[str, Any]) -> None:
    event = EVENT.validate_json(json.dumps(data))
    assert isinstance(event, events.UnknownEvent)
    assert event.raw == data


def test_a_known_event_that_breaks_its_schema_is_an_error_not_unknown() -> None:
    with pytest.raises(ValidationError):
        EVENT.validate_python({"type": "message.output.delta", "content": "x"})  # no id


def test_a_conversation_reads_as_model_or_agent_conversation() -> None:
    conversation: TypeAdapter[Any] = TypeAdapter(Conversation)
    assert type(conversation.validate_python(ex.MODEL_CONVERSATION)) is ModelConversation
    assert type(conversation.validate_python(ex.AGENT_CONVERSATION)) is AgentConversation


# -- helpers on the replies --------------------------------------------------------------------


def test_response_text_and_function_calls() -> None:
    response = ConversationResponse.model_validate(
        {
            "conversation_id": "c",
            "outputs": [
                {**ex.MESSAGE_OUTPUT, "content": "first"},
                ex.FUNCTION_CALL,
                {**ex.MESSAGE_OUTPUT, "content": [ex.TEXT, ex.TOOL_REFERENCE, ex.TEXT]},
            ],
            "usage": ex.USAGE,
        }
    )
    assert response.text == "HelloHello"
    [call] = response.function_calls
    assert call.parsed_arguments() == {"city": "Paris"}
    assert ConversationResponse(conversation_id="c").text == ""
    assert ConversationResponse(conversation_id="c").function_calls == []
