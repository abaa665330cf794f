"""Model cards (``/v1/models``) and fine-tuned model management (``/v1/fine_tuning/models``).

A card is a ``BaseModelCard`` (a Mistral model) or an ``FTModelCard`` (one of yours), told apart
by ``type``; ``ModelCard`` is their shared base, and reading a reply as ``ModelCard`` gives the
right one (or ``ModelCard`` itself for a kind this SDK does not know yet).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from typing_extensions import TypedDict

from ._base import MistralModel, ResponseModel, TaggedModel


class ModelCapabilities(MistralModel):
    completion_chat: bool = False
    function_calling: bool = False
    completion_fim: bool = False
    fine_tuning: bool = False
    vision: bool = False
    ocr: bool = False
    classification: bool = False
    moderation: bool = False
    audio: bool = False
    audio_transcription: bool = False


class ModelCard(TaggedModel):
    """The fields every model card has; see ``BaseModelCard`` and ``FTModelCard``."""

    _default_tag: ClassVar[str | None] = "base"

    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str = "mistralai"
    capabilities: ModelCapabilities
    name: str | None = None
    description: str | None = None
    max_context_length: int = 32768
    aliases: list[str] = []
    deprecation: str | None = None
    """When the model is retired (an ISO 8601 date-time), if it is scheduled to be."""
    deprecation_replacement_model: str | None = None
    default_model_temperature: float | None = None
    type: str = "base"


# The variants narrow the base's tag field to their own kind (the base keeps ``str`` for kinds
# added later); pyright flags that as unsafe to assign through the base, which nothing does.
class BaseModelCard(ModelCard):
    """A model served by Mistral."""

    type: Literal["base"] = "base"  # pyright: ignore[reportIncompatibleVariableOverride]


class FTModelCard(ModelCard):
    """A fine-tuned model: a base model (``root``) trained by a fine-tuning ``job``."""

    type: Literal["fine-tuned"] = "fine-tuned"  # pyright: ignore[reportIncompatibleVariableOverride]
    job: str
    root: str
    archived: bool = False


ModelCard._variants = {"base": BaseModelCard, "fine-tuned": FTModelCard}


class ModelList(ResponseModel):
    object: str = "list"
    data: list[ModelCard] = []


class DeleteModelOut(ResponseModel):
    id: str
    object: str = "model"
    deleted: bool = True


# -- fine-tuned model management ---------------------------------------------------------------


class FTModelCapabilitiesOut(MistralModel):
    completion_chat: bool = True
    completion_fim: bool = False
    function_calling: bool = False
    fine_tuning: bool = False
    classification: bool = False


class ClassifierTargetOut(MistralModel):
    name: str
    labels: list[str]
    weight: float
    loss_function: str
    """``single_class`` or ``multi_class``."""


class FTModelOut(TaggedModel):
    """What ``update`` returns: a ``CompletionFTModelOut`` or a ``ClassifierFTModelOut``."""

    _tag: ClassVar[str] = "model_type"
    _default_tag: ClassVar[str | None] = "completion"

    id: str
    object: str = "model"
    created: int
    owned_by: str
    workspace_id: str
    root: str
    root_version: str
    archived: bool
    name: str | None = None
    description: str | None = None
    capabilities: FTModelCapabilitiesOut
    max_context_length: int = 32768
    aliases: list[str] = []
    job: str
    model_type: str = "completion"


class CompletionFTModelOut(FTModelOut):
    model_type: Literal["completion"] = "completion"  # pyright: ignore[reportIncompatibleVariableOverride]


class ClassifierFTModelOut(FTModelOut):
    model_type: Literal["classifier"] = "classifier"  # pyright: ignore[reportIncompatibleVariableOverride]
    classifier_targets: list[ClassifierTargetOut]


FTModelOut._variants = {"completion": CompletionFTModelOut, "classifier": ClassifierFTModelOut}


class ArchiveFTModelOut(ResponseModel):
    id: str
    object: str = "model"
    archived: bool = True


class UnarchiveFTModelOut(ResponseModel):
    id: str
    object: str = "model"
    archived: bool = False


# -- requests ----------------------------------------------------------------------------------


class ModelsListRequest(MistralModel):
    """The query of ``GET /v1/models``."""

    provider: str | None = None
    model: str | None = None


class ModelsListParams(TypedDict, total=False):
    """The keyword arguments of ``models.list``."""

    provider: str | None
    """Only models of this provider."""
    model: str | None
    """Only this model."""


class UpdateFTModelIn(MistralModel):
    """The body of ``PATCH /v1/fine_tuning/models/{model_id}``."""

    name: str | None = None
    description: str | None = None


class UpdateFTModelParams(TypedDict, total=False):
    """The keyword arguments of ``models.update`` (besides the model id)."""

    name: str | None
    description: str | None
