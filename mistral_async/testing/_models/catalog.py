"""The models the local server knows, with the capabilities the simulated model checks.

A small, fixed stand-in for ``GET /v1/models``: enough variety for a client to meet a chat
model, a FIM model, an embedding model and an OCR model, and their dated aliases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# All capability flags of the spec's ModelCapabilities, so a card always lists every one.
CAPABILITIES = (
    "completion_chat",
    "function_calling",
    "completion_fim",
    "fine_tuning",
    "vision",
    "ocr",
    "classification",
    "moderation",
    "audio",
    "audio_transcription",
)
_CREATED = 1_727_740_800  # a fixed date (2024-10-01): cards are the same on every run


@dataclass(frozen=True)
class KnownModel:
    id: str
    capabilities: frozenset[str]
    description: str
    aliases: tuple[str, ...] = ()
    max_context_length: int = 131_072
    default_temperature: float | None = 0.3

    def card(self) -> dict[str, Any]:
        """This model as the spec's ``BaseModelCard``."""
        return {
            "id": self.id,
            "object": "model",
            "created": _CREATED,
            "owned_by": "mistralai",
            "capabilities": {name: name in self.capabilities for name in CAPABILITIES},
            "name": self.id,
            "description": self.description,
            "max_context_length": self.max_context_length,
            "aliases": list(self.aliases),
            "deprecation": None,
            "deprecation_replacement_model": None,
            "default_model_temperature": self.default_temperature,
            "type": "base",
        }


_CHAT = frozenset({"completion_chat", "function_calling"})
MODELS: tuple[KnownModel, ...] = (
    KnownModel("mistral-large-latest", _CHAT, "Top-tier model.", ("mistral-large-2411",)),
    KnownModel(
        "mistral-medium-latest",
        _CHAT | {"vision"},
        "Frontier-class model.",
        ("mistral-medium-2508",),
    ),
    KnownModel(
        "mistral-small-latest",
        _CHAT | {"vision", "fine_tuning"},
        "Small, fast model.",
        ("mistral-small-2506",),
    ),
    KnownModel("ministral-8b-latest", _CHAT, "Edge model.", ("ministral-8b-2410",)),
    KnownModel(
        "open-mistral-nemo", _CHAT | {"fine_tuning"}, "Open model.", ("open-mistral-nemo-2407",)
    ),
    KnownModel(
        "codestral-latest",
        _CHAT | {"completion_fim", "fine_tuning"},
        "Code model, with fill-in-the-middle.",
        ("codestral-2508",),
        256_000,
    ),
    # "embedding" is no flag of the spec's ModelCapabilities (cards never show it); the
    # embeddings route checks it to refuse chat models.
    KnownModel(
        "mistral-embed",
        frozenset({"embedding"}),
        "Text embeddings.",
        (),
        8_192,
        default_temperature=None,
    ),
    KnownModel(
        "codestral-embed",
        frozenset({"embedding"}),
        "Code embeddings, with output_dimension and output_dtype.",
        ("codestral-embed-2505",),
        8_192,
        default_temperature=None,
    ),
    KnownModel(
        "mistral-moderation-latest",
        frozenset({"moderation", "classification"}),
        "Content moderation.",
        ("mistral-moderation-2411",),
        8_192,
        default_temperature=None,
    ),
    KnownModel(
        "voxtral-mini-latest",
        frozenset({"audio_transcription"}),
        "Speech transcription.",
        ("voxtral-mini-2507",),
        32_768,
        default_temperature=0.0,
    ),
    KnownModel(
        "voxtral-small-latest",
        _CHAT | {"audio", "audio_transcription"},
        "Chat with audio input.",
        ("voxtral-small-2507",),
        32_768,
    ),
    # "speech" is no flag of ModelCapabilities either: the speech route checks it.
    KnownModel(
        "voxtral-tts-latest",
        frozenset({"speech"}),
        "Text to speech.",
        (),
        8_192,
        default_temperature=None,
    ),
    KnownModel(
        "mistral-ocr-latest",
        frozenset({"ocr"}),
        "Document OCR.",
        ("mistral-ocr-2505",),
        default_temperature=None,
    ),
)
_BY_NAME: dict[str, KnownModel] = {
    name: model for model in MODELS for name in (model.id, *model.aliases)
}


def find_model(name: str) -> KnownModel | None:
    """The model with this id or alias, if the server knows it."""
    return _BY_NAME.get(name)
