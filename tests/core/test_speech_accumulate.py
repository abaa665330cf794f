"""The speech stream accumulator, fed a real WAV file cut into base64 events."""

from __future__ import annotations

import base64
import json
from typing import Any

from mistral_async._core.speech_accumulate import SpeechAccumulator
from mistral_async.types.audio_speech import speech_event_adapter
from tests._support.audio import read_wav_info, wav_bytes
from tests._support.audio_examples import USAGE


def deltas(audio: bytes, size: int) -> list[dict[str, Any]]:
    """The audio in pieces of ``size`` bytes, each a ``speech.audio.delta`` event."""
    return [
        {"type": "speech.audio.delta", "audio_data": base64.b64encode(audio[i : i + size]).decode()}
        for i in range(0, len(audio), size)
    ]


DONE = {"type": "speech.audio.done", "usage": USAGE}


def feed(acc: SpeechAccumulator, *events: dict[str, Any]) -> list[bytes]:
    """Give the events as a stream delivers them (JSON, read by the adapter); return what
    ``add`` gave back for each."""
    return [acc.add(speech_event_adapter.validate_json(json.dumps(event))) for event in events]


def test_the_pieces_decoded_in_order_make_the_audio_file() -> None:
    audio = wav_bytes(0.25, sample_rate=8000)
    acc = SpeechAccumulator()
    returned = feed(acc, *deltas(audio, 1000), DONE)
    assert b"".join(returned) == audio
    assert returned[-1] == b""  # the done event carries no audio
    assert acc.chunks == returned[:-1]
    assert acc.audio_bytes() == audio
    assert read_wav_info(acc.audio_bytes()).frames == 2000  # still a playable WAV
    assert acc.size == len(audio)
    assert acc.done
    assert acc.usage is not None
    assert acc.usage.prompt_audio_seconds == USAGE["prompt_audio_seconds"]


def test_the_usage_is_known_only_at_the_end() -> None:
    acc = SpeechAccumulator()
    feed(acc, *deltas(b"\x00" * 30, 10))
    assert (acc.done, acc.usage, acc.audio_bytes()) == (False, None, b"\x00" * 30)
    feed(acc, DONE)
    assert acc.done


def test_without_keeping_the_audio_only_its_size_is_counted() -> None:
    audio = wav_bytes(0.1)
    acc = SpeechAccumulator(keep_audio=False)
    returned = feed(acc, *deltas(audio, 500), DONE)
    assert b"".join(returned) == audio  # each piece is still handed back as it comes
    assert (acc.chunks, acc.audio_bytes(), acc.size) == ([], b"", len(audio))


def test_unknown_events_give_no_audio_and_are_skipped() -> None:
    acc = SpeechAccumulator()
    returned = feed(acc, {"type": "speech.audio.marker", "offset": 1}, {}, *deltas(b"ab", 1))
    assert returned == [b"", b"", b"a", b"b"]
    assert acc.audio_bytes() == b"ab"
    assert not acc.done
