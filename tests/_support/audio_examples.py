"""Hand-written examples of every audio schema (transcription, speech, voices), every field set.

Each is JSON as the API sends it (replies) or as the SDK must send it (requests); the type tests
check each against the spec's schema of the same name, so they are safe to reuse as fixtures.
Transcription requests are forms: their examples are the form's JSON value without the file part.
"""

from __future__ import annotations

import base64
from typing import Any

T0 = "2025-06-01T12:00:00Z"
MODEL = "voxtral-mini-latest"
VOICE_ID = "5f0c2c1e-7d4b-4e39-9a51-3c1f8f0a2b6d"
USER_ID = "0b6f1d7e-2f3a-4c5b-8d9e-1a2b3c4d5e6f"
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt "  # a few bytes of audio are enough for base64 fields
AUDIO_B64 = base64.b64encode(AUDIO).decode()

USAGE = {
    "prompt_tokens": 4,
    "completion_tokens": 12,
    "total_tokens": 16,
    "prompt_audio_seconds": 3,
    "num_cached_tokens": 0,
    "prompt_tokens_details": {"cached_tokens": 0},
    "prompt_token_details": {"cached_tokens": 0},
}

# -- transcription -------------------------------------------------------------------------------

TRANSCRIPTION_REQUEST = {
    "model": MODEL,
    "file_url": "https://example.com/talk.wav",
    "file_id": "f0b3f7a2-0000-4000-8000-000000000001",
    "language": "en",
    "temperature": 0.2,
    "stream": False,
    "diarize": True,
    "context_bias": ["Voxtral", "Mistral_AI"],
    "timestamp_granularities": ["segment", "word"],
}
"""Every field (the cross-field rules of ``check_transcription_request`` aside)."""
SEGMENT = {
    "type": "transcription_segment",
    "text": "Hello there.",
    "start": 0.0,
    "end": 1.5,
    "score": 0.93,
    "speaker_id": "speaker_1",
}
SEGMENT_2 = {
    "type": "transcription_segment",
    "text": " General Kenobi.",
    "start": 1.5,
    "end": 3.0,
    "score": 0.88,
    "speaker_id": "speaker_2",
}
TRANSCRIPTION_RESPONSE = {
    "model": MODEL,
    "text": "Hello there. General Kenobi.",
    "language": "en",
    "segments": [SEGMENT, SEGMENT_2],
    "usage": USAGE,
}
TRANSCRIPTION_EVENTS: dict[str, dict[str, Any]] = {
    "TranscriptionStreamLanguage": {"type": "transcription.language", "audio_language": "en"},
    "TranscriptionStreamSegmentDelta": {
        "type": "transcription.segment",
        "text": "Hello there.",
        "start": 0.0,
        "end": 1.5,
        "speaker_id": "speaker_1",
    },
    "TranscriptionStreamTextDelta": {"type": "transcription.text.delta", "text": "Hello"},
    "TranscriptionStreamDone": {**TRANSCRIPTION_RESPONSE, "type": "transcription.done"},
}

# -- speech --------------------------------------------------------------------------------------

SPEECH_REQUEST = {
    "model": "voxtral-tts-latest",
    "stream": False,
    "voice_id": VOICE_ID,
    "ref_audio": AUDIO_B64,
    "input": "Hello there.",
    "response_format": "wav",
}
SPEECH_RESPONSE = {"audio_data": AUDIO_B64}
SPEECH_EVENTS: dict[str, dict[str, Any]] = {
    "SpeechStreamAudioDelta": {"type": "speech.audio.delta", "audio_data": AUDIO_B64},
    "SpeechStreamDone": {"type": "speech.audio.done", "usage": USAGE},
}

# -- voices --------------------------------------------------------------------------------------

_VOICE_FIELDS = {
    "name": "Narrator",
    "slug": "narrator",
    "languages": ["en", "fr"],
    "gender": "female",
    "age": 40,
    "tags": ["calm", "warm"],
    "color": "#3366ff",
    "retention_notice": 30,
}
VOICE_CREATE_REQUEST = {**_VOICE_FIELDS, "sample_audio": AUDIO_B64, "sample_filename": "a.wav"}
VOICE_UPDATE_REQUEST = {
    "name": "Storyteller",
    "languages": ["en"],
    "gender": "female",
    "age": 41,
    "tags": ["calm"],
}
VOICE = {**_VOICE_FIELDS, "id": VOICE_ID, "created_at": T0, "user_id": USER_ID}
VOICE_LIST = {"items": [VOICE], "total": 1, "page": 0, "page_size": 10, "total_pages": 1}
