"""The transcription stream accumulator, fed hand-written event sequences."""

from __future__ import annotations

import json
from typing import Any

from mistral_async._core.transcription_accumulate import TranscriptionAccumulator
from mistral_async.types._base import dump_request
from mistral_async.types.audio_transcriptions import (
    TranscriptionResponse,
    TranscriptionSegmentChunk,
    transcription_event_adapter,
)
from tests._support.audio_examples import MODEL, TRANSCRIPTION_RESPONSE, USAGE
from tests._support.spec_schemas import conforms


def language(code: str = "en") -> dict[str, Any]:
    return {"type": "transcription.language", "audio_language": code}


def delta(text: str) -> dict[str, Any]:
    return {"type": "transcription.text.delta", "text": text}


def segment(text: str, start: float, end: float, speaker: str | None = None) -> dict[str, Any]:
    event = {"type": "transcription.segment", "text": text, "start": start, "end": end}
    return {**event, "speaker_id": speaker} if speaker else event


def done(**fields: Any) -> dict[str, Any]:
    return {**TRANSCRIPTION_RESPONSE, "type": "transcription.done", **fields}


def feed(*events: dict[str, Any], model: str = MODEL) -> TranscriptionAccumulator:
    """An accumulator given the events as a stream delivers them: JSON, read by the adapter."""
    acc = TranscriptionAccumulator(model=model)
    for event in events:
        acc.add(transcription_event_adapter.validate_json(json.dumps(event)))
    return acc


def conforming(response: TranscriptionResponse) -> TranscriptionResponse:
    # Dumped with its nulls: ``language`` is required even when it is null.
    assert conforms(response.model_dump(mode="json"), "TranscriptionResponse") == []
    return response


def test_the_done_event_is_the_transcription() -> None:
    acc = feed(language(), delta("Hello there."), delta(" General Kenobi."), done())
    response = conforming(acc.response())
    assert dump_request(response) == TRANSCRIPTION_RESPONSE
    assert acc.done
    assert acc.usage is not None
    assert acc.usage.total_tokens == USAGE["total_tokens"]
    assert response.speakers == ["speaker_1", "speaker_2"]


def test_without_a_done_event_the_transcription_is_assembled_from_the_events() -> None:
    acc = feed(
        language("fr"),
        delta("Bonjour"),
        segment("Bonjour", 0.0, 0.8, "speaker_1"),
        delta(" à tous."),
        segment(" à tous.", 0.8, 1.6, "speaker_2"),
        model="voxtral-mini-2507",
    )
    assert not acc.done
    assert acc.usage is None
    assert acc.text == "Bonjour à tous."
    response = conforming(acc.response())
    assert (response.model, response.text, response.language) == (
        "voxtral-mini-2507",
        "Bonjour à tous.",
        "fr",
    )
    assert response.segments == [
        TranscriptionSegmentChunk(text="Bonjour", start=0.0, end=0.8, speaker_id="speaker_1"),
        TranscriptionSegmentChunk(text=" à tous.", start=0.8, end=1.6, speaker_id="speaker_2"),
    ]
    assert response.usage.total_tokens == 0


def test_what_the_done_event_leaves_empty_comes_from_the_events() -> None:
    acc = feed(
        language("de"),
        delta("Hallo."),
        segment("Hallo.", 0.0, 0.5),
        done(model="", text="", language=None, segments=[]),
    )
    response = conforming(acc.response())
    assert (response.model, response.text, response.language) == (MODEL, "Hallo.", "de")
    assert [s.text for s in response.segments] == ["Hallo."]
    assert response.usage.total_tokens == USAGE["total_tokens"]  # the usage is the done event's


def test_the_done_event_wins_over_the_deltas() -> None:
    acc = feed(delta("helo"), segment("helo", 0, 1), done(text="Hello.", language="en"))
    response = acc.response()
    assert response.text == "Hello."
    assert [s.text for s in response.segments] == [
        s["text"] for s in TRANSCRIPTION_RESPONSE["segments"]
    ]


def test_segments_keep_their_arrival_order_and_times() -> None:
    acc = feed(segment("a", 0.0, 1.0), segment("b", 1.0, 2.5), segment("c", 2.5, 2.75))
    assert [(s.text, s.start, s.end) for s in acc.response().segments] == [
        ("a", 0.0, 1.0),
        ("b", 1.0, 2.5),
        ("c", 2.5, 2.75),
    ]


def test_unknown_events_are_skipped_and_an_empty_stream_gives_an_empty_transcription() -> None:
    acc = feed({"type": "transcription.word", "text": "x"}, {"whatever": 1}, model="m")
    response = conforming(acc.response())
    assert (response.model, response.text, response.language, response.segments) == (
        "m",
        "",
        None,
        [],
    )
    assert (acc.done, acc.final, acc.language) == (False, None, None)
