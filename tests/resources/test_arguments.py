"""Bad arguments fail before any request, with a message that names the argument."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral

pytestmark = pytest.mark.anyio

USER = {"role": "user", "content": "hi"}


def never_called(request: httpx.Request) -> httpx.Response:  # pragma: no cover
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


@pytest.fixture
def offline_client() -> AsyncMistral:
    """A client whose transport fails the test if anything is sent: no server needed."""
    return AsyncMistral(
        api_key="sk-test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(never_called)),
    )


BAD: list[tuple[dict[str, Any], str]] = [
    ({"temperature": 1.6}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"temperature": "0.5"}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"max_tokens": -1}, "max_tokens"),
    ({"max_tokens": 10.5}, "max_tokens"),
    ({"n": 0}, "n"),
    ({"random_seed": -3}, "random_seed"),
    ({"presence_penalty": 2.5}, "presence_penalty"),
    ({"frequency_penalty": -2.5}, "frequency_penalty"),
    ({"stop": 5}, "stop"),
    ({"tool_choice": "sometimes"}, "tool_choice"),
    ({"response_format": {"type": "yaml"}}, "response_format.type"),
    (
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
        "response_format.json_schema.schema",
    ),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0].function.parameters"),
    ({"prompt_mode": "fast"}, "prompt_mode"),
    ({"safe_prompt": "yes"}, "safe_prompt"),
    ({"temprature": 0.5}, "temprature"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0]"),
    ({"messages": [{"content": "x"}]}, "messages[0]"),
    ({"messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": "x", "nme": "bob"}]}, "messages[0].nme"),
    ({"messages": [{"role": "system"}]}, "messages[0].content"),
    (
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "messages[0].content[0].text",
    ),
    ({"messages": "hello"}, "messages"),
    ({"model": 7}, "model"),
]


@pytest.mark.parametrize(("override", "argument"), BAD)
async def test_bad_argument_is_named(
    offline_client: AsyncMistral, override: dict[str, Any], argument: str
) -> None:
    kwargs: dict[str, Any] = {"model": "mistral-small-latest", "messages": [USER], **override}
    with pytest.raises(ArgumentError) as info:
        await offline_client.chat.complete(**kwargs)
    assert info.value.argument == argument
    assert repr(argument) in str(info.value)
    assert isinstance(info.value, ValueError)


async def test_missing_required_arguments(offline_client: AsyncMistral) -> None:
    with pytest.raises(ArgumentError, match="'messages': is required"):
        await offline_client.chat.complete(model="m")  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match="'model': is required"):
        await offline_client.chat.complete(messages=[USER])  # type: ignore[call-arg]


async def test_stream_validates_when_created_before_any_io(offline_client: AsyncMistral) -> None:
    with pytest.raises(ArgumentError, match="temperature"):
        offline_client.chat.stream(model="m", messages=[USER], temperature=9)


async def test_bad_per_call_option(offline_client: AsyncMistral) -> None:
    with pytest.raises(ArgumentError, match="max_retries"):
        await offline_client.chat.complete(model="m", messages=[USER], max_retries=-1)


def test_bad_constructor_options() -> None:
    with pytest.raises(ArgumentError, match="max_retries"):
        AsyncMistral(api_key="k", max_retries=-1)
    with pytest.raises(ArgumentError, match="max_concurrency"):
        AsyncMistral(api_key="k", max_concurrency=0)
    with pytest.raises(ArgumentError, match="base_url"):
        AsyncMistral(api_key="k", base_url="ftp://example")
    with pytest.raises(ArgumentError, match="http_client"):
        AsyncMistral(api_key="k", http_client=httpx.Client())  # type: ignore[arg-type]


def test_sync_client_validates_the_same_way() -> None:
    client = Mistral(
        api_key="sk-test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(never_called)),
    )
    with client, pytest.raises(ArgumentError, match="'top_p'"):
        client.chat.complete(model="m", messages=[USER], top_p=3)


async def test_valid_full_argument_set_is_accepted(offline_client: AsyncMistral) -> None:
    # All of the spec's fields at once: validation passes and the request reaches the transport.
    with pytest.raises(AssertionError, match="a request was sent"):
        await offline_client.chat.complete(
            model="mistral-small-latest",
            messages=(
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "hi"},
                        {"type": "image_url", "image_url": "https://x/y.png"},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "abcdefghi", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "content": "42", "tool_call_id": "abcdefghi", "name": "f"},
            ),
            temperature=0.3,
            top_p=0.9,
            max_tokens=100,
            stop=["\n\n"],
            random_seed=7,
            metadata={"team": "a"},
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
            },
            tools=[
                {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
            ],
            tool_choice={"type": "function", "function": {"name": "f"}},
            presence_penalty=0.1,
            frequency_penalty=-0.1,
            n=2,
            prediction={"type": "content", "content": "x"},
            parallel_tool_calls=False,
            prompt_mode="reasoning",
            reasoning_effort="high",
            guardrails=[{"block_on_error": True, "moderation_llm_v1": {"action": "block"}}],
            prompt_cache_key="k1",
            safe_prompt=True,
        )
