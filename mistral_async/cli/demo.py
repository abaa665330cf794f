"""``mistral-async demo``: the SDK end to end against the local server, offline, no key."""

from __future__ import annotations

import json
from typing import Any

import anyio

from .._core.client import AsyncMistral
from .._core.errors import BadRequestError, RateLimitError
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
    return {"city": city, "temperature": 21, "unit": unit, "sky": "clear"}


def _section(title: str) -> None:
    print(f"\n== {title} ==")


async def _async_part(url: str) -> None:
    async with AsyncMistral(api_key="demo-key", base_url=url, max_concurrency=8) as client:
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


def _sync_part(url: str) -> None:
    _section("the blocking client (Mistral)")
    with Mistral(api_key="demo-key", base_url=url) as client:
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


async def _retry_part(url: str, server: Any) -> None:
    _section("retries honour Retry-After")
    server.faults.add("status", status=429, headers={"Retry-After": "0.2"}, times=1)
    async with AsyncMistral(api_key="demo-key", base_url=url) as client:
        try:
            completion = await client.chat.complete(
                model=MODEL, messages=[{"role": "user", "content": "ping"}]
            )
        except RateLimitError as exc:  # pragma: no cover - only if retries are disabled
            print(f"rate limited: {exc}")
            return
        retries = completion.response_info.retries
        print(f"answered after {retries} retry: {completion.text}")


def run_demo() -> int:
    try:
        from ..testing import LocalServer
    except ImportError:
        print("The demo needs the local server: pip install 'mistral-async[server]'")
        return 1
    with LocalServer() as server:
        print(f"Local Mistral-compatible server on {server.url} (no network, no key)")
        anyio.run(_async_part, server.url)
        _sync_part(server.url)
        anyio.run(_retry_part, server.url, server)
    print("\nDemo finished.")
    return 0
