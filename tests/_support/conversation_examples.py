"""Hand-written examples of every Conversations and Agents schema, with every field set.

Each is JSON as the API sends it (replies) or as the SDK must send it (requests); the type tests
check each against the spec's schema of the same name, so they are safe to reuse as fixtures.
"""

from __future__ import annotations

from typing import Any

T0 = "2025-06-01T12:00:00Z"
T1 = "2025-06-01T12:00:02Z"

TEXT = {"type": "text", "text": "Hello"}
IMAGE_URL = {
    "type": "image_url",
    "image_url": {"url": "https://example.com/a.png", "detail": "low"},
}
DOCUMENT_URL = {
    "type": "document_url",
    "document_url": "https://example.com/a.pdf",
    "document_name": "a.pdf",
}
TOOL_FILE = {
    "type": "tool_file",
    "tool": "code_interpreter",
    "file_id": "f0b3f7a2-0000-4000-8000-000000000001",
    "file_name": "plot.png",
    "file_type": "png",
}
THINKING = {"type": "thinking", "thinking": [{"type": "text", "text": "Hmm."}], "closed": True}
TOOL_REFERENCE = {
    "type": "tool_reference",
    "tool": "web_search",
    "title": "Weather in Paris",
    "url": "https://example.com/weather",
    "favicon": "https://example.com/favicon.ico",
    "description": "Today's forecast",
}

USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "total_tokens": 15,
    "connector_tokens": 3,
    "connectors": {"web_search": 1},
}
FUNCTION_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "strict": False,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
TOOL_CONFIGURATION = {"exclude": ["a"], "include": ["b"], "requires_confirmation": ["c"]}
WEB_SEARCH = {"type": "web_search", "tool_configuration": TOOL_CONFIGURATION}
WEB_SEARCH_PREMIUM = {"type": "web_search_premium", "tool_configuration": TOOL_CONFIGURATION}
CODE_INTERPRETER = {"type": "code_interpreter", "tool_configuration": TOOL_CONFIGURATION}
IMAGE_GENERATION = {"type": "image_generation", "tool_configuration": TOOL_CONFIGURATION}
DOCUMENT_LIBRARY = {
    "type": "document_library",
    "tool_configuration": TOOL_CONFIGURATION,
    "library_ids": ["lib_1"],
}
API_KEY_AUTH = {"type": "api-key", "value": "secret-connector-key"}
OAUTH2_TOKEN_AUTH = {"type": "oauth2-token", "value": "secret-oauth-token"}
CUSTOM_CONNECTOR = {
    "type": "connector",
    "connector_id": "conn_1",
    "authorization": API_KEY_AUTH,
    "tool_configuration": TOOL_CONFIGURATION,
}
ALL_TOOLS: list[dict[str, Any]] = [
    FUNCTION_TOOL,
    WEB_SEARCH,
    WEB_SEARCH_PREMIUM,
    CODE_INTERPRETER,
    IMAGE_GENERATION,
    DOCUMENT_LIBRARY,
    CUSTOM_CONNECTOR,
]
COMPLETION_ARGS = {
    "stop": ["\n\n"],
    "presence_penalty": 0.1,
    "frequency_penalty": -0.2,
    "temperature": 0.3,
    "top_p": 0.9,
    "max_tokens": 100,
    "random_seed": 7,
    "prediction": {"type": "content", "content": "x"},
    "response_format": {"type": "json_object"},
    "tool_choice": "auto",
    "reasoning_effort": "none",
}
GUARDRAIL = {"block_on_error": True}
METADATA = {"team": "docs", "priority": 2}

# -- entries -------------------------------------------------------------------------------------

