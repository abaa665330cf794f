"""Real audio for the tests: WAV files made with the standard library's ``wave`` module.

A sine tone (or silence) of a given duration, sample rate, channel count and sample width, so
that what reads a WAV header (the local server's transcription, a player) sees a genuine file.
"""

from __future__ import annotations

import io
import math
import os
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Array type codes for each sample width; WAV stores 8-bit samples unsigned, wider ones signed.
_TYPECODES = {1: "B", 2: "h", 4: "i"}


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says."""

    channels: int
    sample_rate: int
    sample_width: int
    frames: int

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.frames / self.sample_rate


def wav_bytes(
    duration: float = 1.0,
    *,
    sample_rate: int = 16_000,
    channels: int = 1,
    sample_width: int = 2,
    frequency: float = 440.0,
    amplitude: float = 0.5,
) -> bytes:
    """A WAV file of a sine tone; ``frequency=0`` (or ``amplitude=0``) gives silence.

    Every channel carries the same tone. ``sample_width`` is in bytes: 1, 2 or 4.
    """
    if sample_width not in _TYPECODES:
        raise ValueError(f"sample_width must be 1, 2 or 4, got {sample_width}")
    if duration < 0 or sample_rate <= 0 or channels <= 0 or not 0 <= amplitude <= 1:
        raise ValueError("need duration >= 0, sample_rate > 0, channels > 0, 0 <= amplitude <= 1")
    frames = round(duration * sample_rate)
    peak = (1 << (8 * sample_width - 1)) - 1
    offset = peak + 1 if sample_width == 1 else 0
    step = 2 * math.pi * frequency / sample_rate
    samples = array(_TYPECODES[sample_width])
    for n in range(frames):
        value = offset + round(amplitude * peak * math.sin(step * n))
        samples.extend([value] * channels)
    if sample_width > 1 and sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(sample_width)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def write_wav(path: str | os.PathLike[str], duration: float = 1.0, **options: Any) -> Path:
    """Write :func:`wav_bytes` (same options) to ``path``; return the path."""
    target = Path(path)
    target.write_bytes(wav_bytes(duration, **options))
    return target


def read_wav_info(data: bytes) -> WavInfo:
    """The header of a WAV file given as bytes."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        return WavInfo(wav.getnchannels(), wav.getframerate(), wav.getsampwidth(), wav.getnframes())
