"""Rebuild a ``ChatCompletionResponse`` from stream chunks: pure, no I/O.

Content deltas are concatenated per choice; tool calls are assembled from fragments that share
an ``index`` (the id and name come first, the JSON ``arguments`` arrive in pieces); the last
``finish_reason`` and ``usage`` seen win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types.chat import (
    AssistantMessage,
    ChatCompletionChoice,
    ChatCompletionResponse,
    CompletionChunk,
    FunctionCall,
    ToolCall,
    UsageInfo,
)
from ..types.content import TextChunk


@dataclass
class _ToolCallParts:
    id: str | None = None
    name: str = ""
    arguments: str = ""
    structured: dict[str, Any] | None = None


@dataclass
class _ChoiceParts:
    parts: list[Any] = field(default_factory=list[Any])
    """Content in arrival order: text deltas as ``str``, other parts (thinking...) as models."""
    tool_calls: dict[int, _ToolCallParts] = field(default_factory=dict[int, _ToolCallParts])
    finish_reason: str | None = None


class ChatCompletionAccumulator:
    """Feed it chunks with :meth:`add`; read the completion so far with :meth:`completion`."""

    def __init__(self) -> None:
        self._id = ""
        self._model = ""
        self._created = 0
        self._usage: UsageInfo | None = None
        self._choices: dict[int, _ChoiceParts] = {}

    def add(self, chunk: CompletionChunk) -> None:
        self._id = chunk.id or self._id
        self._model = chunk.model or self._model
        if chunk.created:
            self._created = chunk.created
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            parts = self._choices.get(choice.index)
            if parts is None:
                parts = self._choices[choice.index] = _ChoiceParts()
            delta = choice.delta
            if isinstance(delta.content, str):
                parts.parts.append(delta.content)
            elif delta.content:
                parts.parts.extend(p.text if isinstance(p, TextChunk) else p for p in delta.content)
            for call in delta.tool_calls or ():
                self._add_tool_call(parts, call)
            if choice.finish_reason is not None:
                parts.finish_reason = choice.finish_reason

    @staticmethod
    def _add_tool_call(parts: _ChoiceParts, call: ToolCall) -> None:
        acc = parts.tool_calls.setdefault(call.index, _ToolCallParts())
        if call.id and call.id != "null":
            acc.id = call.id
        # The name arrives whole in the first fragment; later fragments repeat it or leave it
        # empty, so it is set once rather than concatenated.
        if call.function.name and not acc.name:
            acc.name = call.function.name
        if isinstance(call.function.arguments, str):
            acc.arguments += call.function.arguments
        else:
            acc.structured = call.function.arguments

    def completion(self) -> ChatCompletionResponse:
        """The completion as far as the stream has come (complete once it has ended)."""
        choices: list[ChatCompletionChoice] = []
        for index in sorted(self._choices):
            parts = self._choices[index]
            content = _merge_content(parts.parts)
            tool_calls = [
                ToolCall(
                    id=acc.id,
                    index=i,
                    function=FunctionCall(
                        name=acc.name,
                        arguments=acc.structured if acc.structured is not None else acc.arguments,
                    ),
                )
                for i, acc in sorted(parts.tool_calls.items())
            ]
            message = AssistantMessage(content=content, tool_calls=tool_calls or None)
            choices.append(
                ChatCompletionChoice(
                    index=index, message=message, finish_reason=parts.finish_reason
                )
            )
        return ChatCompletionResponse(
            id=self._id,
            model=self._model,
            created=self._created,
            usage=self._usage or UsageInfo(),
            choices=choices,
        )


def _merge_content(parts: list[Any]) -> Any:
    """Plain text when all parts were text, else chunks with adjacent text merged."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            if merged and isinstance(merged[-1], TextChunk):
                merged[-1] = TextChunk(text=merged[-1].text + part)
            else:
                merged.append(TextChunk(text=part))
        else:
            merged.append(part)
    return merged
