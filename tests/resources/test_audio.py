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

import pytest

from mistral_async import (
    APIConnectionError,
    APIResponseValidationError,
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    BatchRunner,
    Mistral,
    NotFoundError,
    StreamError,
    StreamIdleTimeoutError,
)
from mistral_async.testing import LocalServer
from mistral_async.testing._spec.multipart import multipart_files, parse_multipart
from mistral_async.types.audio import (
    SpeechResponse,
    TranscriptionResponse,
    TranscriptionStreamTextDelta,
    VoiceListResponse,
    VoiceResponse,
)
from tests._support.audio import read_wav_info, wav_bytes, write_wav

MODEL = "voxtral-mini-latest"
TTS = "voxtral-tts-latest"
QUICK_RETRY = {"retry-after-ms": "10"}
TRANSCRIPTIONS = "/v1/audio/transcriptions"


def fast_retries(client: AsyncMistral) -> None:
    """Make backoff near-instant so tests do not sleep for real."""
    from mistral_async._core.retry import RetryPolicy

    client._policy = lambda options: RetryPolicy(  # type: ignore[method-assign]
        max_retries=options.get("max_retries", client.max_retries), initial_delay=0.01
    )


def last_form(server: LocalServer, path: str = TRANSCRIPTIONS) -> dict[str, Any]:
    """The form fields of the last request to ``path``."""
    server.exchanges.wait_idle()
    exchange = [e for e in server.exchanges if e.path == path][-1]
    return parse_multipart(exchange.request_body, exchange.request_content_type)


