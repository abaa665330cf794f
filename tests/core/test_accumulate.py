"""The stream accumulator, fed chunks by hand."""

from __future__ import annotations

import json
from typing import Any

from mistral_async._core.accumulate import ChatCompletionAccumulator
from mistral_async.types.chat import CompletionChunk
from mistral_async.types.content import TextChunk, ThinkChunk


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> CompletionChunk:
    return CompletionChunk.model_validate(
        {
            "id": "cmpl-1",
            "model": "mistral-small-latest",
            "created": 1700000000,
            "choices": [{"index": extra.pop("index", 0), "delta": delta, "finish_reason": finish}],
            **extra,
        }
    )


def test_text_deltas_and_usage_build_the_completion() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk({"role": "assistant", "content": "Hel"}))
    acc.add(chunk({"content": "lo"}))
    acc.add(
        chunk(
            {"content": "!"},
            "stop",
            usage={"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
        )
    )
    done = acc.completion()
    assert done.id == "cmpl-1"
    assert done.model == "mistral-small-latest"
    assert done.created == 1700000000
    assert done.text == "Hello!"
    assert done.choices[0].finish_reason == "stop"
    assert done.usage.total_tokens == 6


def test_tool_call_fragments_are_assembled_by_index() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(
        chunk(
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "abc123XYZ", "index": 0, "function": {"name": "get", "arguments": ""}},
                    {"id": "def456UVW", "index": 1, "function": {"name": "put", "arguments": "{"}},
                ],
            }
        )
    )
    acc.add(chunk({"tool_calls": [{"index": 0, "function": {"name": "", "arguments": '{"a"'}}]}))
    acc.add(chunk({"tool_calls": [{"index": 0, "function": {"name": "get", "arguments": ": 1}"}}]}))
    acc.add(chunk({"tool_calls": [{"index": 1, "function": {"name": "", "arguments": "}"}}]}))
    acc.add(chunk({}, "tool_calls"))
    calls = acc.completion().choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name) for c in calls] == [("abc123XYZ", "get"), ("def456UVW", "put")]
    assert calls[0].function.parsed_arguments() == {"a": 1}
    assert json.loads(str(calls[1].function.arguments)) == {}
    assert acc.completion().choices[0].finish_reason == "tool_calls"


def test_several_choices_are_kept_apart() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk({"content": "a"}, index=0))
    acc.add(chunk({"content": "b"}, index=1))
    acc.add(chunk({"content": "c"}, "stop", index=1))
    done = acc.completion()
    assert [c.message.text for c in done.choices] == ["a", "bc"]
    assert [c.finish_reason for c in done.choices] == [None, "stop"]


def test_non_text_parts_keep_their_place() -> None:
    acc = ChatCompletionAccumulator()
    thinking = {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]}
    acc.add(chunk({"content": [thinking]}))
    acc.add(chunk({"content": "Ans"}))
    acc.add(chunk({"content": [{"type": "text", "text": "wer"}]}, "stop"))
    content = acc.completion().choices[0].message.content
    assert isinstance(content, list)
    assert isinstance(content[0], ThinkChunk)
    assert content[1] == TextChunk(text="Answer")
    assert acc.completion().choices[0].message.text == "Answer"


def test_empty_stream_gives_an_empty_completion() -> None:
    done = ChatCompletionAccumulator().completion()
    assert done.choices == []
    assert done.text == ""
