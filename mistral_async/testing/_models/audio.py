"""The simulated audio models: transcription (Voxtral) and speech, deterministic and pure.

Transcription reads the audio it is given:

- A WAV file (what the standard library's ``wave`` module reads) is measured from its header
  and its frames: duration, sample rate, channels. Other audio (mp3, ogg...) cannot be decoded
  without a codec; its duration is estimated from its size at 128 kbit/s.
- The transcript has one segment per second of audio (the last one shorter), each a short
  sentence whose words are chosen by a hash of that second's bytes: the same audio always
  gives the same text, and different audio different text. ``context_bias`` terms each appear
  once in the text; ``diarize`` gives the segments speakers (``speaker_1``...), taking turns
  every two segments; a given ``language`` is the reply's, otherwise ``en`` is detected.
  ``temperature`` changes nothing: the simulation is deterministic.
- Segments are in the reply when ``timestamp_granularities`` holds ``segment``; with only
  ``word``, the chunks are words (each a ``transcription_segment`` with its share of the
  second). A stream sends the language, then per segment its words as text deltas and (with
  segments asked for, or ``diarize``) the segment, then ``transcription.done``.

Speech writes a real, playable file: a WAV (or the same frames as raw PCM: 16-bit signed
little-endian mono at 24 kHz) where each character of the input is 40 ms of sound, a tone whose
pitch the voice chooses, spaces and punctuation are silence, so the audio grows with the text.
mp3, flac and opus need codecs the standard library lacks: they are refused with a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import wave
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._spec.error_bodies import ApiError
from .text import count_tokens

# -- reading audio -----------------------------------------------------------------------------

_COMPRESSED_BYTES_PER_SECOND = 16_000  # 128 kbit/s, a common mp3 rate
AUDIO_TOKENS_PER_SECOND = 12.5  # what Voxtral's audio encoder produces


@dataclass(frozen=True)
class AudioInfo:
    """What the simulation knows of the audio: its length, and (for WAV) its format.

    :param seconds_bytes: the bytes of each second of audio, which choose its words.
    """

    duration: float
    sample_rate: int | None
    channels: int
    seconds_bytes: tuple[bytes, ...]


def read_audio(content: bytes) -> AudioInfo:
    """Measure audio given as a file's bytes (see the module docstring).

    :raises ApiError: 400 for an empty file.
    """
    if not content:
        raise ApiError(400, "The audio file is empty", param="file")
    try:
        with wave.open(io.BytesIO(content), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            # The frames actually there: a header may announce more than the file holds.
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, ValueError):
        return _compressed(content)
    frame_size = max(1, channels * width)
    count = len(frames) // frame_size
    if rate <= 0:
        return _compressed(content)
    second = rate * frame_size
    pieces = tuple(frames[start : start + second] for start in range(0, len(frames), second))
    return AudioInfo(count / rate, rate, channels, pieces)


def _compressed(content: bytes) -> AudioInfo:
    step = _COMPRESSED_BYTES_PER_SECOND
    pieces = tuple(content[start : start + step] for start in range(0, len(content), step))
    return AudioInfo(len(content) / step, None, 1, pieces)


def audio_from_url(url: str) -> AudioInfo:
    """Audio given by URL: a ``data:`` URL carries its bytes; any other URL is never fetched
    (the server does not go out): it reads as three seconds of audio chosen by the URL."""
    if url.startswith("data:") and "," in url:
        meta, _, data = url.partition(",")
        try:
            content = base64.b64decode(data) if meta.endswith(";base64") else data.encode()
        except binascii.Error:
            raise ApiError(
                400, "The file_url data URL is not valid base64", param="file_url"
            ) from None
        return read_audio(content)
    seed = url.encode()
    return AudioInfo(3.0, None, 1, tuple(seed + bytes([n]) for n in range(3)))


# -- transcription -----------------------------------------------------------------------------

_WORDS = (
    "the", "team", "shipped", "a", "new", "release", "today", "and", "everyone", "was",
    "glad", "we", "tested", "every", "part", "of", "it", "carefully", "before", "noon",
    "then", "our", "users", "found", "nothing", "broken", "so", "lunch", "came", "early",
    "weather", "looks", "calm", "over", "river", "bridge", "morning", "train", "arrives",
    "late", "again", "please", "remember", "meeting", "notes", "coffee", "is", "ready",
)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    text: str
    start: float
    end: float
    score: float
    speaker_id: str | None


def _sentence(piece: bytes, index: int) -> tuple[str, float]:
    """Words for one second of audio, and a confidence score, both from its bytes."""
    digest = hashlib.sha256(piece + index.to_bytes(4, "big")).digest()
    count = 3 + digest[0] % 4
    words = [_WORDS[digest[1 + n] % len(_WORDS)] for n in range(count)]
    return " ".join(words).capitalize(), round(0.85 + digest[10] / 1700, 3)


def transcribe_segments(audio: AudioInfo, request: Mapping[str, Any]) -> list[Segment]:
    """One segment per second of ``audio`` (see the module docstring)."""
    bias: Sequence[str] = request.get("context_bias") or []
    count = len(audio.seconds_bytes)
    sentences = [_sentence(piece, index) for index, piece in enumerate(audio.seconds_bytes)]
    texts = [text for text, _ in sentences]
    for position, term in enumerate(bias):
        if count:
            texts[position % count] += f" {term}"
    speakers = 0
    if request.get("diarize") and count:
        digest = hashlib.sha256(b"".join(audio.seconds_bytes[:1])).digest()
        speakers = min(count, 1 + digest[0] % 2 + (audio.channels > 1))
    segments = []
    for index, ((_, score), text) in enumerate(zip(sentences, texts, strict=True)):
        start = float(index)
        end = round(min(float(index + 1), audio.duration), 3)
        speaker = f"speaker_{1 + (index // 2) % speakers}" if speakers else None
        segments.append(Segment((" " if index else "") + text + ".", start, end, score, speaker))
    return segments


def _word_chunks(segments: list[Segment]) -> list[Segment]:
    """Each segment's words, sharing its time evenly."""
    out: list[Segment] = []
    for segment in segments:
        words = segment.text.split()
        share = (segment.end - segment.start) / len(words)
        for n, word in enumerate(words):
            start = round(segment.start + n * share, 3)
            spaced = word if not out else " " + word
            end = round(start + share, 3)
            out.append(Segment(spaced, start, end, segment.score, segment.speaker_id))
    return out


