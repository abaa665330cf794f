"""Static checks of message dicts, ``model=`` names and ``response_info`` (run by mypy and
pyright, never executed). Each ``# type: ignore[...]`` line is a mistake that must be caught:
mypy (``warn_unused_ignores``) and pyright (``reportUnnecessaryTypeIgnoreComment``) both fail
on an ignore that is not needed."""

from __future__ import annotations

from typing_extensions import assert_type

from mistral_async import AsyncMistral, Mistral, ResponseInfo
from mistral_async.types.chat import (
    AssistantMessageParam,
    ChatCompletionResponse,
    MessageParam,
    UserMessage,
    UserMessageParam,
)
from mistral_async.types.model_names import ChatModelName


async def messages_are_checked(client: AsyncMistral) -> None:
    good: list[MessageParam] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        {"role": "assistant", "content": None, "tool_calls": [], "prefix": False},
        {"role": "tool", "content": "42", "tool_call_id": "c1", "name": "f"},
        UserMessage(content="Hi"),
    ]
    await client.chat.complete(model="mistral-small-latest", messages=good)
    await client.chat.complete(model="my-own-model", messages=[{"role": "user", "content": "x"}])

    await client.chat.complete(model="m", messages=[{"rol": "user", "content": "x"}])  # type: ignore[list-item]
    await client.chat.complete(model="m", messages=[{"role": "usr", "content": "x"}])  # type: ignore[list-item]
    user: UserMessageParam = {"role": "user"}  # type: ignore[typeddict-item]
    assistant: AssistantMessageParam = {"role": "assistant", "prefx": True}  # type: ignore[typeddict-unknown-key]
    del user, assistant


def model_names_complete_and_any_string_passes(name: str) -> None:
    known: ChatModelName = "mistral-large-latest"
    other: ChatModelName = name
    not_a_name: ChatModelName = 3  # type: ignore[assignment]
    del known, other, not_a_name


async def response_info_is_there(client: AsyncMistral, sync: Mistral) -> None:
    completion = await client.chat.complete(model="m", messages=[])
    assert_type(completion, ChatCompletionResponse)
    # Not Optional: the README's first example type-checks as written.
    assert_type(completion.response_info, ResponseInfo)
    assert_type(completion.response_info.request_id, str | None)
    assert_type(sync.models.list().response_info.status_code, int)
