"""Fill-in-the-middle (code completion) models: the request and the reply.

The reply and the stream chunks have the chat shapes (the spec's ``FIMCompletionResponse`` is
an ``allOf`` over ``ChatCompletionResponse``; the stream is ``CompletionEvent`` of
``CompletionChunk``), so a FIM stream is a :class:`~mistral_async.ChatCompletionStream`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field
from typing_extensions import Required, TypedDict

from ._base import MistralModel
from .chat import ChatCompletionResponse, NonNegativeInt, UnitFloat
from .model_names import FIMModelName


class FIMCompletionRequest(MistralModel):
    """The body of ``POST /v1/fim/completions``; validated strictly before sending."""

    model: str
    prompt: str
    suffix: str | None = None
    temperature: Annotated[float, Field(ge=0, le=1.5)] | None = None
    top_p: UnitFloat | None = None
    max_tokens: NonNegativeInt | None = None
    min_tokens: NonNegativeInt | None = None
    stream: bool = False
    stop: str | list[str] | None = None
    random_seed: NonNegativeInt | None = None
    metadata: dict[str, Any] | None = None
    prompt_cache_key: str | None = None


class FIMCompletionParams(TypedDict, total=False):
    """The keyword arguments of ``fim.complete`` and ``fim.stream`` (see the OpenAPI file)."""

    model: Required[FIMModelName]
    """ID of a model with FIM, e.g. ``codestral-latest``."""
    prompt: Required[str]
    """The code before the gap."""
    suffix: str | None
    """The code after the gap; without it the model simply continues ``prompt``."""
    temperature: float | None
    """Sampling temperature, 0 to 1.5."""
    top_p: float | None
    """Nucleus sampling mass, 0 to 1."""
    max_tokens: int | None
    min_tokens: int | None
    """The fewest tokens to generate."""
    stop: str | Sequence[str] | None
    random_seed: int | None
    metadata: Mapping[str, Any] | None
    prompt_cache_key: str | None


class FIMCompletionResponse(ChatCompletionResponse):
    """A FIM completion: ``text`` is the code that fills the gap."""