def _chunk_json(segment: Segment) -> dict[str, Any]:
    return {
        "type": "transcription_segment",
        "text": segment.text,
        "start": segment.start,
        "end": segment.end,
        "score": segment.score,
        "speaker_id": segment.speaker_id,
    }


def _granularities(request: Mapping[str, Any]) -> list[str]:
    found = request.get("timestamp_granularities") or []
    return [found] if isinstance(found, str) else list(found)


def transcription(audio: AudioInfo, request: Mapping[str, Any], model: str) -> dict[str, Any]:
    """The spec's ``TranscriptionResponse`` for ``audio`` and the request's options."""
    segments = transcribe_segments(audio, request)
    text = "".join(segment.text for segment in segments)
    granularities = _granularities(request)
    chunks = segments if "segment" in granularities else []
    if "word" in granularities and "segment" not in granularities:
        chunks = _word_chunks(segments)
    audio_tokens = math.ceil(audio.duration * AUDIO_TOKENS_PER_SECOND)
    completion = count_tokens(text)
    return {
        "model": model,
        "text": text,
        "language": request.get("language") or "en",
        "segments": [_chunk_json(chunk) for chunk in chunks],
        "usage": {
            "prompt_tokens": audio_tokens,
            "completion_tokens": completion,
            "total_tokens": audio_tokens + completion,
            "prompt_audio_seconds": math.ceil(audio.duration),
        },
    }


