"""Audio models (transcription, speech, voices) against the spec: every schema the ``/v1/audio``
operations use, the event unions, request strictness, the transcription form and its rules."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from mistral_async._core.errors import ArgumentError
from mistral_async._core.validate import validate_params
from mistral_async.testing._spec.multipart import coerce_form
from mistral_async.types import audio
from mistral_async.types._base import dump_request
from mistral_async.types._form import form_fields, form_text
from mistral_async.types.chat import PromptTokensDetails, UsageInfo
from tests._support import audio_examples as ex
from tests._support.spec_schemas import (
    SCHEMAS,
    SPEC,
    QueryTableTests,
    SchemaTableTests,
    assert_fields_match,
    conforms,
    referenced_schemas,
)

# Spec schema name → (model, example). Requests are read as the SDK reads arguments (strict,
# unknown keys forbidden); replies as the client reads a body (from JSON, tolerant).
REQUESTS: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "AudioTranscriptionRequest": (audio.AudioTranscriptionRequest, ex.TRANSCRIPTION_REQUEST),
    "AudioTranscriptionRequestStream": (
        audio.AudioTranscriptionRequestStream,
        {**ex.TRANSCRIPTION_REQUEST, "stream": True},
    ),
    "SpeechRequest": (audio.SpeechRequest, ex.SPEECH_REQUEST),
    "VoiceCreateRequest": (audio.VoiceCreateRequest, ex.VOICE_CREATE_REQUEST),
    "VoiceUpdateRequest": (audio.VoiceUpdateRequest, ex.VOICE_UPDATE_REQUEST),
}
REPLIES: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "TranscriptionResponse": (audio.TranscriptionResponse, ex.TRANSCRIPTION_RESPONSE),
    "TranscriptionSegmentChunk": (audio.TranscriptionSegmentChunk, ex.SEGMENT),
    "SpeechResponse": (audio.SpeechResponse, ex.SPEECH_RESPONSE),
    "VoiceResponse": (audio.VoiceResponse, ex.VOICE),
    "VoiceListResponse": (audio.VoiceListResponse, ex.VOICE_LIST),
    **{
        name: (getattr(audio, name), example)  # each event schema has its class's name
        for name, example in (ex.TRANSCRIPTION_EVENTS | ex.SPEECH_EVENTS).items()
    },
}
# Spec schemas that are not objects (or are event wrappers), as (Python type, example).
ALIASES: dict[str, tuple[Any, Any]] = {
    "TimestampGranularity": (audio.TimestampGranularity, "segment"),
    "TranscriptionStreamEventTypes": (audio.TranscriptionStreamEventTypes, "transcription.done"),
    "SpeechOutputFormat": (audio.SpeechOutputFormat, "opus"),
    "TranscriptionStreamEvents": (
        audio.TranscriptionStreamEvents,
        {
            "event": "transcription.segment",
            "data": ex.TRANSCRIPTION_EVENTS["TranscriptionStreamSegmentDelta"],
        },
    ),
    "SpeechStreamEvents": (
        audio.SpeechStreamEvents,
        {"event": "speech.audio.done", "data": ex.SPEECH_EVENTS["SpeechStreamDone"]},
    ),
}
MODELLED = set(REQUESTS) | set(REPLIES) | set(ALIASES)
# Schemas of these operations that other modules (chat, errors) already model.
REUSED: dict[str, tuple[type[BaseModel] | None, Any]] = {
    "UsageInfo": (UsageInfo, ex.USAGE),
    "PromptTokensDetails": (PromptTokensDetails, {"cached_tokens": 3}),
    "HTTPValidationError": (None, None),  # read by the error tree (UnprocessableEntityError)
    "ValidationError": (None, None),
}
# A file part of a form (``format: binary``): the ``file`` argument, not a model.
PARTS = {"File"}


def audio_operation(path: str, operation: dict[str, Any]) -> bool:
    return path.startswith("/v1/audio/")


def test_every_schema_the_operations_use_is_covered() -> None:
    reached = referenced_schemas(audio_operation)
    covered = MODELLED | set(REUSED) | PARTS
    assert reached - covered == set(), "schemas without a model"
    assert covered - reached == set(), "tables name schemas the operations do not use"
    assert (len(reached), len(MODELLED)) == (26, 21)


# -- every model against its schema ------------------------------------------------------------


# Fields the spec requires (and does not let be null) that a reply may still lack: read with
# a default, for tolerance.
DEFAULTED = {
    "TranscriptionResponse": {"usage"},
    "TranscriptionStreamDone": {"usage"},
    "VoiceListResponse": {"items"},
}


class TestAudioSchemas(SchemaTableTests):
    REQUESTS = REQUESTS
    REPLIES = REPLIES
    ALIASES = ALIASES
    DEFAULTED = DEFAULTED


@pytest.mark.parametrize("name", sorted(n for n, (m, _) in REUSED.items() if m is not None))
def test_reused_models_fit_these_operations_too(name: str) -> None:
    model, example = REUSED[name]
    assert model is not None
    assert conforms(example, name) == []
    assert dump_request(model.model_validate_json(json.dumps(example))) == example
    assert_fields_match(model, name)


# -- query parameters ----------------------------------------------------------------------------

QUERIES: dict[tuple[str, str], type[BaseModel]] = {
    ("GET", "/v1/audio/voices"): audio.VoicesListQuery,
}


class TestAudioQueries(QueryTableTests):
    PREFIX = "/v1/audio/"
    QUERIES = QUERIES


def test_the_voices_query_dumps_what_was_given() -> None:
    query = validate_params(audio.VoicesListQuery, {"limit": 5, "offset": 10})
    assert dump_request(query) == {"limit": 5, "offset": 10}


# -- requests: strictness ----------------------------------------------------------------------

TRANSCRIBE = {"model": ex.MODEL, "file_id": "f1"}


@pytest.mark.parametrize(
    ("model", "params", "argument"),
    [
        (audio.AudioTranscriptionRequest, {"file_id": "f1"}, "model"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "language": "eng"}, "language"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "context_bias": ["two words"]},
         "context_bias[0]"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "context_bias": ["a,b"]},
         "context_bias[0]"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "timestamp_granularities": ["line"]},
         "timestamp_granularities[0]"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "file_url": ""}, "file_url"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "temperature": "0.2"}, "temperature"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "stream": True}, "stream"),
        (audio.AudioTranscriptionRequestStream, {**TRANSCRIBE, "stream": False}, "stream"),
        (audio.AudioTranscriptionRequest, {**TRANSCRIBE, "prompt": "x"}, "prompt"),
        (audio.SpeechRequest, {"voice_id": "v"}, "input"),
        (audio.SpeechRequest, {"input": "hi", "response_format": "ogg"}, "response_format"),
        (audio.SpeechRequest, {"input": "hi", "speed": 1.5}, "speed"),
        (audio.VoiceCreateRequest, {"name": "n"}, "sample_audio"),
        (audio.VoiceCreateRequest, {"name": "n", "sample_audio": b"RIFF"}, "sample_audio"),
        (audio.VoiceUpdateRequest, {"age": "40"}, "age"),
        (audio.VoiceUpdateRequest, {"sample_audio": "x"}, "sample_audio"),
        (audio.VoicesListQuery, {"limit": "10"}, "limit"),
    ],
)  # fmt: skip
def test_audio_requests_refuse_what_the_api_would(
    model: type[BaseModel], params: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        validate_params(model, params)
    assert caught.value.argument == argument


def test_a_transcription_request_keeps_the_file_out_of_its_dump() -> None:
    audio_file = b"RIFF....WAVE"
    request = validate_params(audio.AudioTranscriptionRequest, {"model": "m", "file": audio_file})
    assert request.file is audio_file  # handed to the resource as given, to become a part
    assert dump_request(request) == {"model": "m", "stream": False}


# -- the transcription form --------------------------------------------------------------------


def test_the_transcription_form_validates_against_the_operation() -> None:
    request = validate_params(audio.AudioTranscriptionRequest, ex.TRANSCRIPTION_REQUEST)
    form = form_fields(request)
    assert form == {
        "model": ex.MODEL,
        "file_url": "https://example.com/talk.wav",
        "file_id": "f0b3f7a2-0000-4000-8000-000000000001",
        "language": "en",
        "temperature": "0.2",
        "stream": "false",
        "diarize": "true",
        "context_bias": ["Voxtral", "Mistral_AI"],  # repeated parts, one per item
        "timestamp_granularities": ["segment", "word"],
    }
    body = {**form, "file": b"RIFF....WAVE"}
    path = "/v1/audio/transcriptions"
    assert SPEC.validate_request("POST", path, body, "multipart/form-data") == []


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), (3, "3"), (0.25, "0.25"), ("a b", "a b"),
     ({"k": [1, "x"]}, '{"k":[1,"x"]}')],
)  # fmt: skip
def test_form_values_are_sent_as_the_api_reads_them(value: Any, text: str) -> None:
    assert form_text(value) == text


def form_value(form: dict[str, Any], name: str) -> dict[str, Any]:
    """The JSON value a form stands for under the named schema, as the local server reads it."""
    resolve = lambda ref: SCHEMAS[ref.rsplit("/", 1)[-1]]  # noqa: E731
    value, problems = coerce_form(form, SCHEMAS[name], resolve)
    assert problems == []
    return value


def test_the_streamed_transcription_form_fits_the_stream_schema() -> None:
    request = validate_params(audio.AudioTranscriptionRequestStream, {"model": "m", "file": b"x"})
    form = form_fields(request)
    assert form == {"model": "m", "stream": "true"}
    # Checked against the schema directly: `validate_request` picks the streamed operation by
    # a JSON `"stream": true`, which a form's text part "true" is not.
    stream_schema = "AudioTranscriptionRequestStream"
    assert conforms(form_value({**form, "file": b"x"}, stream_schema), stream_schema) == []
    plain = form_value({**form, "file": b"x"}, "AudioTranscriptionRequest")
    assert conforms(plain, "AudioTranscriptionRequest") != []  # stream tells them apart


# -- the transcription rules ---------------------------------------------------------------------

WAV = b"RIFF....WAVE"


def checked(stream: bool = False, **params: Any) -> None:
    model = audio.AudioTranscriptionRequestStream if stream else audio.AudioTranscriptionRequest
    audio.check_transcription_request(validate_params(model, {"model": "m", **params}))


@pytest.mark.parametrize(
    "params",
    [
        {"file": WAV},
        {"file_url": "https://example.com/a.wav"},
        {"file_id": "f1"},
        {"file": WAV, "diarize": True, "timestamp_granularities": ["segment"]},
        {"file": WAV, "diarize": False},
        {"file": WAV, "language": "fr"},
        {"file": WAV, "language": "fr", "timestamp_granularities": []},
        {"file": WAV, "timestamp_granularities": ["segment", "word"]},
    ],
)
def test_transcription_requests_the_api_accepts_pass(params: dict[str, Any]) -> None:
    checked(**params)


def test_streaming_with_diarize_needs_no_granularities() -> None:
    checked(stream=True, file=WAV, diarize=True)
    with pytest.raises(ArgumentError):
        checked(stream=False, file=WAV, diarize=True)


@pytest.mark.parametrize(
    ("params", "argument", "message"),
    [
        ({}, "file", "one of file, file_url or file_id"),
        ({"file": WAV, "file_id": "f1"}, "file_id", "only one of file, file_url or file_id"),
        ({"file_url": "https://e.com/a", "file_id": "f1"}, "file_id", "file_url and file_id"),
        ({"file": b"", "file_url": "https://e.com/a"}, "file_url", "file and file_url"),
        ({"file": WAV, "diarize": True}, "timestamp_granularities", 'must be ["segment"]'),
        ({"file": WAV, "diarize": True, "timestamp_granularities": ["word"]},
         "timestamp_granularities", "got ['word']"),
        ({"file": WAV, "diarize": True, "timestamp_granularities": ["segment", "word"]},
         "timestamp_granularities", "when not streaming"),
        ({"file": WAV, "language": "en", "timestamp_granularities": ["segment"]},
         "language", "cannot be combined with timestamp_granularities"),
    ],
)  # fmt: skip
def test_transcription_requests_the_api_rejects_are_refused(
    params: dict[str, Any], argument: str, message: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        checked(**params)
    assert caught.value.argument == argument
    assert message in str(caught.value)


def test_the_language_rule_holds_for_streams_too() -> None:
    with pytest.raises(ArgumentError) as caught:
        checked(stream=True, file=WAV, language="en", timestamp_granularities=["segment"])
    assert caught.value.argument == "language"


# -- event unions --------------------------------------------------------------------------------

STREAMS = {
    "TranscriptionStreamEvents": (audio.transcription_event_adapter, ex.TRANSCRIPTION_EVENTS),
    "SpeechStreamEvents": (audio.speech_event_adapter, ex.SPEECH_EVENTS),
}
WRAPPERS: dict[str, type[BaseModel]] = {
    "TranscriptionStreamEvents": audio.TranscriptionStreamEvents,
    "SpeechStreamEvents": audio.SpeechStreamEvents,
}
EVENT_CASES = [(stream, name) for stream, (_, events) in STREAMS.items() for name in events]


@pytest.mark.parametrize(("stream", "name"), EVENT_CASES)
def test_each_event_type_reads_as_its_class(stream: str, name: str) -> None:
    adapter, events = STREAMS[stream]
    example = events[name]
    mapping = SCHEMAS[stream]["properties"]["data"]["discriminator"]["mapping"]
    assert mapping[example["type"]] == f"#/components/schemas/{name}"
    assert type(adapter.validate_json(json.dumps(example))).__name__ == name
    wrapped = {"event": example["type"], "data": example}
    assert conforms(wrapped, stream) == []
    assert type(WRAPPERS[stream].model_validate(wrapped).data).__name__ == name


def test_every_spec_event_type_has_a_class() -> None:
    transcription = {e["type"] for e in ex.TRANSCRIPTION_EVENTS.values()}
    assert transcription == set(SCHEMAS["TranscriptionStreamEventTypes"]["enum"])
    speech = {e["type"] for e in ex.SPEECH_EVENTS.values()}
    assert speech == set(SCHEMAS["SpeechStreamEvents"]["properties"]["event"]["enum"])


@pytest.mark.parametrize(
    ("stream", "data"),
    [
        ("TranscriptionStreamEvents", {"type": "transcription.word", "text": "Hi", "start": 0}),
        ("TranscriptionStreamEvents", {"no_type": True}),
        ("SpeechStreamEvents", {"type": "speech.audio.marker", "offset": 3}),
        ("SpeechStreamEvents", {}),
    ],
)
def test_an_unknown_event_reads_as_unknown_with_its_data(stream: str, data: dict[str, Any]) -> None:
    adapter, _ = STREAMS[stream]
    event = adapter.validate_json(json.dumps(data))
    assert isinstance(event, (audio.UnknownTranscriptionEvent, audio.UnknownSpeechEvent))
    assert event.raw == data


@pytest.mark.parametrize(
    ("stream", "data"),
    [
        ("TranscriptionStreamEvents", {"type": "transcription.segment", "text": "x"}),  # no times
        ("TranscriptionStreamEvents", {"type": "transcription.text.delta"}),
        ("SpeechStreamEvents", {"type": "speech.audio.delta"}),
    ],
)
def test_a_known_event_that_breaks_its_schema_is_an_error_not_unknown(
    stream: str, data: dict[str, Any]
) -> None:
    adapter, _ = STREAMS[stream]
    with pytest.raises(ValidationError):
        adapter.validate_python(data)


# -- helpers on the replies --------------------------------------------------------------------


def test_speech_audio_comes_as_bytes_and_writes_to_a_file(tmp_path: Path) -> None:
    audio_file = b"RIFF\x00\x01\x02\xffWAVE" * 10
    speech = audio.SpeechResponse(audio_data=base64.b64encode(audio_file).decode())
    assert speech.audio_bytes() == audio_file
    target = tmp_path / "speech.wav"
    target.write_bytes(b"older and longer content" * 20)
    assert speech.write_to(target) == len(audio_file)
    assert target.read_bytes() == audio_file  # replaced, not appended to
    assert speech.write_to(str(tmp_path / "again.wav")) == len(audio_file)
    delta = audio.SpeechStreamAudioDelta(audio_data=base64.b64encode(b"\x00\x01").decode())
    assert delta.audio_bytes() == b"\x00\x01"


def test_transcription_speakers_in_order_of_appearance() -> None:
    segments = [
        {**ex.SEGMENT, "speaker_id": "speaker_2"},
        {**ex.SEGMENT, "speaker_id": None},
        {**ex.SEGMENT, "speaker_id": "speaker_1"},
        {**ex.SEGMENT, "speaker_id": "speaker_2"},
    ]
    response = audio.TranscriptionResponse.model_validate(
        {**ex.TRANSCRIPTION_RESPONSE, "segments": segments}
    )
    assert response.speakers == ["speaker_2", "speaker_1"]
    assert audio.TranscriptionResponse(model="m", text="").speakers == []


def test_a_transcription_without_language_or_segments_reads() -> None:
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    reply = {"model": ex.MODEL, "text": "Hi.", "language": None, "segments": [], "usage": usage}
    assert conforms(reply, "TranscriptionResponse") == []
    response = audio.TranscriptionResponse.model_validate_json(json.dumps(reply))
    assert (response.language, response.segments, response.usage.total_tokens) == (None, [], 0)


def test_the_voice_page_offers_its_items_as_data() -> None:
    page = audio.VoiceListResponse.model_validate(ex.VOICE_LIST)
    assert page.data == page.items
    assert [v.id for v in page.data] == [ex.VOICE_ID]
    assert (page.total, page.page, page.page_size) == (1, 0, 10)
