"""A simulated :class:`~.chat.Completion` in the API's wire shapes: one JSON response, or the
chunks of an SSE stream.

Streams follow the live API: a first chunk with ``delta.role``, the text about one word per
chunk, a last chunk per choice with ``finish_reason`` (the very last also with ``usage``), then
``data: [DONE]``. Tool calls arrive as fragments sharing an ``index``: the first carries ``id``,
``type`` and the name with empty ``arguments``, the next ones carry pieces of ``arguments``. The
spec's ``FunctionCall`` requires ``name`` in every fragment, so later fragments send ``""``:
an accumulator may take the first name, or concatenate names, and get the same result.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from .chat import Choice, Completion

_WORD_BOUNDARY = re.compile(r"(?<=\S)(?=\s)")


def usage(completion: Completion) -> dict[str, int]:
    return {
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "total_tokens": completion.total_tokens,
    }


def completion_response(
    completion: Completion, *, completion_id: str, created: int, model: str
) -> dict[str, Any]:
    """The ``ChatCompletionResponse`` body."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": choice.index,
                "message": {
                    "role": "assistant",
                    "content": choice.content,
                    "tool_calls": _tool_calls(choice) or None,
                    "prefix": False,
                },
                "finish_reason": choice.finish_reason,
            }
            for choice in completion.choices
        ],
        "usage": usage(completion),
    }


def _tool_calls(choice: Choice) -> list[dict[str, Any]]:
    return [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
            "index": k,
        }
        for k, call in enumerate(choice.tool_calls)
    ]


def completion_chunks(
    completion: Completion, *, completion_id: str, created: int, model: str
) -> Iterator[dict[str, Any]]:
    """The ``CompletionChunk`` objects of the stream, in order (without ``[DONE]``)."""

    def chunk(
        index: int, delta: dict[str, Any], finish_reason: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason}],
        }

    for choice in completion.choices:
        yield chunk(choice.index, {"role": "assistant", "content": ""})
        for k, call in enumerate(choice.tool_calls):
            head = {"id": call.id, "type": "function", "index": k}
            yield chunk(
                choice.index,
                {"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]},
            )
            for piece in _fragments(call.arguments):
                fragment = {"index": k, "function": {"name": "", "arguments": piece}}
                yield chunk(choice.index, {"tool_calls": [fragment]})
        for word in _WORD_BOUNDARY.split(choice.content):
            if word:
                yield chunk(choice.index, {"content": word})
        last = chunk(choice.index, {"content": ""}, choice.finish_reason)
        if choice is completion.choices[-1]:
            last["usage"] = usage(completion)
        yield last


def _fragments(arguments: str, parts: int = 3) -> list[str]:
    """Split a tool call's arguments into a few pieces (two at least, when it has 2 chars)."""
    size = max(1, math.ceil(len(arguments) / parts))
    return [arguments[i : i + size] for i in range(0, len(arguments), size)]


def sse_event(data: dict[str, Any] | str) -> bytes:
    """One ``data:`` event. JSON without newlines, so one ``data`` line is enough."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()
