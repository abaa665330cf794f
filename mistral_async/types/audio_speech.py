"""Speech (``POST /v1/audio/speech``): text to audio, whole or streamed.

The API sends audio as base64 text, in the JSON reply (``audio_data``) or in each
``speech.audio.delta`` event of a stream; :meth:`SpeechResponse.audio_bytes` and
:meth:`SpeechStreamAudioDelta.audio_bytes` give the bytes. A stream ends with
``speech.audio.done`` and its usage, with no ``[DONE]``; an event type added to the API later
reads as :class:`UnknownSpeechEvent`. The spec defines no in-band error event for this stream.
"""

from __future__ import annotations

import binascii
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Tag, TypeAdapter
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from ._unions import UnknownKind, type_discriminator
from .chat import UsageInfo

SpeechOutputFormat = Literal["pcm", "wav", "mp3", "flac", "opus"]
"""The audio encoding of the reply (the API's default is ``mp3``)."""
SpeechStreamEventTypes = Literal["speech.audio.delta", "speech.audio.done"]
"""The event names the spec lists."""


def decode_audio(audio_data: str) -> bytes:
    """The bytes of base64 audio text (characters outside the base64 alphabet, such as line
    breaks, are skipped, as ``base64.b64decode`` does)."""
    # binascii directly: b64decode first copies the text into bytes, a third of the cost of
    # decoding a stream's audio piece.
    return binascii.a2b_base64(audio_data)


# -- request -----------------------------------------------------------------------------------


class SpeechRequest(MistralModel):
    """The body of ``POST /v1/audio/speech``; validated strictly before sending."""

    model: str | None = None
    stream: bool = False
    """``True`` asks for an event stream instead of one JSON reply."""
    voice_id: str | None = None
    ref_audio: str | None = None
    """A short recording of the voice to imitate, base64-encoded."""
    input: str
    response_format: SpeechOutputFormat | None = None


class SpeechParams(TypedDict, total=False):
    """The keyword arguments of ``audio.speech.complete`` and ``stream``."""

    model: str | None
    input: Required[str]
    """The text to say."""
    voice_id: str | None
    """A preset voice, or one made with ``audio.voices.create``."""
    ref_audio: str | bytes | None
    """A short recording of the voice to imitate instead (base64 text, or the audio bytes)."""
    response_format: SpeechOutputFormat | None
    """``mp3`` (the API's default), ``wav``, ``pcm``, ``flac`` or ``opus``."""


# -- replies -----------------------------------------------------------------------------------


class SpeechResponse(ResponseModel):
    """The speech, as one audio file in the requested format."""

    audio_data: str
    """The audio as base64 text (see :meth:`audio_bytes`)."""

    def audio_bytes(self) -> bytes:
        """The audio file's bytes."""
        return decode_audio(self.audio_data)

    def write_to(self, path: str | os.PathLike[str]) -> int:
        """Write the audio file to ``path`` (replaced if it exists); return its size."""
        data = self.audio_bytes()
        Path(path).write_bytes(data)
        return len(data)


class SpeechStreamAudioDelta(MistralModel):
    """The next piece of the audio; the pieces joined in order make the file."""

    type: Literal["speech.audio.delta"] = "speech.audio.delta"
    audio_data: str

    def audio_bytes(self) -> bytes:
        return decode_audio(self.audio_data)


class SpeechStreamDone(MistralModel):
    """The last event of a speech stream."""

    type: Literal["speech.audio.done"] = "speech.audio.done"
    usage: UsageInfo


class UnknownSpeechEvent(UnknownKind):
    """An event type this SDK does not know yet (see ``raw``)."""


SpeechStreamEvent = Annotated[
    Annotated[SpeechStreamAudioDelta, Tag("SpeechStreamAudioDelta")]
    | Annotated[SpeechStreamDone, Tag("SpeechStreamDone")]
    | Annotated[UnknownSpeechEvent, Tag("UnknownSpeechEvent")],
    type_discriminator(SpeechStreamAudioDelta, SpeechStreamDone, fallback=UnknownSpeechEvent),
]
"""The ``data`` of a speech stream event, told apart by ``type``."""

speech_event_adapter: TypeAdapter[SpeechStreamEvent] = TypeAdapter(SpeechStreamEvent)
"""Reads one event's ``data``: ``speech_event_adapter.validate_json(sse.data)``."""


class SpeechStreamEvents(MistralModel):
    """One server-sent event as the spec describes it: its name and its data."""

    event: str
    """One of ``SpeechStreamEventTypes`` (a ``str``: new names must not break a stream)."""
    data: SpeechStreamEvent
