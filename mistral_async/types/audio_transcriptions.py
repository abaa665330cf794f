"""Transcription (``POST /v1/audio/transcriptions``): the request, the transcription, the stream.

The request is a ``multipart/form-data`` form: the audio is a file part (``file``) or given by
reference (``file_url``, or ``file_id`` of a file uploaded to ``/v1/files``), the other fields are
text parts (:func:`~mistral_async.types._form.form_fields`), and the constant ``stream`` field
tells the plain and the streamed operation apart. Three rules the live API enforces across
fields are checked by :func:`check_transcription_request`.

A streamed transcription is a stream of :data:`TranscriptionStreamEvent`: the detected language,
segments with their timestamps, text deltas, then ``transcription.done`` with the whole
transcription and the usage. Like the conversation streams it has no ``[DONE]``; an event type
added to the API later reads as :class:`UnknownTranscriptionEvent`. The spec defines no in-band
error event for this stream.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, Annotated, Any, Literal

from pydantic import Field, Tag, TypeAdapter
from typing_extensions import Required

from .._core.errors import ArgumentError
from ._base import MistralModel, ResponseModel
from ._form import FilePartParams
from ._unions import UnknownKind, type_discriminator
from .chat import UsageInfo
from .model_names import TranscriptionModelName

TimestampGranularity = Literal["segment", "word"]
LanguageCode = Annotated[str, Field(pattern=r"^\w{2}$")]
"""A two-letter language code (``en``, ``fr``)."""
ContextBiasTerm = Annotated[str, Field(pattern=r"^[^,\s]+$")]
"""A word or name to favour, without spaces or commas."""
FileURL = Annotated[str, Field(min_length=1, max_length=2083)]
# Spelled out rather than imported from the resources: types do not import the layers above.
AudioInput = str | os.PathLike[str] | bytes | IO[bytes]
"""A path, the audio itself, or a binary file object: what ``files.upload`` takes."""

TranscriptionStreamEventTypes = Literal[
    "transcription.language",
    "transcription.segment",
    "transcription.text.delta",
    "transcription.done",
]
"""The event names the spec lists."""

# -- requests ----------------------------------------------------------------------------------


class _TranscriptionRequestFields(MistralModel):
    model: str
    file: Any = Field(default=None, exclude=True)
    """The audio sent as the file part: an :data:`AudioInput`, turned into a part by the
    resource (as ``files.upload`` does), so it is neither validated nor dumped here."""
    file_url: FileURL | None = None
    file_id: str | None = None
    language: LanguageCode | None = None
    temperature: float | None = None
    diarize: bool | None = None
    context_bias: list[ContextBiasTerm] | None = None
    timestamp_granularities: list[TimestampGranularity] | None = None


class AudioTranscriptionRequest(_TranscriptionRequestFields):
    """The form of ``POST /v1/audio/transcriptions``; validated strictly before sending."""

    stream: Literal[False] = False


class AudioTranscriptionRequestStream(_TranscriptionRequestFields):
    """The form of the streamed ``POST /v1/audio/transcriptions``."""

    stream: Literal[True] = True


_AUDIO_SOURCES = ("file", "file_url", "file_id")


def check_transcription_request(
    request: AudioTranscriptionRequest | AudioTranscriptionRequestStream,
) -> None:
    """Refuse, with an ``ArgumentError``, the field combinations the live API rejects (with a
    422 that names none of your arguments):

    - the audio must come from exactly one of ``file``, ``file_url`` and ``file_id``;
    - ``diarize=True`` without streaming needs ``timestamp_granularities=["segment"]``;
    - ``language`` cannot be combined with ``timestamp_granularities``.
    """
    given = [name for name in _AUDIO_SOURCES if getattr(request, name) is not None]
    if not given:
        raise ArgumentError("file", "give the audio as one of file, file_url or file_id")
    if len(given) > 1:
        raise ArgumentError(
            given[1], f"give only one of file, file_url or file_id (got {' and '.join(given)})"
        )
    granularities = request.timestamp_granularities or []
    if request.diarize and not request.stream and granularities != ["segment"]:
        raise ArgumentError(
            "timestamp_granularities",
            f'must be ["segment"] with diarize=True when not streaming, got {granularities}',
        )
    if request.language is not None and granularities:
        raise ArgumentError(
            "language", "cannot be combined with timestamp_granularities (the API refuses both)"
        )


class TranscriptionParams(FilePartParams, total=False):
    """The keyword arguments of ``audio.transcriptions.complete`` and ``stream`` (with
    ``filename`` and ``content_type`` for the part when ``file`` is given)."""

    model: Required[TranscriptionModelName]
    """``voxtral-mini-latest``..."""
    file: AudioInput | None
    """The audio: a path, ``bytes`` or a binary file object (one of ``file``, ``file_url``,
    ``file_id``)."""
    file_url: str | None
    """A URL the API fetches the audio from."""
    file_id: str | None
    """The id of an audio file uploaded with ``files.upload``."""
    language: str | None
    """The audio's language (``en``), which can improve accuracy; not with timestamps."""
    temperature: float | None
    diarize: bool | None
    """Tell the speakers apart (``speaker_id`` on each segment); without streaming, needs
    ``timestamp_granularities=["segment"]``."""
    context_bias: Sequence[str] | None
    """Words and names to favour (no spaces or commas in each)."""
    timestamp_granularities: Sequence[TimestampGranularity] | None
    """``["segment"]`` for segments with start and end times."""


