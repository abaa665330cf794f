"""Static checks of the helpers' public typing (issue #5), run by mypy, never executed.

Structured output keeps the requested type through the sync shim; helpers that take a client
return an awaitable for ``AsyncMistral`` and the value itself for ``Mistral``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from mistral_async import (
    AsyncMistral,
    Conversation,
    ConversationStream,
    Mistral,
    ParsedChatCompletion,
    ParsedChatCompletionStream,
    SyncChatCompletionStream,
    SyncParsedChatCompletionStream,
    SyncToolSteps,
    ToolRun,
    ToolStep,
    ToolSteps,
    UsageSummary,
)
from mistral_async import embeddings_utils as eu
from mistral_async.types.chat import ChatCompletionResponse


class Book(BaseModel):
    title: str


def get_weather(city: str) -> str:
    return city


async def async_helpers(client: AsyncMistral) -> None:
    parsed = await client.chat.parse(model="m", messages=[], response_format=Book, temperature=0)
    assert_type(parsed, ParsedChatCompletion[Book])
    assert_type(parsed.parsed, Book)
    assert_type(parsed.parsed_choices, list[Book])
    # A bare ``dict`` has no type arguments: the declared type supplies them.
    as_json: ParsedChatCompletion[dict[Any, Any]]
    as_json = await client.chat.parse(model="m", messages=[], response_format=dict)
    assert_type(as_json.parsed, dict[Any, Any])
    stream = client.chat.stream_parse(model="m", messages=[], response_format=Book)
    assert_type(stream, ParsedChatCompletionStream[Book])
    assert_type((await stream.get_final_completion()).parsed, Book)

    run = await client.chat.run_tools(model="m", messages=[], tools=[get_weather], max_steps=3)
    assert_type(run, ToolRun)
    steps = client.chat.tool_steps(model="m", messages=[], tools=[get_weather])
    assert_type(steps, ToolSteps)
    async for step in steps:
        assert_type(step, ToolStep)

    conversation = Conversation(model="m", message_budget=10)
    assert_type(await conversation.send(client, "hi", temperature=0), ChatCompletionResponse)
    assert_type(conversation.stream(client, "hi"), ConversationStream)

    assert_type(await eu.embed_batched(client, ["a"]), list[list[float]])
    assert_type(await eu.semantic_search(client, "q", ["a"]), list[eu.SearchHit])
    assert_type(await eu.cluster_texts(client, ["a"], 1), list[list[str]])
    if client.usage_tracker is not None:
        assert_type(client.usage_tracker.summary(last=60), UsageSummary)


def sync_helpers(client: Mistral) -> None:
    parsed = client.chat.parse(model="m", messages=[], response_format=Book)
    assert_type(parsed.parsed, Book)
    stream = client.chat.stream_parse(model="m", messages=[], response_format=Book)
    assert_type(stream, SyncParsedChatCompletionStream[Any])
    assert_type(client.chat.run_tools(model="m", messages=[], tools=[get_weather]), ToolRun)
    steps = client.chat.tool_steps(model="m", messages=[], tools=[get_weather])
    assert_type(steps, SyncToolSteps)
    for step in steps:
        assert_type(step, ToolStep)

    conversation = Conversation(model="m")
    assert_type(conversation.send(client, "hi"), ChatCompletionResponse)
    assert_type(conversation.stream(client, "hi"), SyncChatCompletionStream)
    assert_type(eu.embed_batched(client, ["a"]), list[list[float]])
    assert_type(eu.semantic_search(client, "q", ["a"], top=3), list[eu.SearchHit])


async def rejected(client: AsyncMistral) -> None:
    await client.chat.parse(model="m", messages=[], response_format=Book, temprature=0)  # type: ignore[call-arg]
    await client.chat.run_tools(model="m", messages=[])  # type: ignore[call-arg]
    Conversation(model="m").send(client, "hi", tools_=[])  # type: ignore[call-overload]
