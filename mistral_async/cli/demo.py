"""``mistral-async demo``: the SDK end to end against the local server, offline, no key."""

from __future__ import annotations

import json
import os
from typing import Any

import anyio

from .._core.client import AsyncMistral
from .._core.errors import BadRequestError, RateLimitError
from .._core.options import API_KEY_ENV
from .._sync.client import Mistral
from ..types.chat import MessageParam

MODEL = "mistral-small-latest"
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Get the current weather in a city.

    :param city: the city's name
    :param unit: celsius or fahrenheit
    """
    return {"city": city, "temperature": 21, "unit": unit, "sky": "clear"}


def _section(title: str) -> None:
    print(f"\n== {title} ==")


async def _async_part(url: str, key: str) -> None:
    async with AsyncMistral(api_key=key, base_url=url, max_concurrency=8) as client:
        _section("chat.complete")
        question: list[MessageParam] = [
            {"role": "user", "content": "What is the best French cheese?"}
        ]
        completion = await client.chat.complete(model=MODEL, messages=question)
        print(completion.text)
        info = completion.response_info
        print(f"(request id {info.request_id}, {completion.usage.total_tokens} tokens)")

        _section("chat.stream, printed as it arrives")
        async with client.chat.stream(
            model=MODEL, messages=[{"role": "user", "content": "Tell me a short story"}]
        ) as stream:
            async for text in stream.text_deltas():
                print(text, end="", flush=True)
        print(f"\n(finish reason: {stream.current_completion().choices[0].finish_reason})")

        _section("tool call round trip")
        messages: list[MessageParam] = [{"role": "user", "content": "What's the weather in Paris?"}]
        first = await client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        message = first.choices[0].message
        messages.append(message)  # the reply's message goes back as it is
        for call in message.tool_calls or []:
            arguments = call.function.parsed_arguments()
            print(f"model calls {call.function.name}({arguments})")
            result = get_weather(**arguments)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "name": call.function.name,
                    "content": json.dumps(result),
                }
            )
        final = await client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        print(final.text)

        _section("typed errors")
        try:
            await client.chat.complete(model="no-such-model", messages=question)
        except BadRequestError as exc:  # the live API answers an unknown model with a 400
            print(
                f"BadRequestError: status {exc.status_code}, type {exc.type}, code {exc.code}, "
                f"request id {exc.request_id}"
            )


async def _agent_part(url: str, key: str) -> None:
    async with AsyncMistral(api_key=key, base_url=url) as client:
        _section("an agent conversation, with a Python function as its tool")
        agent = await client.beta.agents.create(
            model=MODEL,
            name="Forecaster",
            instructions="Answer in one sentence.",
            tools=[WEATHER_TOOL],  # the agent's tools; the run executes the calls naming them
        )
        print(f"agent {agent.name} ({agent.id}), version {agent.version}")
        run = await client.beta.conversations.run(
            agent_id=agent.id,
            inputs="What's the weather in Paris?",
            tools=[get_weather],
            on_step=lambda step: print(
                f"step {step.index}: "
                + (", ".join(f"{r.name} -> {r.content}" for r in step.results) or "answer")
            ),
        )
        print(f"{run.text}\n({run.stop_reason}, {run.usage.total_tokens} tokens)")
        conversation = client.beta.conversations
        async with conversation.append_stream(
            run.conversation_id, inputs="And tomorrow?"
        ) as stream:
            kinds = [str(event.type) async for event in stream]  # typed events, as they come
        print(f"streamed: {', '.join(dict.fromkeys(kinds))}")
        call = stream.current_response().outputs[-1]
        print(f"(assembled from the deltas: {call.type} {getattr(call, 'name', '')})")
        history = await conversation.get_history(run.conversation_id)
        print(f"(the conversation keeps {len(history.entries)} entries on the server)")


def _sync_part(url: str, key: str) -> None:
    _section("the blocking client (Mistral)")
    with Mistral(api_key=key, base_url=url) as client:
        completion = client.chat.complete(
            model=MODEL, messages=[{"role": "user", "content": "Say hello from a script"}]
        )
        print(completion.text)
        with client.chat.stream(
            model=MODEL, messages=[{"role": "user", "content": "Count to five"}]
        ) as stream:
            for text in stream.text_deltas():
                print(text, end="", flush=True)
        print()


async def _retry_part(url: str, server: Any, key: str) -> None:
    _section("retries honour Retry-After")
    server.faults.add("status", status=429, headers={"Retry-After": "0.2"}, times=1)
    async with AsyncMistral(api_key=key, base_url=url) as client:
        try:
            completion = await client.chat.complete(
                model=MODEL, messages=[{"role": "user", "content": "ping"}]
            )
        except RateLimitError as exc:  # pragma: no cover - only if retries are disabled
            print(f"rate limited: {exc}")
            return
        retries = completion.response_info.retries
        print(f"answered after {retries} retry: {completion.text}")


def run_demo(api_key: str | None = None, base_url: str | None = None) -> int:
    """The demo against the built-in local server, or against ``base_url`` if given (the
    retry part, which queues a fault on the built-in server, is then left out)."""
    if base_url is not None:
        print(f"Against {base_url}")
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "demo-key")
        anyio.run(_async_part, base_url, key)
        anyio.run(_agent_part, base_url, key)
        _sync_part(base_url, key)
        print("\n(retries honour Retry-After: shown with the built-in server only)")
        print("\nDemo finished.")
        return 0
    try:
        from ..testing import LocalServer
    except ImportError:
        print("The demo needs the local server: pip install 'mistral-async[server]'")
        return 1
    key = api_key or "demo-key"
    with LocalServer() as server:
        print(f"Local Mistral-compatible server on {server.url} (no network, no key)")
        anyio.run(_async_part, server.url, key)
        anyio.run(_agent_part, server.url, key)
        _sync_part(server.url, key)
        anyio.run(_retry_part, server.url, server, key)
    print("\nDemo finished.")
    return 0
