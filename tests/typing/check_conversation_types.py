"""Static checks of the Conversations and Agents types, run by mypy, never executed."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from mistral_async._core.conversation_accumulate import ConversationAccumulator
from mistral_async.types.agents import AgentCreateParams, AgentUpdateParams
from mistral_async.types.conversation_entries import FunctionCallEntry, MessageOutputEntry
from mistral_async.types.conversation_events import (
    MessageOutputEvent,
    ResponseErrorEvent,
    UnknownEvent,
    conversation_event_adapter,
)
from mistral_async.types.conversations import (
    ConversationAppendParams,
    ConversationResponse,
    ConversationStartParams,
    MessageInputEntry,
)


def params() -> None:
    start: ConversationStartParams = {
        "inputs": [MessageInputEntry(role="user", content="hi"), {"role": "user", "content": "x"}],
        "tools": [{"type": "web_search"}],
        "completion_args": {"temperature": 0.2},
        "agent_version": 2,
    }
    append: ConversationAppendParams = {"tool_confirmations": [{"tool_call_id": "c"}]}
    create: AgentCreateParams = {"model": "m", "name": "n", "handoffs": ["ag_2"]}
    missing: AgentCreateParams = {"model": "m"}  # type: ignore[typeddict-item]
    update: AgentUpdateParams = {"deployment_chat": True}
    unknown: ConversationStartParams = {"inputs": "hi", "toolz": []}  # type: ignore[typeddict-unknown-key]
    print(start, append, create, missing, update, unknown)


def events(raw: bytes) -> None:
    event = conversation_event_adapter.validate_json(raw)
    if isinstance(event, MessageOutputEvent):
        assert_type(event.content_index, int)
    elif isinstance(event, ResponseErrorEvent):
        assert_type(event.code, int)
    elif isinstance(event, UnknownEvent):
        assert_type(event.raw, dict[str, Any])
    accumulator = ConversationAccumulator()
    accumulator.add(event)
    response = accumulator.response()
    assert_type(response, ConversationResponse)
    assert_type(response.function_calls, list[FunctionCallEntry])
    for output in response.outputs:
        if isinstance(output, MessageOutputEntry):
            assert_type(output.text, str)
