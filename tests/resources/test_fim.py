"""``client.fim`` against the local server: completions, streams, limits, errors, sync."""

from __future__ import annotations

from typing import Any

import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    ChatCompletionStream,
    Mistral,
    SyncChatCompletionStream,
)
from mistral_async.testing import LocalServer
from mistral_async.testing._models.fim import complete_fim
from mistral_async.types.chat import CompletionChunk
from mistral_async.types.fim import FIMCompletionResponse
from tests._support.sent import assert_spec_accepts, capturing_client, sent_body

pytestmark = pytest.mark.anyio

MODEL = "codestral-latest"
PROMPT = "def add(a, b):\n"
SUFFIX = "    return total\n"
FULL: dict[str, Any] = {
    "model": MODEL,
    "prompt": PROMPT,
    "suffix": SUFFIX,
    "temperature": 0.2,
    "top_p": 0.9,
    "max_tokens": 64,
    "min_tokens": 2,
    "stop": ["\n\n"],
    "random_seed": 7,
    "metadata": {"editor": "vim"},
    "prompt_cache_key": "repo-1",
}


def middle(**request: Any) -> str:
    return complete_fim({"model": MODEL, **request}).choices[0].content


def test_the_middle_fits_between_prompt_and_suffix() -> None:
    text = middle(prompt=PROMPT, suffix=SUFFIX, temperature=0)
    lines = text.splitlines()
    assert lines[0].startswith("    # ")
    assert lines[0].endswith(" from b to total")
    assert lines[1] == "    total = b"
    assert text.endswith("\n")  # the suffix starts a line of its own
    assert middle(prompt="def f(x):", suffix="\n    return y").startswith("\n    # ")
    assert middle(prompt="if ready:\n        ").startswith("# ")  # indentation already typed
    assert middle(prompt="import os").splitlines()[-1] == "pass"  # nothing after the gap


async def test_complete(client: AsyncMistral) -> None:
    completion = await client.fim.complete(model=MODEL, prompt=PROMPT, suffix=SUFFIX)
    assert isinstance(completion, FIMCompletionResponse)
    assert completion.model == MODEL
    assert completion.text == middle(prompt=PROMPT, suffix=SUFFIX)
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert completion.response_info is not None
    assert completion.response_info.request_id


async def test_every_argument(client: AsyncMistral) -> None:
    completion = await client.fim.complete(**FULL)
    assert completion.text == middle(**FULL)
    seeded = await client.fim.complete(**{**FULL, "random_seed": 8})
    assert seeded.text.splitlines()[1:] == completion.text.splitlines()[1:]


async def test_limits(client: AsyncMistral) -> None:
    short = await client.fim.complete(model=MODEL, prompt=PROMPT, max_tokens=3)
    assert short.choices[0].finish_reason == "length"
    assert short.usage.completion_tokens == 3
    long = await client.fim.complete(model=MODEL, prompt=PROMPT, min_tokens=40)
    assert long.usage.completion_tokens >= 40
    stopped = await client.fim.complete(model=MODEL, prompt=PROMPT, suffix=SUFFIX, stop="=")
    assert "=" not in stopped.text
    assert stopped.text.rstrip().endswith("total")


async def test_stream(client: AsyncMistral) -> None:
    reference = await client.fim.complete(model=MODEL, prompt=PROMPT, suffix=SUFFIX)
    stream = client.fim.stream(model=MODEL, prompt=PROMPT, suffix=SUFFIX, idle_timeout=5)
    assert isinstance(stream, ChatCompletionStream)
    async with stream:
        chunks = [chunk async for chunk in stream]
    assert all(isinstance(chunk, CompletionChunk) for chunk in chunks)
    assert len(chunks) > 3
    assert chunks[-1].usage is not None
    final = stream.current_completion()
    assert final.text == reference.text
    assert final.usage.total_tokens == reference.usage.total_tokens
    deltas = client.fim.stream(model=MODEL, prompt=PROMPT, suffix=SUFFIX).text_deltas()
    assert "".join([text async for text in deltas]) == reference.text


async def test_errors(client: AsyncMistral) -> None:
    with pytest.raises(BadRequestError, match="Invalid model: no-such-coder"):
        await client.fim.complete(model="no-such-coder", prompt="x")
    with pytest.raises(BadRequestError, match="Invalid model: mistral-small-latest"):
        await client.fim.complete(model="mistral-small-latest", prompt="x")
    with pytest.raises(BadRequestError):
        await client.fim.stream(model="no-such-coder", prompt="x").get_final_completion()


@pytest.mark.parametrize(
    ("override", "argument"),
    [
        ({"temperature": 1.6}, "temperature"),
        ({"top_p": -0.1}, "top_p"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"min_tokens": 1.5}, "min_tokens"),
        ({"suffix": 3}, "suffix"),
        ({"stop": [1]}, "stop[0]"),
        ({"messages": []}, "messages"),
    ],
)
async def test_bad_arguments_are_named(override: dict[str, Any], argument: str) -> None:
    client = capturing_client()
    with pytest.raises(ArgumentError) as info:
        await client.fim.complete(**{"model": MODEL, "prompt": "x", **override})
    assert info.value.argument == argument
    with pytest.raises(ArgumentError, match="'prompt': is required"):
        client.fim.stream(model=MODEL)  # type: ignore[call-arg]


async def test_the_spec_accepts_what_fim_sends() -> None:
    client = capturing_client()
    path, body = await sent_body(client.fim.complete(**FULL))
    assert path == "/v1/fim/completions"
    assert body == {**FULL, "stream": False}
    assert_spec_accepts(path, body)
    path, body = await sent_body(client.fim.stream(**FULL).get_final_completion())
    assert body == {**FULL, "stream": True}
    assert_spec_accepts(path, body)


def test_sync(server: LocalServer) -> None:
    with Mistral(api_key="k", base_url=server.url) as client:
        completion = client.fim.complete(model=MODEL, prompt=PROMPT, suffix=SUFFIX)
        assert isinstance(completion, FIMCompletionResponse)
        stream = client.fim.stream(model=MODEL, prompt=PROMPT, suffix=SUFFIX)
        assert isinstance(stream, SyncChatCompletionStream)
        with stream:
            assert "".join(stream.text_deltas()) == completion.text
