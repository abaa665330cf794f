"""Static checks of the audio and library types, run by mypy, never executed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from typing_extensions import assert_type

from mistral_async._core.speech_accumulate import SpeechAccumulator
from mistral_async._core.transcription_accumulate import TranscriptionAccumulator
from mistral_async.types.audio import (
    SpeechParams,
    SpeechResponse,
    SpeechStreamAudioDelta,
    TranscriptionParams,
    TranscriptionResponse,
    TranscriptionStreamDone,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
    UnknownTranscriptionEvent,
    UsageInfo,
    VoiceCreateParams,
    VoiceListResponse,
    VoiceResponse,
    speech_event_adapter,
    transcription_event_adapter,
)
from mistral_async.types.libraries import (
    AccessUpdateOrCreateParams,
    DocumentsListParams,
    DocumentUpdateParams,
    DocumentUploadParams,
    LibraryCreateParams,
    ListDocumentOut,
    ProcessingStatusOut,
)


def params() -> None:
    by_path: TranscriptionParams = {"model": "m", "file": Path("a.wav"), "diarize": True}
    by_bytes: TranscriptionParams = {"model": "m", "file": b"RIFF", "context_bias": ("a", "b")}
    by_object: TranscriptionParams = {"model": "m", "file": io.BytesIO(b"RIFF")}
    granular: TranscriptionParams = {"model": "m", "timestamp_granularities": ["segment"]}
    wrong: TranscriptionParams = {"model": "m", "timestamp_granularities": ["line"]}  # type: ignore[list-item]
    no_model: TranscriptionParams = {"file_id": "f"}  # type: ignore[typeddict-item]
    speech: SpeechParams = {"input": "hi", "voice_id": "v", "response_format": "wav"}
    cloned: SpeechParams = {"input": "hi", "ref_audio": b"RIFF"}
    voice: VoiceCreateParams = {"name": "n", "sample_audio": "sample.wav", "languages": ["en"]}
    library: LibraryCreateParams = {"name": "Handbook", "chunk_size": 512}
    listing: DocumentsListParams = {"search": "travel", "sort_order": "asc", "page_size": 10}
    update: DocumentUpdateParams = {"attributes": {"year": 2025, "tags": ["hr"]}}
    access: AccessUpdateOrCreateParams = {
        "share_with_uuid": "u",
        "share_with_type": "Workspace",
        "level": "Editor",
    }
    print(by_path, by_bytes, by_object, granular, wrong, no_model, speech, cloned, voice)
    print(library, listing, update, access)


def transcription(raw: bytes) -> None:
    event = transcription_event_adapter.validate_json(raw)
    if isinstance(event, TranscriptionStreamTextDelta):
        assert_type(event.text, str)
    elif isinstance(event, TranscriptionStreamSegmentDelta):
        assert_type(event.start, float)
        assert_type(event.speaker_id, str | None)
    elif isinstance(event, TranscriptionStreamDone):
        assert_type(event.usage, UsageInfo)
    elif isinstance(event, UnknownTranscriptionEvent):
        assert_type(event.raw, dict[str, Any])
    accumulator = TranscriptionAccumulator(model="m")
    accumulator.add(event)
    response = accumulator.response()
    assert_type(response, TranscriptionResponse)
    assert_type(response.speakers, list[str])
    assert_type(accumulator.usage, UsageInfo | None)


def speech(raw: bytes, reply: SpeechResponse) -> None:
    assert_type(reply.audio_bytes(), bytes)
    assert_type(reply.write_to(Path("out.wav")), int)
    event = speech_event_adapter.validate_json(raw)
    if isinstance(event, SpeechStreamAudioDelta):
        assert_type(event.audio_bytes(), bytes)
    accumulator = SpeechAccumulator(keep_audio=False)
    assert_type(accumulator.add(event), bytes)
    assert_type(accumulator.audio_bytes(), bytes)


def pages(
    voices: VoiceListResponse, documents: ListDocumentOut, state: ProcessingStatusOut
) -> None:
    assert_type(voices.data, list[VoiceResponse])
    assert_type(documents.total, int)
    assert_type(state.done, bool)


def uploads() -> None:
    named: TranscriptionParams = {"model": "m", "file": b"RIFF", "filename": "a.wav"}
    document: DocumentUploadParams = {"filename": "a.pdf", "content_type": "application/pdf"}
    print(named, document)
