"""The local server's audio routes over real HTTP: transcription and speech (JSON and streams),
voices, the spec checks of multipart streams, and faults on these streams.

The audio is real: WAV files written by ``tests/_support/audio.py`` with the ``wave`` module.
"""

from __future__ import annotations

import base64
import io
import json
import wave
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mistral_async.testing import LocalServer
from mistral_async.testing._spec.openapi import OpenAPISpec
from tests._support.audio import read_wav_info, wav_bytes

AUTH = {"Authorization": "Bearer test-key"}
MODEL = "voxtral-mini-latest"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
SPEECH = "/v1/audio/speech"
VOICES = "/v1/audio/voices"


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as plain:
        yield plain


def transcribe(http: httpx.Client, audio: bytes | None = None, **fields: Any) -> httpx.Response:
    """POST a transcription form (multipart even without a file part, as the API wants)."""
    parts: list[tuple[str, Any]] = []
    for name, value in {"model": MODEL, **fields}.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, (None, item)))
    if audio is not None:
        parts.append(("file", ("talk.wav", audio, "audio/wav")))
    return http.post(TRANSCRIPTIONS, files=parts)


def named_events(body: str) -> list[tuple[str | None, dict[str, Any]]]:
    """``(event name, data)`` of each event of a stream body."""
    out = []
    for block in body.strip().split("\n\n"):
        name = None
        data = None
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: ") :])
        assert data is not None, block
        out.append((name, data))
    return out


# -- transcription ---------------------------------------------------------------------------------


def test_transcription_reads_the_wav_header(http: httpx.Client) -> None:
    audio = wav_bytes(2.5, sample_rate=8_000)
    reply = transcribe(http, audio, timestamp_granularities="segment")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["model"] == MODEL
    assert body["language"] == "en"
    times = [(s["start"], s["end"]) for s in body["segments"]]
    assert times == [(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)]  # one segment a second
    assert body["text"] == "".join(s["text"] for s in body["segments"])
    assert body["usage"]["prompt_audio_seconds"] == 3
    assert all(s["speaker_id"] is None for s in body["segments"])
    # The same audio always gives the same text; other audio other text.
    assert transcribe(http, audio, timestamp_granularities="segment").json() == body
    other = transcribe(http, wav_bytes(2.5, sample_rate=8_000, frequency=220.0)).json()
    assert other["text"] != body["text"]
    assert other["segments"] == []  # no timestamps asked for


def test_transcription_duration_follows_sample_rate_and_channels(http: httpx.Client) -> None:
    for audio in (
        wav_bytes(1.5, sample_rate=44_100, channels=2),
        wav_bytes(1.5, sample_rate=16_000, sample_width=1),
    ):
        body = transcribe(http, audio, timestamp_granularities="segment").json()
        assert [s["end"] for s in body["segments"]] == [1.0, 1.5]


def test_diarize_gives_speakers_and_words_share_the_time(http: httpx.Client) -> None:
    audio = wav_bytes(4.0, channels=2)
    body = transcribe(http, audio, diarize="true", timestamp_granularities="segment").json()
    speakers = [s["speaker_id"] for s in body["segments"]]
    assert all(speakers)
    assert len(set(speakers)) >= 2
    words = transcribe(http, wav_bytes(1.0), timestamp_granularities="word").json()
    chunks = words["segments"]
    assert len(chunks) == len(words["text"].split())
    assert chunks[0]["start"] == 0.0
    assert chunks[-1]["end"] == pytest.approx(1.0, abs=0.01)


def test_language_and_context_bias(http: httpx.Client) -> None:
    reply = transcribe(http, wav_bytes(2.0), language="fr", context_bias=["Voxtral", "Mistral"])
    body = reply.json()
    assert body["language"] == "fr"
    assert "Voxtral" in body["text"]
    assert "Mistral" in body["text"]


