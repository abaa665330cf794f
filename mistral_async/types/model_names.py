"""The model names this SDK knows, per kind of call, for editors to complete.

Each alias is ``Literal[...] | str``: any other string type-checks too (a model released after
this SDK, a fine-tuned ``ft:...`` model, an agent's model), so nothing here limits what can be
sent; the API itself says which names it serves. Taken from the OpenAPI file, the user's notes
and ``GET /v1/models`` (``-latest`` aliases first, then the dated names they point to).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

ChatModelName: TypeAlias = (
    Literal[
        "mistral-large-latest",
        "mistral-large-2411",
        "mistral-medium-latest",
        "mistral-medium-2508",
        "mistral-small-latest",
        "mistral-small-2506",
        "mistral-small-2409",
        "ministral-8b-latest",
        "ministral-8b-2410",
        "codestral-latest",
        "codestral-2508",
        "open-mistral-nemo",
        "open-mistral-nemo-2407",
        "open-mistral-7b",
    ]
    | str
)
"""A chat model (``chat.complete``, conversations, agents, fine-tuning bases)."""

FIMModelName: TypeAlias = Literal["codestral-latest", "codestral-2508", "codestral-2405"] | str
"""A fill-in-the-middle model (``fim.complete``)."""

EmbeddingModelName: TypeAlias = (
    Literal["mistral-embed", "codestral-embed", "codestral-embed-2505"] | str
)
"""An embedding model (``embeddings.create``)."""

ModerationModelName: TypeAlias = (
    Literal["mistral-moderation-latest", "mistral-moderation-2411"] | str
)
"""A moderation or classification model (``classifiers.moderate``...)."""

OCRModelName: TypeAlias = Literal["mistral-ocr-latest", "mistral-ocr-2505"] | str
"""An OCR model (``ocr.process``)."""

TranscriptionModelName: TypeAlias = Literal["voxtral-mini-latest", "voxtral-mini-2507"] | str
"""A speech-to-text model (``audio.transcriptions``)."""
