"""The tests' WAV maker (``tests/_support/audio.py``): files the ``wave`` module reads back."""

from __future__ import annotations

import array
import io
import math
import wave
from pathlib import Path

import pytest

from tests._support.audio import read_wav_info, wav_bytes, write_wav


@pytest.mark.parametrize(
    ("duration", "sample_rate", "channels", "sample_width"),
    [(1.0, 16_000, 1, 2), (0.5, 44_100, 2, 2), (0.25, 8_000, 1, 1), (0.1, 48_000, 2, 4)],
)
def test_the_header_says_what_was_asked(
    duration: float, sample_rate: int, channels: int, sample_width: int
) -> None:
    data = wav_bytes(
        duration, sample_rate=sample_rate, channels=channels, sample_width=sample_width
    )
    assert (data[:4], data[8:12]) == (b"RIFF", b"WAVE")
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert wav.getnchannels() == channels
        assert wav.getframerate() == sample_rate
        assert wav.getsampwidth() == sample_width
        assert wav.getnframes() == round(duration * sample_rate)
        frames = wav.readframes(wav.getnframes())
    assert len(frames) == round(duration * sample_rate) * channels * sample_width
    info = read_wav_info(data)
    assert info.duration == pytest.approx(duration)


def test_the_samples_are_the_sine_tone() -> None:
    data = wav_bytes(0.01, sample_rate=8000, frequency=1000, amplitude=0.5)
    with wave.open(io.BytesIO(data), "rb") as wav:
        samples = array.array("h", wav.readframes(wav.getnframes()))
    expected = [round(0.5 * 32767 * math.sin(2 * math.pi * 1000 * n / 8000)) for n in range(80)]
    assert list(samples) == expected
    assert max(samples) == round(0.5 * 32767)


def test_silence_and_unsigned_8_bit_samples() -> None:
    with wave.open(io.BytesIO(wav_bytes(0.01, frequency=0)), "rb") as wav:
        assert set(wav.readframes(wav.getnframes())) == {0}
    with wave.open(io.BytesIO(wav_bytes(0.01, sample_width=1, frequency=0)), "rb") as wav:
        assert set(wav.readframes(wav.getnframes())) == {128}  # the midpoint of 8-bit audio


def test_longer_audio_makes_a_longer_file(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", 2.0, sample_rate=8000)
    assert read_wav_info(path.read_bytes()).duration == 2.0
    assert len(wav_bytes(2.0)) > len(wav_bytes(1.0))


@pytest.mark.parametrize(
    "options",
    [{"sample_width": 3}, {"duration": -1}, {"sample_rate": 0}, {"channels": 0}, {"amplitude": 2}],
)
def test_impossible_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must be|need"):
        wav_bytes(**options)  # type: ignore[arg-type]