# -- transcriptions --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_transcribe_a_file_by_path(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "talk.wav", 2.5)
    reply = await client.audio.transcriptions.complete(
        model=MODEL,
        file=path,
        timestamp_granularities=["segment"],
        context_bias=["Voxtral", "Le_Chat"],
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
    assert part.content_type in ("audio/wav", "audio/x-wav")  # mimetypes differ by Python
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
    with pytest.raises(Exception, match=r"503|Service|unavailable"):
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
        (
            {"file": b"x", "diarize": True, "timestamp_granularities": ["word"]},
            "timestamp_granularities",
        ),
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


@pytest.mark.anyio
async def test_stream_a_transcription_event_by_event(
    client: AsyncMistral, server: LocalServer
) -> None:
    audio = wav_bytes(2.0, channels=2)
    stream = client.audio.transcriptions.stream(model=MODEL, file=audio, diarize=True)
    assert len(server.exchanges) == 0  # nothing sent until used
    kinds = []
    async with stream:
        async for event in stream:
            kinds.append(type(event).__name__)
            if type(event) is TranscriptionStreamTextDelta:
                assert stream.current_transcription().text.endswith(event.text)
    assert kinds[0] == "TranscriptionStreamLanguage"
    assert kinds[-1] == "TranscriptionStreamDone"
    assert kinds.count("TranscriptionStreamSegmentDelta") == 2
    final = await stream.get_final_transcription()
    whole = await client.audio.transcriptions.complete(
        model=MODEL, file=audio, diarize=True, timestamp_granularities=["segment"]
    )
    assert final.text == whole.text
    assert final.speakers == whole.speakers
    assert last_form(server)["stream"] == ["false"]
    server.exchanges.wait_idle()
    streamed = next(e for e in server.exchanges if e.path == TRANSCRIPTIONS)
    assert parse_multipart(streamed.request_body, streamed.request_content_type)["stream"] == [
        "true"
    ]


@pytest.mark.anyio
async def test_text_deltas_join_to_the_text(client: AsyncMistral) -> None:
    stream = client.audio.transcriptions.stream(model=MODEL, file=wav_bytes(1.5), language="fr")
    text = "".join([delta async for delta in stream.text_deltas()])
    final = await stream.get_final_transcription()
    assert text == final.text
    assert final.language == "fr"
    assert final.usage.prompt_audio_seconds == 2


@pytest.mark.anyio
async def test_a_stream_opens_its_path_when_sent_and_closes_it_at_the_end(
    client: AsyncMistral, tmp_path: Path
) -> None:
    path = write_wav(tmp_path / "late.wav", 1.0)
    stream = client.audio.transcriptions.stream(model=MODEL, file=path)
    [content] = [part[1] for name, part in stream._request.files if name == "file"]
    assert content.tell() == 0
    assert content._handle is None  # not opened yet
    write_wav(path, 3.0)  # what is there when the request is sent is what goes
    final = await stream.get_final_transcription()
    assert final.usage.prompt_audio_seconds == 3
    assert content.closed
    with pytest.raises(ArgumentError, match="file"):
        client.audio.transcriptions.stream(model=MODEL, file=tmp_path / "absent.wav")


@pytest.mark.anyio
async def test_transcription_stream_faults(client: AsyncMistral, server: LocalServer) -> None:
    fast_retries(client)
    audio = wav_bytes(2.0)
    server.faults.add("cut_stream", after_events=0, path=TRANSCRIPTIONS)
    async with client.audio.transcriptions.stream(model=MODEL, file=audio) as stream:
        assert (await stream.get_final_transcription()).text  # cut before any event: retried
    assert stream.response_info is not None
    assert stream.response_info.retries == 1
    server.faults.add("cut_stream", after_events=2, path=TRANSCRIPTIONS)
    seen = 0
    # A cut the transport sees (a chunked body left unfinished), or one only the missing final
    # event reveals: both are errors, never a short transcription.
    with pytest.raises((APIConnectionError, APIResponseValidationError)):
        async for _ in client.audio.transcriptions.stream(model=MODEL, file=audio):
            seen += 1
    assert seen == 2
    server.faults.add(
        "stream_error", after_events=1, message="decoding failed", path=TRANSCRIPTIONS
    )
    with pytest.raises(StreamError, match="decoding failed"):
        async for _ in client.audio.transcriptions.stream(model=MODEL, file=audio):
            pass
    server.faults.add("stall", seconds=5, after_events=1, path=TRANSCRIPTIONS)
    with pytest.raises(StreamIdleTimeoutError):
        async for _ in client.audio.transcriptions.stream(
            model=MODEL, file=audio, idle_timeout=0.2
        ):
            pass


@pytest.mark.anyio
async def test_transcription_stream_argument_errors(
    client: AsyncMistral, server: LocalServer
) -> None:
    streams = client.audio.transcriptions
    with pytest.raises(ArgumentError, match="file"):
        streams.stream(model=MODEL)
    with pytest.raises(ArgumentError, match="language"):
        streams.stream(model=MODEL, file=b"x", language="en", timestamp_granularities=["segment"])
    with pytest.raises(ArgumentError, match="idle_timeout"):
        streams.stream(model=MODEL, file=b"x", idle_timeout=-1)
    # diarize without granularities is fine when streaming
    assert streams.stream(model=MODEL, file=b"x", diarize=True) is not None
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


@pytest.mark.anyio
async def test_stream_speech_piece_by_piece(client: AsyncMistral, tmp_path: Path) -> None:
    text = "A sentence long enough to come in several pieces of audio."
    whole = (await client.audio.speech.complete(input=text, response_format="wav")).audio_bytes()
    stream = client.audio.speech.stream(input=text, response_format="wav")
    pieces = [piece async for piece in stream.iter_audio()]
    assert len(pieces) > 2
    assert b"".join(pieces) == whole == await stream.get_final_audio()
    assert stream.usage is not None
    assert stream.usage.total_tokens > 0
    events = [
        type(e).__name__
        async for e in client.audio.speech.stream(input="Hi.", response_format="pcm")
    ]
    assert events[-1] == "SpeechStreamDone"
    assert set(events[:-1]) == {"SpeechStreamAudioDelta"}


@pytest.mark.anyio
async def test_speech_stream_faults(client: AsyncMistral, server: LocalServer) -> None:
    server.faults.add("stream_error", after_events=1, message="TTS failed", path="/v1/audio/speech")
    stream = client.audio.speech.stream(input="Hello there.", response_format="wav")
    with pytest.raises(StreamError, match="TTS failed"):
        async for _ in stream.iter_audio():
            pass
    server.faults.add("cut_stream", after_events=1, path="/v1/audio/speech")
    with pytest.raises((APIConnectionError, APIResponseValidationError)):
        await client.audio.speech.stream(
            input="Hello there.", response_format="wav"
        ).get_final_audio()


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
    spoken = await client.audio.speech.complete(
        input="Hi.", voice_id=voice.id, response_format="wav"
    )
    assert read_wav_info(spoken.audio_bytes()).duration > 0
    from_bytes = await voices.create(
        name="Bytes", sample_audio=b"RIFF....", sample_filename="b.wav"
    )
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
async def test_voice_argument_errors(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
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


# -- blocking --------------------------------------------------------------------------------------


def test_sync_audio(sync_client: Mistral, tmp_path: Path) -> None:
    audio = sync_client.audio
    path = write_wav(tmp_path / "s.wav", 1.5)
    reply = audio.transcriptions.complete(
        model=MODEL, file=path, timestamp_granularities=["segment"]
    )
    assert len(reply.segments) == 2
    speech = audio.speech.complete(input="Sync.", response_format="wav")
    assert read_wav_info(speech.audio_bytes()).duration > 0
    voice = audio.voices.create(name="Sync", sample_audio=path)
    assert audio.voices.get_sample(voice.id) == path.read_bytes()
    assert voice.id in [v.id for v in audio.voices.list(limit=3)]
    with audio.voices.download_sample(voice.id) as download:
        assert download.read() == path.read_bytes()
    assert audio.voices.delete(voice.id).id == voice.id
    stream = audio.transcriptions.stream(model=MODEL, file=path)
    assert "".join(stream.text_deltas()) == stream.get_final_transcription().text
    spoken = audio.speech.stream(input="Sync.", response_format="wav")
    assert b"".join(spoken.iter_audio()) == speech.audio_bytes()


# -- batch -----------------------------------------------------------------------------------------


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
