"""Static checks of the Conversations and Agents types, run by mypy, never executed."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from mistral_async import (
    AsyncCursorPaginator,
    AsyncMistral,
    ConversationEventStream,
    ConversationRun,
    ConversationStep,
    Mistral,
    ToolResult,
)
from mistral_async._core.conversation_accumulate import ConversationAccumulator
from mistral_async.types.agents import Agent, AgentCreateParams, AgentListPage, AgentUpdateParams
from mistral_async.types.chat import ChatCompletionResponse
from mistral_async.types.conversation_entries import FunctionCallEntry, MessageOutputEntry
from mistral_async.types.conversation_events import (
    MessageOutputEvent,
    ResponseErrorEvent,
    UnknownEvent,
    conversation_event_adapter,
)
from mistral_async.types.conversations import (
    AgentConversation,
    ConversationAppendParams,
    ConversationHistory,
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


async def client_surface(client: AsyncMistral, blocking: Mistral) -> None:
    conversations = client.beta.conversations
    reply = await conversations.start(model="m", inputs="hi", tools=[{"type": "web_search"}])
    assert_type(reply, ConversationResponse)
    assert_type(conversations.start_stream(model="m", inputs="hi"), ConversationEventStream)
    assert_type(await conversations.get_history("c"), ConversationHistory)
    assert_type(await conversations.delete("c"), None)
    found = await conversations.get("c")
    if isinstance(found, AgentConversation):
        assert_type(found.agent_id, str)
    run = await conversations.run(model="m", inputs="hi", tools=[len], max_steps=3)
    assert_type(run, ConversationRun)
    async for item in conversations.run_stream(model="m", inputs="hi", tools=[len]):
        if isinstance(item, ConversationStep):
            assert_type(item.results, tuple[ToolResult, ...])
    await conversations.start(model="m", inputz="hi")  # type: ignore[call-arg]
    agents = client.beta.agents
    assert_type(await agents.create(model="m", name="n"), Agent)
    assert_type(await agents.list_versions("a"), list[Agent])
    assert_type(agents.list_pages(page_size=5), AsyncCursorPaginator[Agent, AgentListPage])
    assert_type(await agents.delete_version_alias("a", alias="x"), None)
    assert_type(await client.agents.complete(agent_id="a", messages=[]), ChatCompletionResponse)
    assert_type(blocking.beta.conversations.start(model="m", inputs="hi"), ConversationResponse)
    assert_type(blocking.beta.agents.get("a"), Agent)
    for step in blocking.beta.conversations.run_steps(model="m", inputs="hi", tools=[len]):
        assert_type(step, ConversationStep)
