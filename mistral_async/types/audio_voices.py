"""Voices (``/v1/audio/voices``): the voices speech can use, preset or made from a sample.

A voice is created from a sample recording, which the API takes base64-encoded in JSON
(``sample_audio``); ``GET /v1/audio/voices/{voice_id}/sample`` gives the recording back as
audio bytes. The list is paged by ``limit``/``offset`` and answers with ``page``/``page_size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from .audio_transcriptions import AudioInput

# -- requests ----------------------------------------------------------------------------------


class VoiceCreateRequest(MistralModel):
    """The body of ``POST /v1/audio/voices``; validated strictly before sending."""

    name: str
    slug: str | None = None
    languages: list[str] | None = None
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None
    color: str | None = None
    retention_notice: int | None = None
    sample_audio: str
    """The sample recording, base64-encoded."""
    sample_filename: str | None = None
    """The sample's file name, from which the API tells its format."""


class VoiceUpdateRequest(MistralModel):
    """The body of ``PATCH /v1/audio/voices/{voice_id}``: only the fields given change."""

    name: str | None = None
    languages: list[str] | None = None
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None


class VoicesListQuery(MistralModel):
    """The query of ``GET /v1/audio/voices``."""

    limit: int | None = None
    offset: int | None = None


class _VoiceParams(TypedDict, total=False):
    languages: Sequence[str] | None
    """The languages the voice speaks (``["en", "fr"]``)."""
    gender: str | None
    age: int | None
    tags: Sequence[str] | None


class VoiceCreateParams(_VoiceParams, total=False):
    """The keyword arguments of ``audio.voices.create``."""

    name: Required[str]
    sample_audio: Required[AudioInput]
    """The sample recording: a path, ``bytes`` or a binary file object (sent base64-encoded)."""
    sample_filename: str | None
    """The sample's file name (its extension tells the format); defaults to the path's name."""
    slug: str | None
    color: str | None
    retention_notice: int | None
    """Days the API keeps the sample (its default is 30)."""


class VoiceUpdateParams(_VoiceParams, total=False):
    """The keyword arguments of ``audio.voices.update`` besides the voice id."""

    name: str | None


class VoicesListParams(TypedDict, total=False):
    """The keyword arguments of ``audio.voices.list``."""

    limit: int | None
    """Voices per page (the API's default is 10)."""
    offset: int | None
    """How many voices to skip."""


# -- replies -----------------------------------------------------------------------------------


class VoiceResponse(ResponseModel):
    """A voice (without its sample)."""

    name: str
    slug: str | None = None
    languages: list[str] = []
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None
    color: str | None = None
    retention_notice: int = 30
    """Days the API keeps the sample."""
    id: str
    created_at: datetime
    user_id: str | None = None
    """Who made the voice; ``None`` for a preset voice."""


class VoiceListResponse(ResponseModel):
    """One page of ``GET /v1/audio/voices``."""

    items: list[VoiceResponse] = []
    total: int
    """How many voices there are in all."""
    page: int
    page_size: int
    total_pages: int

    @property
    def data(self) -> list[VoiceResponse]:
        """The voices of this page, under the name the other paged lists use."""
        return self.items
