"""Rebuild a ``TranscriptionResponse`` from transcription stream events: pure, no I/O.

``transcription.text.delta`` events are concatenated into the text, ``transcription.segment``
events kept in arrival order as segments, ``transcription.language`` gives the language. The
last event, ``transcription.done``, carries the whole transcription and the usage: when it has
come, it is the answer, and only what it leaves empty (no segments, no language, no text) is
taken from the events before it. Events of a type this SDK does not know are skipped.
"""

from __future__ import annotations

from ..types.audio_transcriptions import (
    TranscriptionResponse,
    TranscriptionSegmentChunk,
    TranscriptionStreamDone,
    TranscriptionStreamEvent,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
)
from ..types.chat import UsageInfo


class TranscriptionAccumulator:
    """Feed it events with :meth:`add`; read the transcription so far with :meth:`response`.

    :param model: the model asked for, reported until ``transcription.done`` names it (no
        other event does).
    """

    def __init__(self, model: str = "") -> None:
        self.model = model
        self.language: str | None = None
        self.segments: list[TranscriptionStreamSegmentDelta] = []
        self.final: TranscriptionStreamDone | None = None
        """The ``transcription.done`` event, once it has come."""
        self._text: list[str] = []

    @property
    def done(self) -> bool:
        """Whether ``transcription.done`` has arrived."""
        return self.final is not None

    @property
    def usage(self) -> UsageInfo | None:
        return self.final.usage if self.final is not None else None

    @property
    def text(self) -> str:
        """The text of the deltas received so far."""
        return "".join(self._text)

    def add(self, event: TranscriptionStreamEvent) -> None:
        # One exact-type test per kind, the most frequent first: cheaper than a handler table
        # for four kinds, and an UnknownTranscriptionEvent falls through all of them.
        if type(event) is TranscriptionStreamTextDelta:
            self._text.append(event.text)
        elif type(event) is TranscriptionStreamSegmentDelta:
            self.segments.append(event)
        elif type(event) is TranscriptionStreamLanguage:
            self.language = event.audio_language
        elif type(event) is TranscriptionStreamDone:
            self.final = event

    def response(self) -> TranscriptionResponse:
        """The transcription as far as the stream has come (complete once it is ``done``)."""
        final = self.final
        segments = final.segments if final is not None else []
        if not segments:
            segments = [
                TranscriptionSegmentChunk(
                    text=s.text, start=s.start, end=s.end, speaker_id=s.speaker_id
                )
                for s in self.segments
            ]
        if final is None:
            return TranscriptionResponse(
                model=self.model, text=self.text, language=self.language, segments=segments
            )
        return TranscriptionResponse(
            model=final.model or self.model,
            text=final.text or self.text,
            language=final.language or self.language,
            segments=segments,
            usage=final.usage,
        )
