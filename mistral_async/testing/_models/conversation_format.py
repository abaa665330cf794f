"""A conversation step's outputs as the events of its stream (``ConversationEvents``).

Each event is ``event: <type>`` and ``data: <json>`` whose ``type`` repeats the event name; no
``[DONE]``: the stream ends after ``conversation.response.done``. In order:
``conversation.response.started``; per output entry (``output_index`` = its place in
``outputs``, ``id`` = the entry's id): a message as ``message.output.delta`` pieces of about one
word (``content_index`` 0), a function call as ``function.call.delta`` events that all carry the
name and ``tool_call_id`` and the arguments in pieces, a connector run as
``tool.execution.started`` (no arguments yet), ``tool.execution.delta`` pieces of the arguments
and ``tool.execution.done`` with ``info``, a handoff as ``agent.handoff.started`` then
``agent.handoff.done``; then ``conversation.response.done`` with the usage. Put together again,
the events give the JSON reply's outputs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_WORD_BOUNDARY = re.compile(r"(?<=\S)(?=\s)")


def conversation_events(
    conversation_id: str,
    outputs: Sequence[Mapping[str, Any]],
    usage: Mapping[str, Any],
    created_at: str,
) -> Iterator[dict[str, Any]]:
    """The ``data`` objects of the stream, in order."""
    yield {
        "type": "conversation.response.started",
        "created_at": created_at,
        "conversation_id": conversation_id,
    }
    for index, entry in enumerate(outputs):
        yield from _entry_events(index, entry)
    yield {"type": "conversation.response.done", "created_at": created_at, "usage": dict(usage)}


def _entry_events(index: int, entry: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    kind = entry["type"]
    base = {"created_at": entry.get("created_at"), "output_index": index, "id": entry["id"]}
    by = {"model": entry.get("model"), "agent_id": entry.get("agent_id")}
    if kind == "message.output":
        content = entry["content"]
        pieces = (
            [w for w in _WORD_BOUNDARY.split(content) if w] if isinstance(content, str) else content
        )
        for piece in pieces or [""]:
            yield {
                "type": "message.output.delta",
                **base,
                "content_index": 0,
                **by,
                "role": "assistant",
                "content": piece,
            }
    elif kind == "function.call":
        head = {"name": entry["name"], "tool_call_id": entry["tool_call_id"]}
        status = {"confirmation_status": entry.get("confirmation_status")}
        for piece in _pieces(_text(entry["arguments"])):
            yield {
                "type": "function.call.delta",
                **base,
                **by,
                **head,
                "arguments": piece,
                **status,
            }
    elif kind == "tool.execution":
        name = entry["name"]
        yield {"type": "tool.execution.started", **base, **by, "name": name, "arguments": ""}
        for piece in _pieces(_text(entry["arguments"])):
            yield {"type": "tool.execution.delta", **base, "name": name, "arguments": piece}
        done = {**base, "created_at": entry.get("completed_at") or entry.get("created_at")}
        yield {"type": "tool.execution.done", **done, "name": name, "info": entry.get("info") or {}}
    elif kind == "agent.handoff":
        yield {
            "type": "agent.handoff.started",
            **base,
            "previous_agent_id": entry["previous_agent_id"],
            "previous_agent_name": entry["previous_agent_name"],
        }
        done = {**base, "created_at": entry.get("completed_at") or entry.get("created_at")}
        yield {
            "type": "agent.handoff.done",
            **done,
            "next_agent_id": entry["next_agent_id"],
            "next_agent_name": entry["next_agent_name"],
        }


def _text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _pieces(text: str, parts: int = 3) -> list[str]:
    """A few pieces of ``text`` (one empty piece for an empty text)."""
    size = max(1, math.ceil(len(text) / parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def named_sse_event(data: Mapping[str, Any]) -> bytes:
    """One ``event: <type>`` + ``data: <json>`` event (JSON on one line)."""
    text = json.dumps(data, separators=(",", ":"))
    return f"event: {data['type']}\ndata: {text}\n\n".encode()
