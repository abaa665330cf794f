"""Static checks of the public typing, run by mypy (``files`` in pyproject.toml), never executed.

The sync shim's methods are derived from the async ones; these assertions make sure the type
checker still sees the real parameters and return types through that derivation.
"""

from __future__ import annotations

from typing_extensions import assert_type

from mistral_async import (
    AsyncMistral,
    ChatCompletionStream,
    Mistral,
    SyncChatCompletionStream,
)
from mistral_async.types.chat import ChatCompletionResponse, CompletionChunk


async def async_surface(client: AsyncMistral) -> None:
    completion = await client.chat.complete(model="m", messages=[{"role": "user", "content": "x"}])
    assert_type(completion, ChatCompletionResponse)
    stream = client.chat.stream(model="m", messages=[], temperature=0.1, idle_timeout=5)
    assert_type(stream, ChatCompletionStream)
    async for chunk in stream:
        assert_type(chunk, CompletionChunk)
    async for text in stream.text_deltas():
        assert_type(text, str)
    assert_type(await stream.get_final_completion(), ChatCompletionResponse)
    assert_type(client.with_options(max_retries=0), AsyncMistral)


def sync_surface(client: Mistral) -> None:
    completion = client.chat.complete(model="m", messages=[], max_tokens=5, timeout=3.0)
    assert_type(completion, ChatCompletionResponse)
    stream = client.chat.stream(model="m", messages=[])
    assert_type(stream, SyncChatCompletionStream)
    for chunk in stream:
        assert_type(chunk, CompletionChunk)
    assert_type(stream.get_final_completion(), ChatCompletionResponse)


def rejected_arguments(client: Mistral) -> None:
    client.chat.complete(model="m", messages=[], temprature=0.5)  # type: ignore[call-arg]
    client.chat.complete(model="m")  # type: ignore[call-arg]
    client.chat.complete(model=1, messages=[])  # type: ignore[arg-type]


async def job_surface(client: AsyncMistral) -> None:
    from mistral_async.types.batch import BatchJobOut, BatchJobsOut
    from mistral_async.types.fine_tuning import DetailedJobOut, FineTuningJobOut, JobsOut

    job = await client.fine_tuning.jobs.create(model="m", hyperparameters={}, auto_start=False)
    assert_type(job, FineTuningJobOut)
    assert_type(await client.fine_tuning.jobs.start(job.id), DetailedJobOut)
    assert_type(await client.fine_tuning.jobs.wait(job.id, timeout=60), DetailedJobOut)
    assert_type(await client.fine_tuning.jobs.list(page_size=10), JobsOut)
    async for listed in client.fine_tuning.jobs.list(status="RUNNING"):
        assert_type(listed, FineTuningJobOut)
    batch = await client.batch.jobs.create(endpoint="/v1/embeddings", input_files=["f"])
    assert_type(batch, BatchJobOut)
    assert_type(await client.batch.jobs.list(status=["QUEUED"]), BatchJobsOut)
    assert_type(await client.batch.jobs.wait(batch.id, poll_interval=0.5), BatchJobOut)


def sync_job_surface(client: Mistral) -> None:
    from mistral_async.types.batch import BatchJobOut
    from mistral_async.types.fine_tuning import DetailedJobOut, FineTuningJobOut

    assert_type(client.batch.jobs.get("j", inline=True), BatchJobOut)
    for batch in client.batch.jobs.list(order_by="created"):
        assert_type(batch, BatchJobOut)
    for job in client.fine_tuning.jobs.list():
        assert_type(job, FineTuningJobOut)
    assert_type(client.fine_tuning.jobs.cancel("j"), DetailedJobOut)
    client.batch.jobs.create(endpoint="/v1/chats")  # type: ignore[arg-type]
    client.fine_tuning.jobs.create(model="m")  # type: ignore[call-arg]
