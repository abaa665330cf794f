"""The conversation stream accumulator, fed hand-written event sequences."""

from __future__ import annotations

import json
from typing import Any

from mistral_async._core.conversation_accumulate import ConversationAccumulator
from mistral_async.testing import OpenAPISpec
from mistral_async.types._base import dump_request
from mistral_async.types.content import TextChunk, ThinkChunk, ToolReferenceChunk
from mistral_async.types.conversation_entries import (
    AgentHandoffEntry,
    FunctionCallEntry,
    MessageOutputEntry,
    ToolExecutionEntry,
)
from mistral_async.types.conversation_events import conversation_event_adapter
from tests._support.conversation_examples import TOOL_REFERENCE, USAGE

T0 = "2025-06-01T12:00:00Z"
MODEL = "mistral-medium-latest"


def started(conversation_id: str = "conv_1") -> dict[str, Any]:
    return {
        "type": "conversation.response.started",
        "created_at": T0,
        "conversation_id": conversation_id,
    }


def done(usage: dict[str, Any] = USAGE) -> dict[str, Any]:
    return {"type": "conversation.response.done", "created_at": T0, "usage": usage}


def text(content: Any, output: int = 0, part: int = 0, entry_id: str = "msg_1") -> dict[str, Any]:
    return {
        "type": "message.output.delta",
        "created_at": T0,
        "output_index": output,
        "content_index": part,
        "id": entry_id,
        "model": MODEL,
        "role": "assistant",
        "content": content,
    }


def call(arguments: str, output: int = 0, name: str = "get_weather") -> dict[str, Any]:
    return {
        "type": "function.call.delta",
        "created_at": T0,
        "output_index": output,
        "id": "fc_1",
        "model": MODEL,
        "name": name,
        "tool_call_id": "call_1" if name else "",
        "arguments": arguments,
    }


def feed(*events: dict[str, Any]) -> ConversationAccumulator:
    """An accumulator given the events as a stream delivers them: JSON, read by the adapter."""
    acc = ConversationAccumulator()
    for event in events:
        acc.add(conversation_event_adapter.validate_json(json.dumps(event)))
    return acc


def conforms(acc: ConversationAccumulator) -> None:
    body = dump_request(acc.response())
    schema = "/components/schemas/ConversationResponse"
    assert [str(v) for v in OpenAPISpec.default().schema_violations(body, schema)] == []


def test_text_deltas_build_one_message_with_id_usage_and_conversation() -> None:
    acc = feed(started(), text("Hel"), text("lo"), text("!"), done())
    response = acc.response()
    assert response.conversation_id == "conv_1"
    [message] = response.outputs
    assert isinstance(message, MessageOutputEntry)
    assert message.content == "Hello!"  # plain text, as the non-streamed reply has it
    assert (message.id, message.model, message.role) == ("msg_1", MODEL, "assistant")
    assert response.usage.total_tokens == 15
    assert response.usage.connectors == {"web_search": 1}
    assert acc.done
    assert acc.error is None
    conforms(acc)


def test_content_indexes_keep_parts_apart_and_in_order() -> None:
    acc = feed(
        started(),
        text("Paris is ", part=0),
        text("sunny", part=0),
        text(" today.", part=2),  # arrives before part 1: placed by index, not arrival
        text(TOOL_REFERENCE, part=1),
        text({"type": "text", "text": " Source above."}, part=2),
        done(),
    )
    [message] = acc.response().outputs
    assert isinstance(message, MessageOutputEntry)
    assert message.content == [
        TextChunk(text="Paris is sunny"),
        ToolReferenceChunk.model_validate(TOOL_REFERENCE),
        TextChunk(text=" today. Source above."),
    ]
    assert message.text == "Paris is sunny today. Source above."
    conforms(acc)


