"""Chat completions and streams over real sockets against the local server."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    AsyncMistral,
    AuthenticationError,
    BadRequestError,
    ChatCompletionStream,
    UnprocessableEntityError,
)
from mistral_async.types.chat import AssistantMessage, CompletionChunk, UserMessage

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "What is the capital of France?"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}


async def test_complete_returns_a_typed_completion(client: AsyncMistral) -> None:
    completion = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    assert completion.model == MODEL
    assert completion.choices[0].message.role == "assistant"
    assert completion.text
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    info = completion.response_info
    assert info is not None
    assert info.status_code == 200
    assert info.request_id
    assert info.retries == 0
    # the same prompt gives the same answer (deterministic model)
    again = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    assert again.text == completion.text


async def test_messages_as_models_and_multipart_content(client: AsyncMistral) -> None:
    completion = await client.chat.complete(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Be brief."},
            UserMessage(content=[{"type": "text", "text": "Describe Paris"}]),  # type: ignore[list-item]
        ],
    )
    assert completion.text


async def test_max_tokens_and_n(client: AsyncMistral) -> None:
    completion = await client.chat.complete(model=MODEL, messages=[USER], max_tokens=2, n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert all(c.finish_reason == "length" for c in completion.choices)
    assert completion.usage.completion_tokens <= 6


async def test_tool_call_round_trip(client: AsyncMistral) -> None:
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = await client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    message = choice.message
    assert isinstance(message, AssistantMessage)
    assert message.tool_calls
    call = message.tool_calls[0]
    assert call.function.name == "get_weather"
    arguments = call.function.parsed_arguments()
    assert isinstance(arguments["city"], str)
    # The reply's message goes back as it is, followed by the tool's answer.
    messages.append(message)
    messages.append(
        {
            "role": "tool",
            "tool_call_id": call.id,
            "name": "get_weather",
            "content": json.dumps({"temperature": 21, "sky": "sunny"}),
        }
    )
    final = await client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER])
    assert final.choices[0].finish_reason == "stop"
    assert "21" in final.text or "sunny" in final.text


async def test_tool_choice_none_gives_text(client: AsyncMistral) -> None:
    completion = await client.chat.complete(
        model=MODEL, messages=[USER], tools=[WEATHER], tool_choice="none"
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.text


async def test_json_modes(client: AsyncMistral) -> None:
    plain = await client.chat.complete(
        model=MODEL, messages=[USER], response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(plain.text), dict)
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    shaped = await client.chat.complete(
        model=MODEL,
        messages=[USER],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": schema, "strict": True},
        },
    )
    data = json.loads(shaped.text)
    assert isinstance(data["city"], str)
    assert isinstance(data["population"], int)


async def test_unknown_model_is_a_typed_400_as_live(client: AsyncMistral) -> None:
    with pytest.raises(BadRequestError) as info:
        await client.chat.complete(model="no-such-model", messages=[USER])
    error = info.value
    assert error.status_code == 400
    assert error.request_id
    assert "no-such-model" in str(error)
    assert isinstance(error.body, dict)
    assert error.retries == 0


async def test_bad_key_is_a_typed_401_and_never_leaks(server: Any) -> None:
    secret = "sk-very-secret-key-123"
    from mistral_async.testing import LocalServer

    with LocalServer(api_key="the-right-key") as strict:
        async with AsyncMistral(api_key=secret, base_url=strict.url) as client:
            assert secret not in repr(client)
            with pytest.raises(AuthenticationError) as info:
                await client.chat.complete(model=MODEL, messages=[USER])
    error = info.value
    assert error.status_code == 401
    for text in (str(error), repr(error), repr(error.body), repr(error.request)):
        assert secret not in text


async def test_server_side_validation_error_is_a_typed_422(client: AsyncMistral) -> None:
    # extra_body is merged after our validation, so the server's own check answers.
    with pytest.raises(UnprocessableEntityError) as info:
        await client.chat.complete(model=MODEL, messages=[USER], extra_body={"temperature": 9})
    assert info.value.status_code == 422
    assert info.value.detail
    assert "temperature" in str(info.value)


async def test_per_call_options_reach_the_wire(client: AsyncMistral, server: Any) -> None:
    await client.chat.complete(
        model=MODEL,
        messages=[USER],
        extra_headers={"X-Trace": "abc"},
        extra_query={"trace": "1"},
        timeout=30,
    )
    server.exchanges.wait_idle()
    exchange = server.exchanges.snapshot()[-1]
    headers = {k.lower(): v for k, v in dict(exchange.request_headers).items()}
    assert headers["x-trace"] == "abc"
    assert "trace=1" in str(exchange.query)
    assert "authorization" not in headers  # the recording never keeps the key


# -- streams ---------------------------------------------------------------------------------


async def test_stream_yields_typed_chunks_and_assembles_the_completion(
    client: AsyncMistral,
) -> None:
    reference = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    stream = client.chat.stream(model=MODEL, messages=[USER], temperature=0)
    assert isinstance(stream, ChatCompletionStream)
    chunks = []
    async with stream:
        async for chunk in stream:
            assert isinstance(chunk, CompletionChunk)
            chunks.append(chunk)
    assert len(chunks) > 2
    assert chunks[0].choices[0].delta.role == "assistant"
    final = stream.current_completion()
    assert final.text == reference.text
    assert final.choices[0].finish_reason == "stop"
    assert final.usage.total_tokens > 0
    assert stream.closed


async def test_stream_without_async_with(client: AsyncMistral) -> None:
    texts = [t async for t in client.chat.stream(model=MODEL, messages=[USER]).text_deltas()]
    assert "".join(texts)


async def test_stream_final_completion_and_tool_fragments(client: AsyncMistral) -> None:
    async with client.chat.stream(
        model=MODEL, messages=[{"role": "user", "content": "weather in Rome?"}], tools=[WEATHER]
    ) as stream:
        final = await stream.get_final_completion()
    call = final.choices[0].message.tool_calls
    assert call
    assert call[0].function.name == "get_weather"
    assert isinstance(call[0].function.parsed_arguments(), dict)
    assert final.choices[0].finish_reason == "tool_calls"


async def test_stream_break_closes_the_response(client: AsyncMistral) -> None:
    async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
        async for _ in stream:
            break
    assert stream.closed
    assert client._limiter.in_flight == 0
    # the pool is healthy afterwards
    assert (await client.chat.complete(model=MODEL, messages=[USER])).text


async def test_finished_streams_return_their_connection_to_the_pool(server: Any) -> None:
    transport = httpx.AsyncHTTPTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncMistral(api_key="k", base_url=server.url, http_client=http)
        for _ in range(3):
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                async for _ in stream:
                    pass
        await client.chat.complete(model=MODEL, messages=[USER])
        # one connection served all four requests: each stream was read to its end
        assert len(transport._pool.connections) == 1


async def test_stream_can_be_iterated_once(client: AsyncMistral) -> None:
    stream = client.chat.stream(model=MODEL, messages=[USER])
    async for _ in stream:
        pass
    with pytest.raises(RuntimeError, match="iterated once"):
        async for _ in stream:
            pass


async def test_stream_cancelled_frees_its_slot(server: Any) -> None:
    server.faults.add("stall", seconds=5, times=1)
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        with anyio.move_on_after(0.3):
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                async for _ in stream:
                    pass
        assert client._limiter.in_flight == 0
        # the slot is free: the next request does not wait
        with anyio.fail_after(5):
            await client.chat.complete(model=MODEL, messages=[USER])


async def test_closed_client_raises(server: Any) -> None:
    from mistral_async import ClientClosedError

    client = AsyncMistral(api_key="k", base_url=server.url)
    await client.aclose()
    await client.aclose()  # idempotent
    with pytest.raises(ClientClosedError):
        await client.chat.complete(model=MODEL, messages=[USER])


async def test_user_http_client_is_not_closed(server: Any) -> None:
    async with httpx.AsyncClient() as http:
        async with AsyncMistral(api_key="k", base_url=server.url, http_client=http) as client:
            await client.chat.complete(model=MODEL, messages=[USER])
        assert not http.is_closed


async def test_with_options_shares_the_pool(client: AsyncMistral) -> None:
    other = client.with_options(max_retries=0, timeout=10)
    assert other._http is client._http
    assert other.max_retries == 0
    assert other._limiter is client._limiter
    await other.aclose()  # does not close the shared pool
    completion = await client.chat.complete(model=MODEL, messages=[USER])
    assert completion.text


async def test_connection_error_is_typed() -> None:
    # Port 9 on 127.0.0.1 (discard) is closed on any test machine.
    async with AsyncMistral(api_key="k", base_url="http://127.0.0.1:9", max_retries=1) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.chat.complete(model=MODEL, messages=[USER])
    assert info.value.retries == 1