# -- replies -----------------------------------------------------------------------------------


class TranscriptionSegmentChunk(MistralModel):
    """A stretch of the audio and its text; times are in seconds from the start."""

    type: Literal["transcription_segment"] = "transcription_segment"
    text: str
    start: float
    end: float
    score: float | None = None
    speaker_id: str | None = None
    """Who speaks (``speaker_1``...) when the request asked to ``diarize``."""


class _Transcription(MistralModel):
    model: str
    text: str
    # Defaults where the spec requires the field: language is null unless detected or given,
    # and a deployment that leaves out an empty field should still read.
    language: str | None = None
    segments: list[TranscriptionSegmentChunk] = []
    """Filled when the request asked for ``segment`` timestamps (or to ``diarize``)."""
    usage: UsageInfo = Field(default_factory=UsageInfo)
    """``prompt_audio_seconds`` tells how much audio was billed."""

    @property
    def speakers(self) -> list[str]:
        """The speakers of the segments, in order of first appearance."""
        return list(dict.fromkeys(s.speaker_id for s in self.segments if s.speaker_id))


class TranscriptionResponse(_Transcription, ResponseModel):
    """What a transcription answers: the text, its language, segments and usage."""


# -- stream events -----------------------------------------------------------------------------


class TranscriptionStreamLanguage(MistralModel):
    """The language of the audio, once detected."""

    type: Literal["transcription.language"] = "transcription.language"
    audio_language: str


class TranscriptionStreamSegmentDelta(MistralModel):
    """A finished segment, with its times (and speaker)."""

    type: Literal["transcription.segment"] = "transcription.segment"
    text: str
    start: float
    end: float
    speaker_id: str | None = None


class TranscriptionStreamTextDelta(MistralModel):
    """More of the text."""

    type: Literal["transcription.text.delta"] = "transcription.text.delta"
    text: str


class TranscriptionStreamDone(_Transcription):
    """The last event: the whole transcription and the usage."""

    type: Literal["transcription.done"] = "transcription.done"


class UnknownTranscriptionEvent(UnknownKind):
    """An event type this SDK does not know yet (see ``raw``)."""


TranscriptionStreamEvent = Annotated[
    Annotated[TranscriptionStreamLanguage, Tag("TranscriptionStreamLanguage")]
    | Annotated[TranscriptionStreamSegmentDelta, Tag("TranscriptionStreamSegmentDelta")]
    | Annotated[TranscriptionStreamTextDelta, Tag("TranscriptionStreamTextDelta")]
    | Annotated[TranscriptionStreamDone, Tag("TranscriptionStreamDone")]
    | Annotated[UnknownTranscriptionEvent, Tag("UnknownTranscriptionEvent")],
    type_discriminator(
        TranscriptionStreamLanguage,
        TranscriptionStreamSegmentDelta,
        TranscriptionStreamTextDelta,
        TranscriptionStreamDone,
        fallback=UnknownTranscriptionEvent,
    ),
]
"""The ``data`` of a transcription stream event, told apart by ``type``."""

transcription_event_adapter: TypeAdapter[TranscriptionStreamEvent] = TypeAdapter(
    TranscriptionStreamEvent
)
"""Reads one event's ``data``: ``transcription_event_adapter.validate_json(sse.data)``."""


class TranscriptionStreamEvents(MistralModel):
    """One server-sent event as the spec describes it: its name and its data."""

    event: str
    """One of ``TranscriptionStreamEventTypes`` (a ``str``: new names must not break a
    stream)."""
    data: TranscriptionStreamEvent