def test_thinking_deltas_join_into_one_thinking_part() -> None:
    think = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "Let me "}], "closed": False},
        {"type": "thinking", "thinking": [{"type": "text", "text": "think."}], "closed": True},
    ]
    acc = feed(text(think[0], part=0), text(think[1], part=0), text("Done.", part=1))
    [message] = acc.response().outputs
    assert isinstance(message, MessageOutputEntry)
    assert message.content == [
        ThinkChunk(thinking=[TextChunk(text="Let me think.")], closed=True),
        TextChunk(text="Done."),
    ]


def test_two_outputs_interleaved_are_told_apart_by_output_index() -> None:
    acc = feed(
        started(),
        text("First", output=0, entry_id="msg_a"),
        text("Second", output=1, entry_id="msg_b"),
        text(" one.", output=0, entry_id="msg_a"),
        text(" one.", output=1, entry_id="msg_b"),
        done(),
    )
    outputs = acc.response().outputs
    assert [(getattr(o, "id", None), getattr(o, "content", None)) for o in outputs] == [
        ("msg_a", "First one."),
        ("msg_b", "Second one."),
    ]


def test_function_call_arguments_arriving_in_pieces_are_concatenated() -> None:
    acc = feed(
        started(),
        call('{"ci'),
        call('ty": "Pa', name=""),  # later pieces may leave the name and id empty
        call('ris"}'),
        text("Calling.", output=1, entry_id="msg_2"),
        done(),
    )
    outputs = acc.response().outputs
    first = outputs[0]
    assert isinstance(first, FunctionCallEntry)
    assert (first.name, first.tool_call_id, first.id) == ("get_weather", "call_1", "fc_1")
    assert first.arguments == '{"city": "Paris"}'
    assert first.parsed_arguments() == {"city": "Paris"}
    assert acc.response().function_calls == [first]
    assert isinstance(outputs[1], MessageOutputEntry)
    conforms(acc)


def test_tool_execution_and_handoff_sequences_build_their_entries() -> None:
    tool = {"output_index": 0, "id": "te_1", "name": "web_search", "created_at": T0}
    handoff = {"output_index": 1, "id": "ho_1", "created_at": T0}
    acc = feed(
        started(),
        {**tool, "type": "tool.execution.started", "arguments": '{"query": '},
        {**tool, "type": "tool.execution.delta", "arguments": '"weather"}'},
        {**tool, "type": "tool.execution.done", "info": {"results": 3}},
        {**handoff, "type": "agent.handoff.started", "previous_agent_id": "ag_1",
         "previous_agent_name": "triage"},
        {**handoff, "type": "agent.handoff.done", "next_agent_id": "ag_2",
         "next_agent_name": "weather"},
        text("Sunny.", output=2, entry_id="msg_3"),
        done(),
    )  # fmt: skip
    execution, handover, message = acc.response().outputs
    assert isinstance(execution, ToolExecutionEntry)
    assert (execution.name, execution.arguments) == ("web_search", '{"query": "weather"}')
    assert execution.info == {"results": 3}
    assert isinstance(handover, AgentHandoffEntry)
    assert (handover.previous_agent_name, handover.next_agent_id) == ("triage", "ag_2")
    assert isinstance(message, MessageOutputEntry)
    conforms(acc)


def test_an_error_event_is_recorded_for_the_stream_to_raise() -> None:
    error = {"type": "conversation.response.error", "message": "overloaded", "code": 3000}
    acc = feed(started(), text("Partial"), error)
    assert acc.error is not None
    assert (acc.error.message, acc.error.code) == ("overloaded", 3000)
    assert not acc.done
    assert acc.response().text == "Partial"  # what came before the error is kept


def test_unknown_events_are_skipped_and_an_empty_stream_gives_an_empty_response() -> None:
    acc = feed({"type": "conversation.response.heartbeat"}, {"whatever": 1})
    response = acc.response()
    assert (response.conversation_id, response.outputs) == ("", [])
    assert response.usage.total_tokens == 0
    assert (acc.conversation_id, acc.usage, acc.done) == (None, None, False)
