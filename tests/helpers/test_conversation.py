"""Conversations: turns, budgets, serialisation, the store, and concurrency."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    Conversation,
    ConversationStore,
    ConversationStream,
    Mistral,
    function_tool,
)
from mistral_async.conversation import MESSAGE_OVERHEAD, estimate_tokens
from mistral_async.testing import LocalServer
from mistral_async.types.chat import AssistantMessage, ToolMessage, UserMessage

MODEL = "mistral-small-latest"


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return "21C"


WEATHER = function_tool(get_weather).to_param()


def history(turns: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(turns):
        out += [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    return out


def contents(conversation: Conversation) -> list[Any]:
    return [m.content for m in conversation.messages]


# -- state, without a server -------------------------------------------------------------------


def test_message_budget_drops_whole_oldest_turns_and_keeps_system() -> None:
    conv = Conversation(model=MODEL, system="Be brief.", messages=history(4), message_budget=5)
    assert contents(conv) == ["q0", "a0", "q1", "a1", "q2", "a2", "q3", "a3"]  # not trimmed yet
    sent = conv.request_messages(UserMessage(content="q4"))
    assert [m.content for m in sent] == ["Be brief.", "q2", "a2", "q3", "a3", "q4"]
    assert conv.trim() == 4
    assert contents(conv) == ["q2", "a2", "q3", "a3"]


def test_tool_messages_stay_with_their_turn() -> None:
    messages = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "abcdefghi", "function": {"name": "w", "arguments": "{}"}}],
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "abcdefghi", "name": "w"},
        {"role": "assistant", "content": "It is sunny."},
        {"role": "user", "content": "thanks"},
    ]
    conv = Conversation(model=MODEL, messages=messages, message_budget=2)
    conv.trim()
    assert contents(conv) == ["thanks"]  # the tool turn went whole, never half
    conv = Conversation(model=MODEL, messages=messages[:4], message_budget=1)
    conv.trim()
    assert len(conv.messages) == 4  # the newest turn is kept even when over the budget


def test_token_budget_counts_system_and_history() -> None:
    def words(text: str) -> int:
        return len(text.split())

    conv = Conversation(
        model=MODEL,
        system="one two three",
        messages=history(3),
        token_budget=(3 + MESSAGE_OVERHEAD) + 4 * (1 + MESSAGE_OVERHEAD),  # system + 2 turns
        token_counter=words,
    )
    assert conv.estimated_tokens(conv.messages) == 6 * (1 + MESSAGE_OVERHEAD)
    assert conv.estimated_tokens() == conv.token_budget  # what the next turn would send
    conv.trim()
    assert contents(conv) == ["q1", "a1", "q2", "a2"]
    assert conv.estimated_tokens() <= conv.token_budget  # type: ignore[operator]


def test_system_messages_in_the_history_are_never_dropped() -> None:
    conv = Conversation(
        model=MODEL,
        messages=[{"role": "system", "content": "rules"}, *history(3)],
        message_budget=2,
    )
    conv.trim()
    assert contents(conv) == ["rules", "q2", "a2"]


@pytest.mark.parametrize("budget", [-1, 0, 1.5, True, "10"])
def test_bad_budgets_are_refused(budget: Any) -> None:
    with pytest.raises(ArgumentError, match="message_budget"):
        Conversation(model=MODEL, message_budget=budget)
    with pytest.raises(ArgumentError, match="token_budget"):
        Conversation(model=MODEL, token_budget=budget)


def test_bad_messages_and_models_are_refused() -> None:
    with pytest.raises(ArgumentError, match=r"messages\[1\]"):
        Conversation(model=MODEL, messages=[{"role": "user", "content": "x"}, {"role": "bot"}])
    with pytest.raises(ArgumentError, match="model"):
        Conversation(model="")


def test_estimate_tokens_is_about_four_characters_a_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_json_round_trip_keeps_everything() -> None:
    conv = Conversation(
        model=MODEL,
        system="sys",
        messages=[
            *history(1),
            AssistantMessage(
                content=None,
                tool_calls=[
                    {"id": "abcdefghi", "function": {"name": "w", "arguments": '{"a": 1}'}}
                ],  # type: ignore[list-item]
            ),
            ToolMessage(content="ok", tool_call_id="abcdefghi", name="w"),
        ],
        params={"temperature": 0.2, "tools": [WEATHER]},
        message_budget=10,
        token_budget=1000,
        id="conv-1",
        metadata={"user": "ada"},
    )
    text = conv.to_json()
    again = Conversation.from_json(text)
    assert again.to_dict() == conv.to_dict()
    assert json.loads(text)["format"] == 1
    assert again.messages[2].tool_calls[0].function.name == "w"  # type: ignore[union-attr]
    with pytest.raises(ArgumentError, match="not JSON"):
        Conversation.from_json("{oops")
    with pytest.raises(ArgumentError, match="not a saved conversation"):
        Conversation.from_json('{"model": "m"}')


def test_store_cleans_up_by_age() -> None:
    store = ConversationStore(max_age=60)
    old = store.create(model=MODEL, id="old")
    new = store.create(model=MODEL, id="new")
    old.updated_at, new.updated_at = 1000.0, 1050.0
    assert len(store) == 2
    assert "old" in store
    assert store.get("old", now=1059) is old
    assert store.get("old", now=1061) is None  # expired: gone
    assert "old" not in store
    store.add(old)
    assert store.cleanup(now=1100) == 1
    assert [c.id for c in store] == ["new"]
    assert store.cleanup(0, now=1100) == 1
    assert len(store) == 0
    with pytest.raises(ArgumentError, match="max_age"):
        ConversationStore(max_age=-5)
    with pytest.raises(ArgumentError, match="max_age"):
        store.cleanup(-1)


def test_store_round_trips_as_json() -> None:
    store = ConversationStore()
    store.create(model=MODEL, id="a", messages=history(1))
    store.create(model=MODEL, id="b", system="hi")
    again = ConversationStore.from_json(store.to_json())
    assert sorted(c.id for c in again) == ["a", "b"]
    assert again.get("a").to_dict() == store.get("a").to_dict()  # type: ignore[union-attr]
    assert store.remove("a") is not None
    assert store.remove("a") is None


# -- turns against the local server ------------------------------------------------------------


@pytest.mark.anyio
async def test_send_adds_the_turn_and_sends_the_system_prompt(
    client: AsyncMistral, server: LocalServer
) -> None:
    conv = Conversation(model=MODEL, system="Be brief.", params={"temperature": 0})
    first = await conv.send(client, "Hello")
    assert contents(conv) == ["Hello", first.text]
    second = await conv.send(client, "And again", max_tokens=50)
    assert len(conv.messages) == 4
    assert conv.messages[-1].content == second.text
    sent = server.exchanges[-1].request_json()
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "user"]
    assert sent["messages"][0]["content"] == "Be brief."
    assert (sent["temperature"], sent["max_tokens"], sent["model"]) == (0, 50, MODEL)


@pytest.mark.anyio
async def test_budget_applies_to_what_is_sent(client: AsyncMistral, server: LocalServer) -> None:
    conv = Conversation(model=MODEL, system="s", message_budget=3)
    for i in range(4):
        await conv.send(client, f"turn {i}")
    sent = server.exchanges[-1].request_json()["messages"]
    assert [m["content"] for m in sent[:1] + sent[-1:]] == ["s", "turn 3"]
    assert len(sent) == 1 + 3
    assert len(conv.messages) == 2  # one turn fits in three messages


@pytest.mark.anyio
async def test_a_failed_turn_leaves_the_history_as_it_was(client: AsyncMistral) -> None:
    conv = Conversation(model=MODEL)
    await conv.send(client, "first")
    before = conv.to_dict()
    conv.model = "no-such-model"
    with pytest.raises(BadRequestError):
        await conv.send(client, "second")
    conv.model = MODEL
    assert conv.to_dict()["messages"] == before["messages"]


@pytest.mark.anyio
async def test_stream_adds_the_turn_once_read_to_the_end(client: AsyncMistral) -> None:
    conv = Conversation(model=MODEL)
    stream = conv.stream(client, "Tell me something")
    assert isinstance(stream, ConversationStream)
    async with stream:
        text = "".join([t async for t in stream.text_deltas()])
    assert contents(conv) == ["Tell me something", text]
    async with conv.stream(client, "and stop early") as early:
        async for _ in early:
            break
    assert len(conv.messages) == 2  # the abandoned turn was not added
    await conv.send(client, "still works")  # and did not keep the turn lock
    assert len(conv.messages) == 4


@pytest.mark.anyio
async def test_tool_turns(client: AsyncMistral) -> None:
    conv = Conversation(model=MODEL, params={"tools": [WEATHER]})
    reply = await conv.send(client, "What's the weather in Paris?")
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    conv.add(
        {"role": "tool", "tool_call_id": call.id, "name": call.function.name, "content": "21C"}
    )
    final = await conv.send(client)  # no new user message: the tool result goes back
    assert "21C" in final.text
    assert [m.role for m in conv.messages] == ["user", "assistant", "tool", "assistant"]


@pytest.mark.anyio
async def test_an_empty_conversation_needs_a_first_message(client: AsyncMistral) -> None:
    with pytest.raises(ArgumentError, match="empty"):
        await Conversation(model=MODEL).send(client)


@pytest.mark.anyio
async def test_many_conversations_run_concurrently_on_one_client(server: LocalServer) -> None:
    conversations = [Conversation(model=MODEL, id=f"c{i}") for i in range(20)]

    async def talk(conv: Conversation) -> None:
        for turn in range(3):
            await conv.send(client, f"{conv.id} turn {turn}")

    async with AsyncMistral(api_key="test", base_url=server.url, max_concurrency=8) as client:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for conv in conversations:
                    group.start_soon(talk, conv)
    for conv in conversations:
        users = [m.content for m in conv.messages if m.role == "user"]
        assert users == [f"{conv.id} turn {t}" for t in range(3)]
        replies = [m.content for m in conv.messages if m.role == "assistant"]
        assert all(conv.id in str(r) for r in replies)


@pytest.mark.anyio
async def test_turns_of_one_conversation_take_their_turn(client: AsyncMistral) -> None:
    conv = Conversation(model=MODEL)

    async def stream_turn() -> None:
        async with conv.stream(client, "streamed") as stream:
            async for _ in stream:
                pass

    async with anyio.create_task_group() as group:
        for i in range(3):
            group.start_soon(conv.send, client, f"q{i}")
        group.start_soon(stream_turn)
    roles = [m.role for m in conv.messages]
    assert roles == ["user", "assistant"] * 4  # never two user messages in a row
    assert sorted(m.content for m in conv.messages if m.role == "user") == [  # type: ignore[type-var]
        "q0",
        "q1",
        "q2",
        "streamed",
    ]


def test_the_blocking_client_has_conversations_too(server: LocalServer) -> None:
    conv = Conversation(model=MODEL, system="Be brief.")
    with Mistral(api_key="test", base_url=server.url) as client:
        reply = conv.send(client, "Hello")
        assert contents(conv) == ["Hello", reply.text]
        with conv.stream(client, "More") as stream:
            text = "".join(stream.text_deltas())
        assert contents(conv)[-2:] == ["More", text]