_ENTRY = {"object": "entry", "created_at": T0, "completed_at": T1}
_BY_MODEL = {"agent_id": "ag_1", "model": "mistral-medium-latest"}
MESSAGE_INPUT = {
    **_ENTRY,
    "type": "message.input",
    "id": "msg_1",
    "role": "user",
    "content": [TEXT, IMAGE_URL, TOOL_FILE, DOCUMENT_URL, THINKING],
    "prefix": False,
}
MESSAGE_OUTPUT = {
    **_ENTRY,
    **_BY_MODEL,
    "type": "message.output",
    "id": "msg_2",
    "role": "assistant",
    "content": [TEXT, IMAGE_URL, TOOL_FILE, DOCUMENT_URL, THINKING, TOOL_REFERENCE],
}
FUNCTION_CALL = {
    **_ENTRY,
    **_BY_MODEL,
    "type": "function.call",
    "id": "fc_1",
    "tool_call_id": "call_1",
    "name": "get_weather",
    "arguments": '{"city": "Paris"}',
    "confirmation_status": "allowed",
}
FUNCTION_RESULT = {
    **_ENTRY,
    "type": "function.result",
    "id": "fr_1",
    "tool_call_id": "call_1",
    "result": "sunny",
}
TOOL_EXECUTION = {
    **_ENTRY,
    **_BY_MODEL,
    "type": "tool.execution",
    "id": "te_1",
    "name": "web_search",
    "arguments": '{"query": "weather Paris"}',
    "info": {"results": 3},
}
AGENT_HANDOFF = {
    **_ENTRY,
    "type": "agent.handoff",
    "id": "ho_1",
    "previous_agent_id": "ag_1",
    "previous_agent_name": "triage",
    "next_agent_id": "ag_2",
    "next_agent_name": "weather",
}
ALL_ENTRIES: list[dict[str, Any]] = [
    MESSAGE_INPUT,
    MESSAGE_OUTPUT,
    FUNCTION_RESULT,
    FUNCTION_CALL,
    TOOL_EXECUTION,
    AGENT_HANDOFF,
]
OUTPUT_ENTRIES = [MESSAGE_OUTPUT, TOOL_EXECUTION, FUNCTION_CALL, AGENT_HANDOFF]

# -- events --------------------------------------------------------------------------------------

_AT = {"created_at": T0, "output_index": 1}
EVENTS: dict[str, dict[str, Any]] = {
    "ResponseStartedEvent": {
        "type": "conversation.response.started",
        "created_at": T0,
        "conversation_id": "conv_1",
    },
    "ResponseDoneEvent": {"type": "conversation.response.done", "created_at": T1, "usage": USAGE},
    "ResponseErrorEvent": {
        "type": "conversation.response.error",
        "created_at": T1,
        "message": "model overloaded",
        "code": 3000,
    },
    "ToolExecutionStartedEvent": {
        **_AT,
        **_BY_MODEL,
        "type": "tool.execution.started",
        "id": "te_1",
        "name": "web_search",
        "arguments": '{"query": ',
    },
    "ToolExecutionDeltaEvent": {
        **_AT,
        "type": "tool.execution.delta",
        "id": "te_1",
        "name": "web_search",
        "arguments": '"weather"}',
    },
    "ToolExecutionDoneEvent": {
        **_AT,
        "type": "tool.execution.done",
        "id": "te_1",
        "name": "web_search",
        "info": {"results": 3},
    },
    "MessageOutputEvent": {
        **_AT,
        **_BY_MODEL,
        "type": "message.output.delta",
        "id": "msg_2",
        "content_index": 0,
        "role": "assistant",
        "content": "Hel",
    },
    "FunctionCallEvent": {
        **_AT,
        **_BY_MODEL,
        "type": "function.call.delta",
        "id": "fc_1",
        "name": "get_weather",
        "tool_call_id": "call_1",
        "arguments": '{"city": ',
        "confirmation_status": "pending",
    },
    "AgentHandoffStartedEvent": {
        **_AT,
        "type": "agent.handoff.started",
        "id": "ho_1",
        "previous_agent_id": "ag_1",
        "previous_agent_name": "triage",
    },
    "AgentHandoffDoneEvent": {
        **_AT,
        "type": "agent.handoff.done",
        "id": "ho_1",
        "next_agent_id": "ag_2",
        "next_agent_name": "weather",
    },
}

# -- conversations -------------------------------------------------------------------------------

