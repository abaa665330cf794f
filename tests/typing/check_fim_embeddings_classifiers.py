"""Static checks of the typing of ``fim``, ``embeddings`` and ``classifiers``, async and sync
(run by mypy, never executed)."""

from __future__ import annotations

from typing_extensions import assert_type

from mistral_async import AsyncMistral, ChatCompletionStream, Mistral, SyncChatCompletionStream
from mistral_async.types.chat import ChatCompletionResponse, CompletionChunk, MessageParam
from mistral_async.types.classifiers import ClassificationResponse, ModerationResponse
from mistral_async.types.embeddings import EmbeddingResponse
from mistral_async.types.fim import FIMCompletionResponse

CHAT: list[MessageParam] = [{"role": "user", "content": "x"}]


async def async_surface(client: AsyncMistral) -> None:
    assert_type(await client.fim.complete(model="m", prompt="def"), FIMCompletionResponse)
    stream = client.fim.stream(model="m", prompt="def", suffix="", idle_timeout=1.0)
    assert_type(stream, ChatCompletionStream)
    async for chunk in stream:
        assert_type(chunk, CompletionChunk)
    assert_type(await stream.get_final_completion(), ChatCompletionResponse)

    embedded = await client.embeddings.create(model="m", inputs=["a"], output_dtype="int8")
    assert_type(embedded, EmbeddingResponse)
    assert_type(embedded.vectors, list[list[float]])

    classifiers = client.classifiers
    assert_type(await classifiers.moderate(model="m", inputs="x"), ModerationResponse)
    assert_type(await classifiers.moderate_chat(model="m", inputs=CHAT), ModerationResponse)
    assert_type(await classifiers.classify(model="m", inputs=["x"]), ClassificationResponse)
    classified = await classifiers.classify_chat(model="m", inputs={"messages": CHAT})
    assert_type(classified, ClassificationResponse)


def sync_surface(client: Mistral) -> None:
    assert_type(client.fim.complete(model="m", prompt="def", timeout=3.0), FIMCompletionResponse)
    assert_type(client.fim.stream(model="m", prompt="def"), SyncChatCompletionStream)
    assert_type(client.embeddings.create(model="m", inputs="a"), EmbeddingResponse)
    assert_type(client.classifiers.moderate(model="m", inputs="x"), ModerationResponse)
    assert_type(client.classifiers.moderate_chat(model="m", inputs=[CHAT]), ModerationResponse)
    assert_type(client.classifiers.classify(model="m", inputs="x"), ClassificationResponse)
    assert_type(
        client.classifiers.classify_chat(model="m", inputs=[{"messages": CHAT}]),
        ClassificationResponse,
    )


def rejected_arguments(client: Mistral) -> None:
    client.fim.complete(model="m")  # type: ignore[call-arg]
    client.fim.complete(model="m", prompt="x", messages=[])  # type: ignore[call-arg]
    client.embeddings.create(model="m", input="x")  # type: ignore[call-arg]
    client.embeddings.create(model="m", inputs="x", output_dtype="f16")  # type: ignore[arg-type]
    client.classifiers.moderate(model="m", inputs=3)  # type: ignore[arg-type]
