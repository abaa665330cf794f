"""``client.audio`` against the local server: transcriptions (multipart, JSON and streamed),
speech (JSON and streamed), voices, batch lines; async on asyncio and trio, and sync.

The audio is real: WAV files written by ``tests/_support/audio.py`` with the ``wave`` module.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    BatchRunner,
    Mistral,
    NotFoundError,
)
from mistral_async.testing import LocalServer
from mistral_async.testing._spec.multipart import multipart_files, parse_multipart
from mistral_async.types.audio import (
    SpeechResponse,
    TranscriptionResponse,
    VoiceListResponse,
    VoiceResponse,
)
from tests._support.audio import read_wav_info, wav_bytes, write_wav

MODEL = "voxtral-mini-latest"
TTS = "voxtral-tts-latest"
QUICK_RETRY = {"retry-after-ms": "10"}
TRANSCRIPTIONS = "/v1/audio/transcriptions"


def last_form(server: LocalServer, path: str = TRANSCRIPTIONS) -> dict[str, Any]:
    """The form fields of the last request to ``path``."""
    server.exchanges.wait_idle()
    exchange = [e for e in server.exchanges if e.path == path][-1]
    return parse_multipart(exchange.request_body, exchange.request_content_type)


# -- transcriptions ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_transcribe_a_file_by_path(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "talk.wav", 2.5)
    reply = await client.audio.transcriptions.complete(
        model=MODEL, file=path, timestamp_granularities=["segment"], context_bias=["Voxtral", "Le_Chat"]
    )
    assert isinstance(reply, TranscriptionResponse)
    assert [(s.start, s.end) for s in reply.segments] == [(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)]
    assert reply.usage.prompt_audio_seconds == 3
    assert "Voxtral" in reply.text
    form = last_form(server)
    assert form["stream"] == ["false"]
    assert form["context_bias"] == ["Voxtral", "Le_Chat"]  # repeated parts
    assert form["timestamp_granularities"] == ["segment"]
    exchange = server.exchanges[-1]
    part = multipart_files(exchange.request_body, exchange.request_content_type)["file"]
    assert part.filename == "talk.wav"
    assert part.content_type == "audio/wav"
    assert part.content == path.read_bytes()


@pytest.mark.anyio
async def test_transcribe_bytes_file_objects_urls_and_ids(client: AsyncMistral) -> None:
    audio = wav_bytes(0.05, sample_rate=8_000)
    transcriptions = client.audio.transcriptions
    by_bytes = await transcriptions.complete(model=MODEL, file=audio, filename="a.wav")
    by_object = await transcriptions.complete(model=MODEL, file=io.BytesIO(audio))
    uploaded = await client.files.upload(audio, filename="a.wav", purpose="ocr")
    by_id = await transcriptions.complete(model=MODEL, file_id=uploaded.id)
    url = "data:audio/wav;base64," + base64.b64encode(audio).decode()
    by_url = await transcriptions.complete(model=MODEL, file_url=url, language="en")
    assert by_bytes.text == by_object.text == by_id.text == by_url.text
    assert by_url.language == "en"


@pytest.mark.anyio
async def test_diarize_names_the_speakers(client: AsyncMistral) -> None:
    reply = await client.audio.transcriptions.complete(
        model=MODEL,
        file=wav_bytes(4.0, channels=2),
        diarize=True,
        timestamp_granularities=["segment"],
    )
    assert len(reply.speakers) >= 2
    assert all(segment.speaker_id for segment in reply.segments)


@pytest.mark.anyio
async def test_a_transcription_upload_is_sent_again_on_retry(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "again.wav", 0.5)
    server.faults.add("status", status=503, headers=QUICK_RETRY, path=TRANSCRIPTIONS)
    reply = await client.audio.transcriptions.complete(model=MODEL, file=path)
    assert reply.text
    server.exchanges.wait_idle()
    sent = [e for e in server.exchanges if e.path == TRANSCRIPTIONS]
    assert len(sent) == 2
    assert sent[0].request_body == sent[1].request_body


@pytest.mark.anyio
async def test_an_unseekable_file_object_is_sent_once(
    client: AsyncMistral, server: LocalServer
) -> None:
    class OneWay(io.BytesIO):
        def seekable(self) -> bool:
            return False

    server.faults.add("status", status=503, headers=QUICK_RETRY, path=TRANSCRIPTIONS)
    with pytest.raises(Exception, match="503|Service|unavailable"):
        await client.audio.transcriptions.complete(model=MODEL, file=OneWay(wav_bytes(0.2)))
    server.exchanges.wait_idle()
    assert len([e for e in server.exchanges if e.path == TRANSCRIPTIONS]) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({}, "file"),
        ({"file": b"x", "file_id": "f"}, "file_id"),
        ({"file": b"x", "diarize": True}, "timestamp_granularities"),
        ({"file": b"x", "diarize": True, "timestamp_granularities": ["word"]}, "timestamp_granularities"),
        ({"file": b"x", "language": "en", "timestamp_granularities": ["segment"]}, "language"),
        ({"file": b"x", "language": "english"}, "language"),
        ({"file": b"x", "context_bias": ["two words"]}, "context_bias"),
        ({"file": b"x", "timestamp_granularities": ["minute"]}, "timestamp_granularities"),
        ({"file": "/nowhere/talk.wav"}, "file"),
        ({"file": 3}, "file"),
        ({"file": b"x", "filename": 3}, "filename"),
        ({"file": b"x", "unknown": 1}, "unknown"),
    ],
)
async def test_transcription_argument_errors_before_sending(
    client: AsyncMistral, server: LocalServer, arguments: dict[str, Any], named: str
) -> None:
    with pytest.raises(ArgumentError, match=named):
        await client.audio.transcriptions.complete(model=MODEL, **arguments)
    assert len(server.exchanges) == 0


# -- speech ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_synthesise_speech_to_a_file(client: AsyncMistral, tmp_path: Path) -> None:
    reply = await client.audio.speech.complete(
        model=TTS, input="Hello there, world.", response_format="wav"
    )
    assert isinstance(reply, SpeechResponse)
    target = tmp_path / "hello.wav"
    size = reply.write_to(target)
    assert size == target.stat().st_size == len(reply.audio_bytes())
    info = read_wav_info(target.read_bytes())
    assert info.sample_rate == 24_000
    longer = await client.audio.speech.complete(
        input="Hello there, world. And a much longer sentence after it.", response_format="wav"
    )
    assert read_wav_info(longer.audio_bytes()).duration > info.duration


@pytest.mark.anyio
async def test_speech_with_reference_audio_bytes_and_refused_formats(
    client: AsyncMistral, server: LocalServer
) -> None:
    sample = wav_bytes(0.2)
    reply = await client.audio.speech.complete(input="Hi.", ref_audio=sample, response_format="pcm")
    assert len(reply.audio_bytes()) > 0
    server.exchanges.wait_idle()
    assert server.exchanges[-1].request_json()["ref_audio"] == base64.b64encode(sample).decode()
    with pytest.raises(BadRequestError, match="mp3"):
        await client.audio.speech.complete(input="Hi.", response_format="mp3")
    with pytest.raises(ArgumentError, match="response_format"):
        await client.audio.speech.complete(input="Hi.", response_format="ogg")  # type: ignore[typeddict-item]
    with pytest.raises(ArgumentError, match="input"):
        await client.audio.speech.complete(response_format="wav")  # type: ignore[call-arg]


# -- voices ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_voices_every_operation(client: AsyncMistral, tmp_path: Path) -> None:
    voices = client.audio.voices
    path = write_wav(tmp_path / "me.wav", 0.3, frequency=330.0)
    voice = await voices.create(name="Narrator", sample_audio=path, languages=["en"])
    assert isinstance(voice, VoiceResponse)
    assert (await voices.get(voice.id)).name == "Narrator"
    assert await voices.get_sample(voice.id) == path.read_bytes()
    target = tmp_path / "copy.wav"
    assert await voices.get_sample_to(voice.id, target) == target.stat().st_size
    assert target.read_bytes() == path.read_bytes()
    async with voices.download_sample(voice.id) as download:
        assert b"".join([chunk async for chunk in download.iter_bytes()]) == path.read_bytes()
    updated = await voices.update(voice.id, name="Storyteller", age=40)
    assert (updated.name, updated.age, updated.languages) == ("Storyteller", 40, ["en"])
    spoken = await client.audio.speech.complete(input="Hi.", voice_id=voice.id, response_format="wav")
    assert read_wav_info(spoken.audio_bytes()).duration > 0
    from_bytes = await voices.create(name="Bytes", sample_audio=b"RIFF....", sample_filename="b.wav")
    from_object = await voices.create(name="Object", sample_audio=io.BytesIO(b"sample"))
    assert (await voices.delete(voice.id)).id == voice.id
    with pytest.raises(NotFoundError):
        await voices.get(voice.id)
    for made in (from_bytes, from_object):
        await voices.delete(made.id)


@pytest.mark.anyio
async def test_voices_list_pages_by_limit_and_offset(client: AsyncMistral) -> None:
    voices = client.audio.voices
    made = [(await voices.create(name=f"P{n}", sample_audio=b"s")).id for n in range(5)]
    page = await voices.list(limit=2)
    assert isinstance(page, VoiceListResponse)
    assert page.page_size == 2
    every = [voice.id async for voice in voices.list(limit=2)]
    assert every[-5:] == made  # creation order, across pages
    assert len(every) == page.total
    skipped = [voice.id async for voice in voices.list(limit=2, offset=page.total - 3)]
    assert skipped == made[-3:]
    for voice_id in made:
        await voices.delete(voice_id)


@pytest.mark.anyio
async def test_voice_argument_errors(client: AsyncMistral, server: LocalServer, tmp_path: Path) -> None:
    voices = client.audio.voices
    with pytest.raises(ArgumentError, match="sample_audio"):
        await voices.create(name="x", sample_audio=tmp_path / "absent.wav")
    with pytest.raises(ArgumentError, match="sample_audio"):
        await voices.create(name="x")  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match="voice_id"):
        await voices.get("")
    with pytest.raises(ArgumentError, match="limit"):
        voices.list(limit="ten")  # type: ignore[arg-type]
    assert len(server.exchanges) == 0


# -- blocking ----------------------------------------------------------------------------------------


def test_sync_audio(sync_client: Mistral, tmp_path: Path) -> None:
    audio = sync_client.audio
    path = write_wav(tmp_path / "s.wav", 1.5)
    reply = audio.transcriptions.complete(model=MODEL, file=path, timestamp_granularities=["segment"])
    assert len(reply.segments) == 2
    speech = audio.speech.complete(input="Sync.", response_format="wav")
    assert read_wav_info(speech.audio_bytes()).duration > 0
    voice = audio.voices.create(name="Sync", sample_audio=path)
    assert audio.voices.get_sample(voice.id) == path.read_bytes()
    assert voice.id in [v.id for v in audio.voices.list(limit=3)]
    with audio.voices.download_sample(voice.id) as download:
        assert download.read() == path.read_bytes()
    assert audio.voices.delete(voice.id).id == voice.id


# -- batch -------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("backend", ["local", "batch-api"])
async def test_transcription_batch_lines_by_file_id(
    client: AsyncMistral, tmp_path: Path, backend: str
) -> None:
    uploaded = [
        await client.files.upload(wav_bytes(1.0 + n), filename=f"{n}.wav", purpose="ocr")
        for n in range(2)
    ]
    lines = [
        {"custom_id": f"a{n}", "body": {"file_id": file.id, "timestamp_granularities": ["segment"]}}
        for n, file in enumerate(uploaded)
    ]
    lines.append({"custom_id": "bad", "body": {"file": "inline"}})
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = tmp_path / "out.jsonl"
    runner = BatchRunner(client, endpoint=TRANSCRIPTIONS, model=MODEL)
    summary = await runner.run_file(str(source), str(output), backend=backend, poll_interval=0.02)  # type: ignore[arg-type]
    assert (summary.succeeded, summary.failed) == (2, 1)
    records = {r["custom_id"]: r for r in map(json.loads, output.read_text().splitlines())}
    segments = [len(records[f"a{n}"]["response"]["body"]["segments"]) for n in range(2)]
    assert segments == [1, 2]
    assert "file part" in records["bad"]["error"]["message"]


def test_unused_imports_are_used() -> None:
    assert httpx and APIConnectionError