CONVERSATION_REQUEST = {
    "inputs": ALL_ENTRIES,
    "store": True,
    "handoff_execution": "server",
    "instructions": "Be brief.",
    "tools": ALL_TOOLS,
    "completion_args": COMPLETION_ARGS,
    "guardrails": [GUARDRAIL],
    "name": "weather chat",
    "description": "Asks about the weather.",
    "metadata": METADATA,
    "agent_id": "ag_1",
    "agent_version": 2,
    "model": "mistral-medium-latest",
    "stream": False,
}
CONVERSATION_APPEND_REQUEST = {
    "inputs": "And tomorrow?",
    "stream": False,
    "store": True,
    "handoff_execution": "client",
    "completion_args": COMPLETION_ARGS,
    "tool_confirmations": [{"tool_call_id": "call_1", "confirmation": "allow"}],
}
CONVERSATION_RESTART_REQUEST = {
    "inputs": [
        {
            "object": "entry",
            "type": "message.input",
            "role": "user",
            "content": "Again.",
            "prefix": False,
        }
    ],
    "stream": False,
    "store": False,
    "handoff_execution": "server",
    "completion_args": COMPLETION_ARGS,
    "guardrails": [GUARDRAIL],
    "metadata": METADATA,
    "from_entry_id": "msg_1",
    "agent_version": "production",
}
CONVERSATION_RESPONSE = {
    "object": "conversation.response",
    "conversation_id": "conv_1",
    "outputs": OUTPUT_ENTRIES,
    "usage": USAGE,
    "guardrails": [{"name": "moderation", "blocked": False}],
}
CONVERSATION_HISTORY = {
    "object": "conversation.history",
    "conversation_id": "conv_1",
    "entries": ALL_ENTRIES,
}
CONVERSATION_MESSAGES = {
    "object": "conversation.messages",
    "conversation_id": "conv_1",
    "messages": [MESSAGE_INPUT, MESSAGE_OUTPUT],
}
_CONVERSATION_INFO = {
    "name": "weather chat",
    "description": "Asks about the weather.",
    "metadata": METADATA,
    "object": "conversation",
    "id": "conv_1",
    "created_at": T0,
    "updated_at": T1,
}
MODEL_CONVERSATION = {
    **_CONVERSATION_INFO,
    "instructions": "Be brief.",
    "tools": ALL_TOOLS,
    "completion_args": COMPLETION_ARGS,
    "guardrails": [GUARDRAIL],
    "model": "mistral-medium-latest",
}
AGENT_CONVERSATION = {**_CONVERSATION_INFO, "agent_id": "ag_1", "agent_version": 3}

# -- agents --------------------------------------------------------------------------------------

_AGENT_FIELDS = {
    "instructions": "Answer weather questions.",
    "tools": ALL_TOOLS,
    "completion_args": COMPLETION_ARGS,
    "guardrails": [GUARDRAIL],
    "model": "mistral-medium-latest",
    "name": "weather",
    "description": "Knows the weather.",
    "handoffs": ["ag_2"],
    "metadata": METADATA,
}
AGENT_CREATION_REQUEST = {**_AGENT_FIELDS, "version_message": "first"}
AGENT_UPDATE_REQUEST = {**_AGENT_FIELDS, "deployment_chat": True, "version_message": "second"}
AGENT = {
    **_AGENT_FIELDS,
    "object": "agent",
    "id": "ag_1",
    "version": 2,
    "versions": [1, 2],
    "created_at": T0,
    "updated_at": T1,
    "deployment_chat": False,
    "source": "api",
    "version_message": "second",
}
AGENT_ALIAS = {"alias": "production", "version": 2, "created_at": T0, "updated_at": T1}
AGENT_LIST_PAGE = {"object": "list", "data": [AGENT], "next_page_token": "cursor-2"}
AGENTS_COMPLETION_REQUEST = {
    "agent_id": "ag_1",
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
    "max_tokens": 50,
    "stream": False,
    "stop": "\n",
    "random_seed": 1,
    "metadata": METADATA,
    "response_format": {"type": "text"},
    "tools": [FUNCTION_TOOL],
    "tool_choice": "auto",
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "n": 1,
    "prediction": {"type": "content", "content": ""},
    "parallel_tool_calls": True,
    "prompt_mode": "reasoning",
    "reasoning_effort": "high",
    "prompt_cache_key": "k1",
}