def test_audio_by_file_id_and_data_url(http: httpx.Client) -> None:
    audio = wav_bytes(0.05, sample_rate=8_000)  # small: a file_url is at most 2083 characters
    direct = transcribe(http, audio).json()
    uploaded = http.post(
        "/v1/files", files={"file": ("a.wav", audio, "audio/wav")}, data={"purpose": "ocr"}
    ).json()
    by_id = transcribe(http, file_id=uploaded["id"]).json()
    url = "data:audio/wav;base64," + base64.b64encode(audio).decode()
    by_url = transcribe(http, file_url=url).json()
    assert direct["text"] == by_id["text"] == by_url["text"]
    elsewhere = transcribe(http, file_url="https://example.com/talk.mp3").json()
    assert elsewhere["usage"]["prompt_audio_seconds"] == 3  # never fetched: 3 s by the URL
    missing = transcribe(http, file_id="00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_compressed_audio_is_estimated_from_its_size(http: httpx.Client) -> None:
    body = transcribe(http, b"ID3" + bytes(31_997), timestamp_granularities="segment").json()
    assert [s["end"] for s in body["segments"]] == [1.0, 2.0]  # 32 kB at 128 kbit/s


@pytest.mark.parametrize(
    ("fields", "with_file", "words"),
    [
        ({}, False, "exactly one of file"),
        ({"file_url": "https://example.com/a.wav"}, True, "exactly one of file"),
        ({"diarize": "true"}, True, "diarize requires"),
        ({"diarize": "true", "timestamp_granularities": "word"}, True, "diarize requires"),
        ({"language": "en", "timestamp_granularities": "segment"}, True, "language cannot"),
    ],
)
def test_the_live_api_rules_across_fields_get_422(
    http: httpx.Client, fields: dict[str, Any], with_file: bool, words: str
) -> None:
    reply = transcribe(http, wav_bytes(0.5) if with_file else None, **fields)
    assert reply.status_code == 422
    assert words in reply.json()["detail"][0]["msg"]


def test_unknown_or_unable_model_gets_400(http: httpx.Client) -> None:
    reply = transcribe(http, wav_bytes(0.5), model="mistral-large-latest")
    assert reply.status_code == 400
    assert reply.json()["type"] == "invalid_model"
    assert transcribe(http, b"").status_code == 400  # an empty file


def test_transcription_stream_event_by_event(http: httpx.Client, server: LocalServer) -> None:
    audio = wav_bytes(2.0, channels=2)
    reply = transcribe(http, audio, stream="true", diarize="true")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    assert "[DONE]" not in reply.text
    events = named_events(reply.text)
    assert all(name == data["type"] for name, data in events)
    kinds = [name for name, _ in events]
    assert kinds[0] == "transcription.language"
    assert kinds[-1] == "transcription.done"
    assert kinds.count("transcription.segment") == 2
    done = events[-1][1]
    deltas = "".join(d["text"] for n, d in events if n == "transcription.text.delta")
    assert deltas == done["text"]
    assert all(d["speaker_id"] for n, d in events if n == "transcription.segment")
    # The same audio answered whole has the same text.
    whole = transcribe(http, audio, diarize="true", timestamp_granularities="segment").json()
    assert whole["text"] == done["text"]
    server.exchanges.wait_idle()
    assert server.exchanges[-2].request_content_type.startswith("multipart/form-data")


# -- the spec checks of multipart streams ----------------------------------------------------------


def test_a_multipart_stream_is_checked_against_the_stream_operation() -> None:
    spec = OpenAPISpec.default()
    media = "multipart/form-data; boundary=x"
    streamed = {"model": MODEL, "stream": "true", "file": b"RIFF"}
    assert spec.validate_request("POST", TRANSCRIPTIONS, streamed, media) == []
    plain = {"model": MODEL, "stream": "false", "file": b"RIFF"}
    assert spec.validate_request("POST", TRANSCRIPTIONS, plain, media) == []
    typed = spec.form_instance("POST", TRANSCRIPTIONS, {**streamed, "diarize": "true"})
    assert typed["stream"] is True
    assert typed["diarize"] is True


def _stream(*events: tuple[str, dict[str, Any]]) -> bytes:
    return "".join(f"event: {n}\ndata: {json.dumps(d)}\n\n" for n, d in events).encode()


USAGE = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
DONE = {"type": "transcription.done", "model": MODEL, "text": "", "language": None, "usage": USAGE}


def test_transcription_stream_events_are_checked() -> None:
    spec = OpenAPISpec.default()

    def problems(body: bytes) -> list[str]:
        return spec.validate_response("POST", TRANSCRIPTIONS, 200, "text/event-stream", body)

    delta = {"type": "transcription.text.delta", "text": "Hi"}
    assert (
        problems(_stream(("transcription.text.delta", delta), ("transcription.done", DONE))) == []
    )
    [unfinished] = problems(_stream(("transcription.text.delta", delta)))
    assert "does not end with transcription.done" in unfinished
    misnamed = problems(_stream(("transcription.segment", delta), ("transcription.done", DONE)))
    assert any("is not the data's type" in p for p in misnamed)
    after = _stream(("transcription.done", DONE), ("transcription.text.delta", delta))
    assert any("event after the final" in p for p in problems(after))
    bad = {"type": "transcription.text.delta", "text": 3}
    assert problems(_stream(("transcription.text.delta", bad), ("transcription.done", DONE)))


def test_speech_stream_events_are_checked() -> None:
    spec = OpenAPISpec.default()
    delta = {"type": "speech.audio.delta", "audio_data": "AAAA"}
    done = {"type": "speech.audio.done", "usage": USAGE}
    good = _stream(("speech.audio.delta", delta), ("speech.audio.done", done))
    assert spec.validate_response("POST", SPEECH, 200, "text/event-stream", good) == []
    cut = _stream(("speech.audio.delta", delta))
    [problem] = spec.validate_response("POST", SPEECH, 200, "text/event-stream", cut)
    assert "speech.audio.done" in problem


# -- speech ----------------------------------------------------------------------------------------


def speak(http: httpx.Client, text: str, **fields: Any) -> httpx.Response:
    return http.post(SPEECH, json={"input": text, "response_format": "wav", **fields})


def wav_of(reply: httpx.Response) -> bytes:
    assert reply.status_code == 200, reply.text
    return base64.b64decode(reply.json()["audio_data"])


def test_speech_is_a_playable_wav_that_grows_with_the_text(http: httpx.Client) -> None:
    short = read_wav_info(wav_of(speak(http, "Hello.")))
    long = read_wav_info(wav_of(speak(http, "Hello there, and welcome to the show.")))
    assert (short.channels, short.sample_rate, short.sample_width) == (1, 24_000, 2)
    assert long.duration > 4 * short.duration > 0
    with wave.open(io.BytesIO(wav_of(speak(http, "Hello.")))) as played:
        frames = played.readframes(played.getnframes())
    assert any(frames)  # sound, not silence


def test_pcm_is_the_raw_frames_and_other_formats_are_refused(http: httpx.Client) -> None:
    text = "Raw audio."
    wav = wav_of(speak(http, text))
    pcm = wav_of(speak(http, text, response_format="pcm"))
    with wave.open(io.BytesIO(wav)) as played:
        assert played.readframes(played.getnframes()) == pcm
    for audio_format in ("mp3", "flac", "opus"):
        refused = speak(http, text, response_format=audio_format)
        assert refused.status_code == 400
        assert refused.json()["object"] == "error"
        assert refused.json()["param"] == "response_format"
    default = http.post(SPEECH, json={"input": text})  # the API's default is mp3
    assert default.status_code == 400


def test_speech_stream_joins_to_the_same_file(http: httpx.Client) -> None:
    text = "A somewhat longer sentence, to make several pieces of audio."
    whole = wav_of(speak(http, text))
    reply = speak(http, text, stream=True)
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = named_events(reply.text)
    assert all(name == data["type"] for name, data in events)
    assert [n for n, _ in events[-1:]] == ["speech.audio.done"]
    pieces = [base64.b64decode(d["audio_data"]) for n, d in events if n == "speech.audio.delta"]
    assert len(pieces) > 2
    assert b"".join(pieces) == whole
    assert events[-1][1]["usage"]["total_tokens"] > 0


# -- voices ----------------------------------------------------------------------------------------


def create_voice(http: httpx.Client, name: str, sample: bytes) -> dict[str, Any]:
    body = {
        "name": name,
        "languages": ["en"],
        "sample_audio": base64.b64encode(sample).decode(),
        "sample_filename": "me.wav",
    }
    reply = http.post(VOICES, json=body)
    assert reply.status_code == 200, reply.text
    voice: dict[str, Any] = reply.json()
    return voice


def test_voices_crud_and_sample(http: httpx.Client) -> None:
    sample = wav_bytes(0.5, frequency=330.0)
    voice = create_voice(http, "Narrator", sample)
    assert voice["name"] == "Narrator"
    assert voice["retention_notice"] == 30
    assert http.get(f"{VOICES}/{voice['id']}").json() == voice
    stored = http.get(f"{VOICES}/{voice['id']}/sample")
    assert stored.headers["content-type"] == "audio/wav"
    assert stored.content == sample
    updated = http.patch(f"{VOICES}/{voice['id']}", json={"name": "Storyteller", "age": 40})
    assert updated.json()["name"] == "Storyteller"
    assert updated.json()["languages"] == ["en"]
    # A stored voice chooses the tone: another voice sounds different.
    mine = wav_of(speak(http, "Hello.", voice_id=voice["id"]))
    assert mine != wav_of(speak(http, "Hello.", voice_id="some-preset"))
    assert http.delete(f"{VOICES}/{voice['id']}").json()["id"] == voice["id"]
    assert http.get(f"{VOICES}/{voice['id']}").status_code == 404
    assert speak(http, "Hello.", voice_id=voice["id"]).status_code == 404
    cloned = speak(http, "Hello.", ref_audio=base64.b64encode(sample).decode())
    assert read_wav_info(wav_of(cloned)).duration > 0


def test_voices_list_pages_with_limit_and_offset(http: httpx.Client) -> None:
    made = [create_voice(http, f"Pager {n}", wav_bytes(0.1))["id"] for n in range(3)]
    total = http.get(VOICES, params={"limit": 1}).json()["total"]
    seen = []
    for offset in range(total):
        page = http.get(VOICES, params={"limit": 1, "offset": offset}).json()
        assert page["page"] == offset
        assert page["page_size"] == 1
        assert page["total_pages"] == total
        seen += [item["id"] for item in page["items"]]
    assert set(made) <= set(seen)
    assert len(seen) == total
    assert http.get(VOICES, params={"limit": 0}).status_code == 422
    for voice_id in made:
        http.delete(f"{VOICES}/{voice_id}")


def test_bad_voice_samples_are_refused(http: httpx.Client) -> None:
    reply = http.post(VOICES, json={"name": "x", "sample_audio": "not base64!"})
    assert reply.status_code == 422
    assert http.post(VOICES, json={"name": "x"}).status_code == 422


# -- faults on these streams -----------------------------------------------------------------------


def test_cut_stream_fault_on_a_transcription_stream(
    http: httpx.Client, server: LocalServer
) -> None:
    server.faults.add("cut_stream", path=TRANSCRIPTIONS, after_events=2)
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        files = {"file": ("a.wav", wav_bytes(2.0), "audio/wav")}
        data = {"model": MODEL, "stream": "true"}
        with http.stream("POST", TRANSCRIPTIONS, data=data, files=files) as reply:
            for line in reply.iter_lines():
                if line.startswith("event: "):
                    received.append(line)
    assert received == ["event: transcription.language", "event: transcription.text.delta"]


def test_stream_error_and_stall_faults_on_a_speech_stream(
    http: httpx.Client, server: LocalServer
) -> None:
    server.faults.add("stream_error", path=SPEECH, after_events=1, message="TTS failed")
    reply = speak(http, "Hello there.", stream=True)
    blocks = reply.text.strip().split("\n\n")
    assert blocks[0].startswith("event: speech.audio.delta")
    # A named-event stream gets a named error event, the error object under `error` so that
    # its `type` (api_error) is not read as an event type.
    name, data = named_events(blocks[1])[0]
    assert name == "error"
    assert data["error"]["object"] == "error"
    assert data["error"]["message"] == "TTS failed"
    assert len(blocks) == 2
    server.faults.add("stall", path=SPEECH, after_events=1, seconds=0.2)
    stalled = speak(http, "Hello there.", stream=True)
    assert named_events(stalled.text)[-1][0] == "speech.audio.done"