def transcription_events(
    audio: AudioInfo, request: Mapping[str, Any], model: str
) -> Iterator[dict[str, Any]]:
    """The ``data`` of each event of a streamed transcription, in order (each has its
    ``type``, which is also the event's name)."""
    final = transcription(audio, request, model)
    yield {"type": "transcription.language", "audio_language": final["language"]}
    with_segments = "segment" in _granularities(request) or bool(request.get("diarize"))
    for segment in transcribe_segments(audio, request):
        words = segment.text.split(" ")
        for n, word in enumerate(words):
            if word:
                yield {"type": "transcription.text.delta", "text": (" " if n else "") + word}
        if with_segments:
            yield {
                "type": "transcription.segment",
                "text": segment.text,
                "start": segment.start,
                "end": segment.end,
                "speaker_id": segment.speaker_id,
            }
    yield {**final, "type": "transcription.done"}


# -- speech ------------------------------------------------------------------------------------

SAMPLE_RATE = 24_000
SECONDS_PER_CHARACTER = 0.04
MAX_INPUT_CHARACTERS = 5_000  # 200 s of audio, 9.6 MB: one request cannot hold the server
WRITABLE_FORMATS = ("wav", "pcm")
_FRAMES_PER_CHARACTER = round(SAMPLE_RATE * SECONDS_PER_CHARACTER)
_STREAM_CHUNK = SAMPLE_RATE * 2 // 4  # a quarter of a second of frames per event


def _tone_period(voice: str) -> array[int]:
    """One period of the voice's tone (90 to 300 Hz, chosen by a hash of the voice)."""
    period = 80 + hashlib.sha256(voice.encode()).digest()[0] % 187
    peak = 0.3 * 32767
    return array("h", (round(peak * math.sin(2 * math.pi * n / period)) for n in range(period)))


def speech_frames(text: str, voice: str) -> bytes:
    """16-bit mono frames at :data:`SAMPLE_RATE` saying ``text`` in ``voice``."""
    period = _tone_period(voice)
    sound = period * (_FRAMES_PER_CHARACTER // len(period) + 1)
    tone = sound[:_FRAMES_PER_CHARACTER].tobytes()
    silence = bytes(2 * _FRAMES_PER_CHARACTER)
    # Built per character from two fixed pieces: fast even for the longest input.
    return b"".join(tone if char.isalnum() else silence for char in text) or silence


def speech_audio(text: str, voice: str, response_format: str) -> bytes:
    """The file ``text`` says in ``voice``, as ``wav`` or ``pcm``.

    :raises ApiError: 400 for a format the standard library cannot write, or a text longer
        than :data:`MAX_INPUT_CHARACTERS`.
    """
    if response_format not in WRITABLE_FORMATS:
        message = (
            f"The local server cannot encode {response_format} audio (it writes only wav and"
            " pcm, with the standard library): ask for response_format 'wav' or 'pcm'"
        )
        raise ApiError(400, message, param="response_format")
    if len(text) > MAX_INPUT_CHARACTERS:
        message = f"input is longer than {MAX_INPUT_CHARACTERS} characters"
        raise ApiError(400, message, param="input")
    frames = speech_frames(text, voice)
    if response_format == "pcm":
        return frames
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)
    return buffer.getvalue()


def speech_usage(text: str, audio: bytes) -> dict[str, Any]:
    prompt = count_tokens(text)
    completion = math.ceil(len(audio) / (2 * SAMPLE_RATE) * AUDIO_TOKENS_PER_SECOND)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def speech_events(text: str, audio: bytes) -> Iterator[dict[str, Any]]:
    """The ``data`` of each event of a streamed speech: the file in pieces, then the usage."""
    for start in range(0, len(audio), _STREAM_CHUNK):
        piece = base64.b64encode(audio[start : start + _STREAM_CHUNK]).decode()
        yield {"type": "speech.audio.delta", "audio_data": piece}
    yield {"type": "speech.audio.done", "usage": speech_usage(text, audio)}
