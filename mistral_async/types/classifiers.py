"""Moderation and classification models: the requests of the four endpoints and their replies.

``moderate`` and ``classify`` send the spec's ``ClassificationRequest`` (texts);
``moderate_chat`` sends ``ChatModerationRequest`` (one conversation, or a list of them) and
``classify_chat`` sends ``ChatClassificationRequest`` (``{"messages": [...]}``, or a list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, get_args

from pydantic import Field
from typing_extensions import Required, TypedDict

from ._base import MistralModel, RenamedRequest, ResponseModel
from .chat import Message, MessageParam
from .model_names import ModerationModelName

ModerationCategory = Literal[
    "sexual",
    "hate_and_discrimination",
    "violence_and_threats",
    "dangerous_and_criminal_content",
    "selfharm",
    "health",
    "financial",
    "law",
    "pii",
]
"""The categories ``mistral-moderation-latest`` reports; a reply may hold others too."""
MODERATION_CATEGORIES: Final[tuple[ModerationCategory, ...]] = get_args(ModerationCategory)

# -- requests --------------------------------------------------------------------------------


class ClassificationRequest(RenamedRequest):
    """The body of ``POST /v1/moderations`` and ``POST /v1/classifications``."""

    model: str
    inputs: str | list[str] = Field(alias="input")
    metadata: dict[str, Any] | None = None


class ChatModerationRequest(RenamedRequest):
    """The body of ``POST /v1/chat/moderations``."""

    model: str
    inputs: list[Message] | list[list[Message]] = Field(alias="input")


class InstructRequest(MistralModel):
    """One conversation to classify."""

    messages: list[Message]


class ChatClassificationRequest(RenamedRequest):
    """The body of ``POST /v1/chat/classifications``."""

    model: str
    inputs: InstructRequest | list[InstructRequest] = Field(alias="input")


class ClassificationParams(TypedDict, total=False):
    """The keyword arguments of ``classifiers.moderate`` and ``classifiers.classify``."""

    model: Required[ModerationModelName]
    """ID of the classifier, e.g. ``mistral-moderation-latest``."""
    inputs: Required[str | Sequence[str]]
    """One text, or a list of texts (one result each); sent as ``input``."""
    metadata: Mapping[str, Any] | None


class ChatModerationParams(TypedDict, total=False):
    """The keyword arguments of ``classifiers.moderate_chat``."""

    model: Required[ModerationModelName]
    inputs: Required[Sequence[MessageParam] | Sequence[Sequence[MessageParam]]]
    """One conversation (a list of messages), or a list of conversations (one result each)."""


class ChatClassificationParams(TypedDict, total=False):
    """The keyword arguments of ``classifiers.classify_chat``."""

    model: Required[ModerationModelName]
    inputs: Required[
        InstructRequest | Mapping[str, Any] | Sequence[InstructRequest | Mapping[str, Any]]
    ]
    """``{"messages": [...]}``, or a list of them (one result each)."""


# -- replies ---------------------------------------------------------------------------------


class ModerationObject(MistralModel):
    """The moderation of one input: a verdict and a score per category."""

    categories: dict[str, bool] = Field(default_factory=dict)
    """Category → whether its score passed the model's threshold."""
    category_scores: dict[str, float] = Field(default_factory=dict)
    """Category → score between 0 and 1."""

    @property
    def flagged(self) -> bool:
        """Whether any category is flagged."""
        return any(self.categories.values())

    @property
    def flagged_categories(self) -> list[str]:
        """The flagged categories, in the reply's order."""
        return [name for name, hit in self.categories.items() if hit]


class ModerationResponse(ResponseModel):
    id: str
    model: str
    results: list[ModerationObject] = []
    """One result per input text or conversation, in order."""

    @property
    def flagged(self) -> bool:
        """Whether any input has a flagged category."""
        return any(result.flagged for result in self.results)


class ClassificationTargetResult(MistralModel):
    scores: dict[str, float] = Field(default_factory=dict)
    """Label → score."""

    @property
    def label(self) -> str | None:
        """The label with the highest score (``None`` when there are no scores)."""
        return max(self.scores, key=self.scores.__getitem__) if self.scores else None


class ClassificationResponse(ResponseModel):
    id: str
    model: str
    results: list[dict[str, ClassificationTargetResult]] = []
    """One entry per input: classifier target name → its label scores."""
