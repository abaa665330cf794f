"""CPU per stream event, by kind, against a chat chunk's: ``python benchmarks/event_cost.py``.

What differs between the stream kinds is what each event costs once its bytes are read: the
decode of its ``data`` into the kind's type (one pydantic pass; a discriminated union for the
conversation, transcription and speech events) and the accumulator that builds the final result.
Reading the socket and splitting the SSE lines are shared by all kinds, so they are left out;
this measures ``stream._decode(event)`` on realistic events, with the accumulator on, as a
stream runs it. The target (issue #11): every kind within 1.2x of a chat chunk. A benchmark
reports; nothing here asserts.

Writes ``benchmarks/EVENT_COST.md`` (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mistral_async import AsyncMistral  # noqa: E402
from mistral_async._core.event_streams import (  # noqa: E402
    ConversationEventStream,
    RawEventStream,
    SpeechStream,
    TranscriptionStream,
)
from mistral_async._core.request import APIRequest  # noqa: E402
from mistral_async._core.sse import ServerSentEvent  # noqa: E402
from mistral_async._core.streaming import ChatCompletionStream  # noqa: E402

TEXT = "word "  # a typical token's worth of text

CHAT = {
    "id": "cmpl-3f1c8e",
    "object": "chat.completion.chunk",
    "created": 1764633600,
    "model": "mistral-small-latest",
    "choices": [{"index": 0, "delta": {"content": TEXT}, "finish_reason": None}],
}
CONVERSATION = {
    "type": "message.output.delta",
    "created_at": "2025-06-01T12:00:00Z",
    "output_index": 0,
    "id": "msg_0199f2a3c0ffee",
    "content_index": 0,
    "model": "mistral-medium-latest",
    "role": "assistant",
    "content": TEXT,
}
TRANSCRIPTION = {"type": "transcription.text.delta", "text": TEXT}
# 20 ms of 16 kHz 16-bit mono audio per delta: what a low-latency speech stream sends.
SPEECH = {"type": "speech.audio.delta", "audio_data": base64.b64encode(bytes(640)).decode()}


def _streams(client: AsyncMistral) -> dict[str, tuple[Callable[[], Any], dict[str, Any], str]]:
    def request() -> APIRequest:
        return APIRequest("POST", "/v1/x", json={"model": "m"})

    return {
        "chat chunk (reference)": (
            lambda: ChatCompletionStream(client, request(), {}),
            CHAT,
            "message",
        ),
        "conversation message.output.delta": (
            lambda: ConversationEventStream(client, request(), {}),
            CONVERSATION,
            "message.output.delta",
        ),
        "transcription.text.delta": (
            lambda: TranscriptionStream(client, request(), {}),
            TRANSCRIPTION,
            "transcription.text.delta",
        ),
        "speech.audio.delta (640 B of audio)": (
            lambda: SpeechStream(client, request(), {}),
            SPEECH,
            "speech.audio.delta",
        ),
        "raw event (request_stream)": (
            lambda: RawEventStream(client, request(), {}),
            CONVERSATION,
            "x",
        ),
    }


def _per_event(make: Callable[[], Any], data: dict[str, Any], name: str, events: int) -> float:
    """Seconds of CPU per event over one fresh stream of ``events`` events."""
    stream = make()
    sse = ServerSentEvent(json.dumps(data, separators=(",", ":")), name)
    decode = stream._decode
    start = time.process_time()
    for _ in range(events):
        decode(sse)
    return (time.process_time() - start) / events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per measured stream")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    client = AsyncMistral(api_key="bench", base_url="http://127.0.0.1:9", usage_tracker=None)
    rows: list[tuple[str, float]] = []
    for label, (make, data, name) in _streams(client).items():
        _per_event(make, data, name, 2_000)  # warm up: pydantic builds its validators lazily
        samples = [_per_event(make, data, name, args.events) for _ in range(args.repeats)]
        rows.append((label, statistics.median(samples)))
    reference = rows[0][1]
    lines = [
        "# CPU per stream event, by kind",
        "",
        f"`python benchmarks/event_cost.py` · Python {sys.version.split()[0]} · median of "
        f"{args.repeats} streams of {args.events:,} events · decode + accumulate per event "
        "(socket reads and SSE line splitting are shared by every kind and left out).",
        "",
        "| event | µs per event | x chat chunk |",
        "|---|---|---|",
        *(f"| {label} | {cost * 1e6:.2f} | {cost / reference:.2f}x |" for label, cost in rows),
        "",
        "Target: every kind within 1.2x of a chat chunk.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (HERE / "EVENT_COST.md").write_text(text)


if __name__ == "__main__":
    main()
