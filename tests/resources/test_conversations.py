"""``client.beta.conversations`` against the local server (asyncio and trio): every operation,
streams event by event, the stream faults, argument errors, and runs with Python functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    BatchRunner,
    Mistral,
    NotFoundError,
    StreamError,
)
from mistral_async._core.event_streams import ConversationEventStream
from mistral_async.resources.conversation_run import ConversationRun, ConversationStep
from mistral_async.testing import LocalServer
from mistral_async.types.conversation_events import (
    FunctionCallEvent,
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseStartedEvent,
    ToolExecutionDoneEvent,
    ToolExecutionStartedEvent,
)
from mistral_async.types.conversations import (
    AgentConversation,
    AgentHandoffEntry,
    ConversationResponse,
    FunctionCallEntry,
    FunctionResultEntry,
    MessageInputEntry,
    MessageOutputEntry,
    ModelConversation,
    ToolExecutionEntry,
)

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
PATH = "/v1/conversations"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def fast_retries(client: AsyncMistral) -> None:
    from mistral_async._core.retry import RetryPolicy

    client._policy = lambda options: RetryPolicy(  # type: ignore[method-assign]
        max_retries=options.get("max_retries", client.max_retries), initial_delay=0.01
    )


async def test_start_append_get_history_messages_and_delete(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    first = await conversations.start(
        model=MODEL, inputs="Who painted the Mona Lisa?", instructions="Be brief.", name="art"
    )
    assert isinstance(first, ConversationResponse)
    assert first.text.startswith('You said "Who painted the Mona Lisa?".')
    assert isinstance(first.outputs[0], MessageOutputEntry)
    second = await conversations.append(first.conversation_id, inputs="And the Night Watch?")
    assert second.conversation_id == first.conversation_id
    assert second.text.startswith('You said "And the Night Watch?".')
    got = await conversations.get(first.conversation_id)
    assert isinstance(got, ModelConversation)
    assert (got.id, got.model, got.instructions, got.name) == (
        first.conversation_id,
        MODEL,
        "Be brief.",
        "art",
    )
    history = await conversations.get_history(first.conversation_id)
    assert [type(e) for e in history.entries] == [
        MessageInputEntry,
        MessageOutputEntry,
        MessageInputEntry,
        MessageOutputEntry,
    ]
    messages = await conversations.get_messages(first.conversation_id)
    assert [m.text for m in messages.messages][::2] == [
        "Who painted the Mona Lisa?",
        "And the Night Watch?",
    ]
    assert await conversations.delete(first.conversation_id) is None
    with pytest.raises(NotFoundError) as info:
        await conversations.get(first.conversation_id)
    assert info.value.status_code == 404


async def test_restart_and_list_with_metadata(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    tag = f"t-{id(client)}-{anyio.current_time()}"
    first = await conversations.start(model=MODEL, inputs="One", metadata={"tag": tag})
    await conversations.append(first.conversation_id, inputs="Two")
    history = await conversations.get_history(first.conversation_id)
    restarted = await conversations.restart(
        first.conversation_id, from_entry_id=history.entries[1].id, inputs="Three"
    )
    assert restarted.conversation_id != first.conversation_id
    assert restarted.text.startswith('You said "Three".')
    listed = await conversations.list(metadata={"tag": tag})
    assert [c.id for c in listed] == [restarted.conversation_id, first.conversation_id]
    assert (await conversations.list(metadata={"tag": tag}, page=1, page_size=1))[0].id == (
        first.conversation_id
    )
    assert len(await conversations.list(page_size=1)) == 1


async def test_agent_conversations_and_handoffs(client: AsyncMistral) -> None:
    agents, conversations = client.beta.agents, client.beta.conversations
    expert = await agents.create(model=MODEL, name="Geologist")
    lead = await agents.create(model=MODEL, name="Lead", handoffs=[expert.id])
    reply = await conversations.start(agent_id=lead.id, inputs="Ask the geologist about rocks")
    handoff, message = reply.outputs
    assert isinstance(handoff, AgentHandoffEntry)
    assert (handoff.previous_agent_id, handoff.next_agent_id) == (lead.id, expert.id)
    assert isinstance(message, MessageOutputEntry)
    assert message.agent_id == expert.id
    got = await conversations.get(reply.conversation_id)
    assert isinstance(got, AgentConversation)
    assert got.agent_id == lead.id


async def test_connectors_and_confirmations(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    reply = await conversations.start(
        model=MODEL, inputs="Latest news on Mars", tools=[{"type": "web_search"}]
    )
    execution = reply.outputs[0]
    assert isinstance(execution, ToolExecutionEntry)
    assert execution.name == "web_search"
    assert reply.usage.connectors == {"web_search": 1}
    guarded = {
        "type": "code_interpreter",
        "tool_configuration": {"requires_confirmation": ["code_interpreter"]},
    }
    waiting = await conversations.start(model=MODEL, inputs="Compute 2+2", tools=[guarded])
    (call,) = waiting.function_calls
    assert call.confirmation_status == "pending"
    allowed = await conversations.append(
        waiting.conversation_id,
        tool_confirmations=[{"tool_call_id": call.tool_call_id, "confirmation": "allow"}],
    )
    assert [type(e) for e in allowed.outputs] == [ToolExecutionEntry, MessageOutputEntry]


async def test_stream_events_are_typed_and_assemble_the_response(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    plain = await conversations.start(model=MODEL, inputs="Tell me about Lyon")
    stream = conversations.start_stream(model=MODEL, inputs="Tell me about Lyon")
    assert isinstance(stream, ConversationEventStream)
    events = []
    async with stream:
        async for event in stream:
            events.append(event)
    assert isinstance(events[0], ResponseStartedEvent)
    assert isinstance(events[-1], ResponseDoneEvent)
    deltas = [e for e in events if isinstance(e, MessageOutputEvent)]
    assert len(deltas) > 3
    final = await stream.get_final_response()
    assert final.text == plain.text
    assert final.usage == plain.usage
    assert final.conversation_id == events[0].conversation_id
    text = []
    async with conversations.append_stream(final.conversation_id, inputs="More") as more:
        async for piece in more.text_deltas():
            text.append(piece)
    assert "".join(text).startswith('You said "More".')
    history = await conversations.get_history(final.conversation_id)
    restart = conversations.restart_stream(
        final.conversation_id, from_entry_id=history.entries[0].id, inputs="Again"
    )
    async with restart:
        again = await restart.get_final_response()
    assert again.conversation_id != final.conversation_id
    assert again.text.startswith('You said "Again".')


async def test_streamed_function_calls_and_tool_executions(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    async with conversations.start_stream(
        model=MODEL, inputs="Weather in Oslo?", tools=[WEATHER]
    ) as stream:
        events = [e async for e in stream]
    calls = [e for e in events if isinstance(e, FunctionCallEvent)]
    assert len(calls) > 1
    final = await stream.get_final_response()
    (call,) = final.function_calls
    assert json.loads(str(call.arguments)) == {"city": "Oslo"}
    assert "".join(e.arguments for e in calls) == call.arguments
    async with conversations.start_stream(
        model=MODEL, inputs="Search Oslo", tools=[{"type": "web_search"}]
    ) as searching:
        kinds = [type(e) async for e in searching]
    assert ToolExecutionStartedEvent in kinds
    assert ToolExecutionDoneEvent in kinds
    final = await searching.get_final_response()
    assert [type(e) for e in final.outputs] == [ToolExecutionEntry, MessageOutputEntry]


async def test_cut_stream_raises_and_is_retried_only_before_the_first_event(
    client: AsyncMistral, server: LocalServer
) -> None:
    fast_retries(client)
    conversations = client.beta.conversations
    server.faults.add("cut_stream", after_events=0, path=PATH)
    async with conversations.start_stream(model=MODEL, inputs="Hi") as stream:
        final = await stream.get_final_response()
    assert final.text
    assert stream.response_info is not None
    assert stream.response_info.retries == 1
    server.faults.add("cut_stream", after_events=3, path=PATH)
    seen = 0
    with pytest.raises(APIConnectionError):
        async with conversations.start_stream(model=MODEL, inputs="Tell me a story") as stream:
            async for _ in stream:
                seen += 1
    assert seen == 3
    assert stream.closed
    server.exchanges.wait_idle()
    assert len(server.exchanges) == 3  # two for the retried stream, one for the cut one


async def test_in_band_error_is_a_typed_error(client: AsyncMistral, server: LocalServer) -> None:
    server.faults.add(
        "stream_error", after_events=2, path=PATH, message="model crashed", code="3000"
    )
    seen = 0
    with pytest.raises(StreamError, match="model crashed") as info:
        async with client.beta.conversations.start_stream(model=MODEL, inputs="Hi") as stream:
            async for _ in stream:
                seen += 1
    assert seen == 2
    assert stream.closed
    assert (info.value.code, info.value.type) == (3000, "conversation.response.error")


async def test_break_and_cancel_close_the_stream(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    async with conversations.start_stream(model=MODEL, inputs="Tell me a long story") as stream:
        async for _ in stream:
            break
    assert stream.closed
    with anyio.move_on_after(5):
        async with conversations.start_stream(model=MODEL, inputs="Another story") as other:
            with anyio.CancelScope() as scope:
                async for _ in other:
                    scope.cancel()
    assert other.closed


async def test_argument_errors_name_the_argument(client: AsyncMistral, server: LocalServer) -> None:
    conversations = client.beta.conversations
    cases: list[tuple[str, Any]] = [
        ("inputs", lambda: conversations.start(model=MODEL)),
        (
            "handoff_execution",
            lambda: conversations.start(model=MODEL, inputs="x", handoff_execution="nowhere"),
        ),
        (
            "completion_args",
            lambda: conversations.start(
                model=MODEL, inputs="x", completion_args={"temperature": 3}
            ),
        ),
        ("from_entry_id", lambda: conversations.restart("conv_1", inputs="x")),
        ("conversation_id", lambda: conversations.append("", inputs="x")),
        (
            "tool_confirmations",
            lambda: conversations.append(
                "c", tool_confirmations=[{"tool_call_id": "a", "confirmation": "maybe"}]
            ),
        ),
        ("page_size", lambda: conversations.list(page_size=0)),
    ]
    for name, call in cases:
        with pytest.raises(ArgumentError) as info:
            await call()
        assert info.value.argument == name or name in str(info.value)
    with pytest.raises(ArgumentError, match="inputs"):
        conversations.start_stream(model=MODEL)
    assert len(server.exchanges) == 0


# -- runs with Python functions -----------------------------------------------------------------


def get_weather(city: str) -> str:
    """The weather in a city.

    :param city: the city's name.
    """
    return f"sunny in {city}"


async def test_run_calls_the_function_and_ends_at_the_answer(client: AsyncMistral) -> None:
    seen: list[ConversationStep] = []
    run = await client.beta.conversations.run(
        model=MODEL,
        inputs="What is the weather in Paris?",
        tools=[get_weather],
        on_step=seen.append,
    )
    assert isinstance(run, ConversationRun)
    assert run.stop_reason == "final_answer"
    assert [len(step.results) for step in run.steps] == [1, 0]
    assert seen == list(run.steps)
    (result,) = run.steps[0].results
    assert (result.name, result.output) == ("get_weather", "sunny in Paris")
    assert run.text == "Based on the tool results: get_weather returned sunny in Paris."
    assert [type(e) for e in run.outputs] == [
        FunctionCallEntry,
        FunctionResultEntry,
        MessageOutputEntry,
    ]
    assert run.usage.total_tokens == sum(s.response.usage.total_tokens for s in run.steps)
    history = await client.beta.conversations.get_history(run.conversation_id)
    assert len(history.entries) == 4


async def test_run_steps_stop_at_max_steps_and_errors_go_back(client: AsyncMistral) -> None:
    def broken(city: str) -> str:
        raise RuntimeError("no data")

    steps = client.beta.conversations.run_steps(
        model=MODEL, inputs="Weather in Rome?", tools=[broken], max_steps=1
    )
    collected = [step async for step in steps]
    assert len(collected) == 1
    assert steps.result is not None
    assert steps.result.stop_reason == "max_steps"
    assert collected[0].results[0].error == "RuntimeError: no data"


async def test_run_with_an_agent_runs_its_function_calls(client: AsyncMistral) -> None:
    agent = await client.beta.agents.create(model=MODEL, name="Forecaster", tools=[WEATHER])
    run = await client.beta.conversations.run(
        agent_id=agent.id, inputs="Weather in Nice?", tools=[get_weather]
    )
    assert run.text.endswith("returned sunny in Nice.")
    follow = await client.beta.conversations.run(
        conversation_id=run.conversation_id, inputs="And in Lille?", tools=[get_weather]
    )
    assert follow.conversation_id == run.conversation_id
    assert follow.text.endswith("returned sunny in Lille.")


async def test_run_stream_yields_events_then_steps(client: AsyncMistral) -> None:
    items: list[Any] = []
    async with client.beta.conversations.run_stream(
        model=MODEL, inputs="Weather in Bern?", tools=[get_weather]
    ) as run:
        async for item in run:
            items.append(item)
    steps = [i for i in items if isinstance(i, ConversationStep)]
    assert len(steps) == 2
    assert isinstance(items[0], ResponseStartedEvent)
    assert isinstance(items[-1], ConversationStep)
    assert run.result is not None
    assert run.result.text == "Based on the tool results: get_weather returned sunny in Bern."


async def test_leaving_a_run_stream_early_closes_it(client: AsyncMistral) -> None:
    async with client.beta.conversations.run_stream(
        model=MODEL, inputs="Weather in Bern?", tools=[get_weather]
    ) as run:
        async for item in run:
            assert isinstance(item, ResponseStartedEvent)
            break
    assert run.result is None
    with pytest.raises(RuntimeError, match="iterated once"):
        async for _ in run:
            pass


async def test_run_arguments_are_checked(client: AsyncMistral) -> None:
    conversations = client.beta.conversations
    with pytest.raises(ArgumentError, match="tools"):
        await conversations.run(model=MODEL, inputs="x", tools=[])
    with pytest.raises(ArgumentError, match="max_steps"):
        await conversations.run(model=MODEL, inputs="x", tools=[get_weather], max_steps=0)
    with pytest.raises(ArgumentError, match="store"):
        await conversations.run(model=MODEL, inputs="x", tools=[get_weather], store=False)


# -- the blocking client -----------------------------------------------------------------------


def test_sync_conversations(sync_client: Mistral) -> None:
    conversations = sync_client.beta.conversations
    first = conversations.start(model=MODEL, inputs="Hello")
    assert first.text.startswith('You said "Hello".')
    with conversations.append_stream(first.conversation_id, inputs="Again") as stream:
        events = list(stream)
    assert isinstance(events[-1], ResponseDoneEvent)
    assert stream.get_final_response().text.startswith('You said "Again".')
    assert len(conversations.get_history(first.conversation_id).entries) == 4
    run = conversations.run(model=MODEL, inputs="Weather in Bonn?", tools=[get_weather])
    assert run.text.endswith("returned sunny in Bonn.")
    steps = list(
        conversations.run_steps(model=MODEL, inputs="Weather in Graz?", tools=[get_weather])
    )
    assert len(steps) == 2
    with conversations.run_stream(
        model=MODEL, inputs="Weather in Linz?", tools=[get_weather]
    ) as streamed:
        items = list(streamed)
    assert isinstance(items[-1], ConversationStep)
    conversations.delete(first.conversation_id)
    with pytest.raises(NotFoundError):
        conversations.get(first.conversation_id)


# -- batch runs ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["local", "batch-api"])
async def test_a_batch_of_conversation_starts(
    client: AsyncMistral, tmp_path: Path, backend: str
) -> None:
    lines = [
        {"custom_id": "a", "body": {"inputs": "Name a river", "store": False}},
        {"custom_id": "b", "body": {"inputs": [{"role": "user", "content": "Name a sea"}]}},
        {"custom_id": "bad", "body": {"inputs": "x", "no_such_field": 1}},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = tmp_path / "out.jsonl"
    runner = BatchRunner(client, endpoint="/v1/conversations", model=MODEL)
    summary = await runner.run_file(source, output, backend=backend, poll_interval=0.02)  # type: ignore[arg-type]
    assert (summary.succeeded, summary.failed) == (2, 1)
    records = {r["custom_id"]: r for r in map(json.loads, output.read_text().splitlines())}
    for custom_id in ("a", "b"):
        body = records[custom_id]["response"]["body"]
        assert body["object"] == "conversation.response"
        assert body["outputs"][-1]["type"] == "message.output"
        assert body["usage"]["total_tokens"] > 0
    assert "no_such_field" in json.dumps(records["bad"]["error"])
    if backend == "local":
        assert summary.prompt_tokens > 0  # a conversation's usage is counted
        assert summary.completion_tokens > 0


@pytest.mark.parametrize("backend", ["local", "batch-api"])
def test_the_batch_command_runs_conversations(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    from mistral_async.cli.main import main

    monkeypatch.setenv("MISTRAL_API_KEY", "sk-test")
    monkeypatch.setenv("MISTRAL_BASE_URL", server.url)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"custom_id": "a", "body": {"inputs": "Name a river"}}) + "\n")
    output = tmp_path / "out.jsonl"
    argv = ["batch", str(source), str(output), "--endpoint", "/v1/conversations"]
    argv += [
        "--model",
        MODEL,
        "--backend",
        backend,
        "--poll-interval",
        "0.02",
        "--progress",
        "none",
    ]
    assert main(argv) == 0
    (record,) = map(json.loads, output.read_text().splitlines())
    assert record["response"]["body"]["object"] == "conversation.response"
