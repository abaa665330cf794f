"""Collect the audio of a speech stream: pure, no I/O.

Each ``speech.audio.delta`` carries the next piece of the audio file as base64 text; the pieces
decoded and joined in arrival order make the file. ``speech.audio.done`` ends the stream with
the usage. Events of a type this SDK does not know are skipped.
"""

from __future__ import annotations

from ..types.audio_speech import (
    SpeechStreamAudioDelta,
    SpeechStreamDone,
    SpeechStreamEvent,
    decode_audio,
)
from ..types.chat import UsageInfo


class SpeechAccumulator:
    """Feed it events with :meth:`add`, which returns each piece's bytes as it decodes them
    (what ``iter_audio()`` yields, decoded once); :meth:`audio_bytes` joins the pieces.

    :param keep_audio: keep the pieces for :meth:`audio_bytes`; turn it off when the audio is
        written out as it arrives, so that a long speech is not held in memory as well.
    """

    def __init__(self, *, keep_audio: bool = True) -> None:
        self.keep_audio = keep_audio
        self.chunks: list[bytes] = []
        """The decoded pieces in arrival order (empty when ``keep_audio`` is off)."""
        self.size = 0
        """The bytes of audio received so far (counted even when not kept)."""
        self.usage: UsageInfo | None = None
        self.done = False
        """Whether ``speech.audio.done`` has arrived."""

    def add(self, event: SpeechStreamEvent) -> bytes:
        """Take one event; return the audio it carries (``b""`` for the others)."""
        if type(event) is SpeechStreamAudioDelta:
            chunk = decode_audio(event.audio_data)
            self.size += len(chunk)
            if self.keep_audio:
                self.chunks.append(chunk)
            return chunk
        if type(event) is SpeechStreamDone:
            self.usage = event.usage
            self.done = True
        return b""

    def audio_bytes(self) -> bytes:
        """The audio received so far, as one file (complete once it is ``done``)."""
        return b"".join(self.chunks)
