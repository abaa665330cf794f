"""Fine-tuning job models: the ``JobIn`` request, and the job replies named as in the OpenAPI file.

A job is a completion job or a classifier job, told apart by ``job_type`` as the spec's
discriminator does (``completion`` when absent, the spec's default). Lists and ``create`` answer
the short shapes (``CompletionJobOut``, ``ClassifierJobOut``); ``get``, ``cancel`` and ``start``
answer the detailed ones, which add ``events`` and ``checkpoints``. Reading a reply as one of the
bases, :class:`FineTuningJobOut` or :class:`DetailedJobOut`, gives an instance of the right kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel, TaggedModel
from ._jobs import JobStatus, UUIDStr
from .model_names import ChatModelName
from .models import ClassifierTargetOut

FineTuneableModelType = Literal["completion", "classifier"]
FineTuningJobStatus = Literal[
    "QUEUED",
    "STARTED",
    "VALIDATING",
    "VALIDATED",
    "RUNNING",
    "FAILED_VALIDATION",
    "FAILED",
    "SUCCESS",
    "CANCELLED",
    "CANCELLATION_REQUESTED",
]
FTClassifierLossFunction = Literal["single_class", "multi_class"]

# Statuses a job never leaves; a failure is one of the first two.
FAILED_STATUSES = frozenset({"FAILED", "FAILED_VALIDATION"})
FINAL_STATUSES = FAILED_STATUSES | {"SUCCESS", "CANCELLED"}

LearningRate = Annotated[float, Field(ge=1e-8, le=1)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]

# -- request ---------------------------------------------------------------------------------


class TrainingFile(MistralModel):
    file_id: UUIDStr
    weight: Positive | None = None


class WandbIntegration(MistralModel):
    """Report training metrics to Weights & Biases."""

    type: Literal["wandb"] = "wandb"
    project: str
    name: str | None = None
    api_key: Annotated[str, Field(min_length=40, max_length=40)]
    run_name: str | None = None


class GithubRepositoryIn(MistralModel):
    type: Literal["github"] = "github"
    name: str
    owner: str
    ref: str | None = None
    weight: Positive | None = None
    token: str


class ClassifierTargetIn(MistralModel):
    name: str
    labels: list[str]
    weight: Annotated[float, Field(ge=0)] | None = None
    loss_function: FTClassifierLossFunction | None = None


class ClassifierTrainingParametersIn(MistralModel):
    """Hyperparameters of a classifier job (a completion job also takes ``fim_ratio``).

    Unset fields are not sent, so the API applies its own defaults.
    """

    training_steps: Annotated[int, Field(ge=1)] | None = None
    learning_rate: LearningRate | None = None
    weight_decay: Fraction | None = None
    warmup_fraction: Fraction | None = None
    epochs: Positive | None = None
    seq_len: Annotated[int, Field(ge=100)] | None = None


class CompletionTrainingParametersIn(ClassifierTrainingParametersIn):
    fim_ratio: Fraction | None = None


class JobIn(MistralModel):
    """The body of ``POST /v1/fine_tuning/jobs``; validated strictly before sending."""

    model: str
    training_files: list[TrainingFile] | None = None
    validation_files: list[UUIDStr] | None = None
    suffix: Annotated[str, Field(max_length=18)] | None = None
    integrations: list[WandbIntegration] | None = None
    auto_start: bool | None = None
    invalid_sample_skip_percentage: Annotated[float, Field(ge=0, le=0.5)] | None = None
    job_type: FineTuneableModelType | None = None
    hyperparameters: CompletionTrainingParametersIn | ClassifierTrainingParametersIn
    repositories: list[GithubRepositoryIn] | None = None
    classifier_targets: list[ClassifierTargetIn] | None = None


HyperparametersParam = (
    CompletionTrainingParametersIn | ClassifierTrainingParametersIn | Mapping[str, Any]
)


class FineTuningJobCreateParams(TypedDict, total=False):
    """The keyword arguments of ``fine_tuning.jobs.create`` (the spec's ``JobIn``)."""

    model: Required[ChatModelName]
    """The base model to fine-tune, e.g. ``mistral-small-latest``."""
    hyperparameters: Required[HyperparametersParam]
    """``training_steps`` or ``epochs``, ``learning_rate``, ...; ``{}`` takes the defaults."""
    training_files: Sequence[TrainingFile | Mapping[str, Any]] | None
    """``[{"file_id": ..., "weight": 1.0}]``: uploaded files with purpose ``fine-tune``."""
    validation_files: Sequence[str] | None
    suffix: str | None
    """Added to the fine-tuned model's name (18 characters at most)."""
    integrations: Sequence[WandbIntegration | Mapping[str, Any]] | None
    auto_start: bool | None
    """``False``: the job stops once validated, until ``start`` is called."""
    invalid_sample_skip_percentage: float | None
    """The share of invalid training samples (0 to 0.5) to skip instead of failing the job."""
    job_type: FineTuneableModelType | None
    repositories: Sequence[GithubRepositoryIn | Mapping[str, Any]] | None
    classifier_targets: Sequence[ClassifierTargetIn | Mapping[str, Any]] | None
    """The labels to learn, for a ``classifier`` job."""


class FineTuningJobsQuery(MistralModel):
    """The query of ``GET /v1/fine_tuning/jobs``; validated strictly before sending."""

    page: Annotated[int, Field(ge=0)] | None = None
    page_size: Annotated[int, Field(ge=1)] | None = None
    model: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    created_by_me: bool | None = None
    status: FineTuningJobStatus | None = None
    wandb_project: str | None = None
    wandb_name: str | None = None
    suffix: str | None = None


class FineTuningJobsListParams(TypedDict, total=False):
    """The keyword arguments of ``fine_tuning.jobs.list``: filters, and where to start."""

    page: int
    """The first page to read (0-based)."""
    page_size: int
    model: str | None
    created_after: datetime | None
    created_before: datetime | None
    created_by_me: bool | None
    status: FineTuningJobStatus | None
    wandb_project: str | None
    wandb_name: str | None
    suffix: str | None


# -- reply -----------------------------------------------------------------------------------


class ClassifierTrainingParameters(MistralModel):
    training_steps: int | None = None
    learning_rate: float | None = None
    weight_decay: float | None = None
    warmup_fraction: float | None = None
    epochs: float | None = None
    seq_len: int | None = None


class CompletionTrainingParameters(ClassifierTrainingParameters):
    fim_ratio: float | None = None


class WandbIntegrationOut(MistralModel):
    type: str = "wandb"
    project: str
    name: str | None = None
    run_name: str | None = None
    url: str | None = None


class GithubRepositoryOut(MistralModel):
    type: str = "github"
    name: str
    owner: str
    ref: str | None = None
    weight: float = 1.0
    commit_id: str


class JobMetadataOut(MistralModel):
    expected_duration_seconds: int | None = None
    cost: float | None = None
    cost_currency: str | None = None
    train_tokens_per_step: int | None = None
    train_tokens: int | None = None
    data_tokens: int | None = None
    estimated_start_time: int | None = None


class EventOut(MistralModel):
    """One change of a job's status; ``data`` carries the new status (and, on failure, why)."""

    name: str
    data: dict[str, Any] | None = None
    created_at: int


class MetricOut(MistralModel):
    train_loss: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None


class CheckpointOut(MistralModel):
    metrics: MetricOut
    step_number: int
    created_at: int


class FineTuningJobOut(JobStatus, TaggedModel):
    """What every fine-tuning job reply has. Reading a reply as this class gives a
    ``CompletionJobOut`` or a ``ClassifierJobOut``, chosen by ``job_type`` as the spec's
    discriminator does (``completion`` when absent)."""

    _tag: ClassVar[str] = "job_type"
    _default_tag: ClassVar[str | None] = "completion"
    _final_statuses: ClassVar[frozenset[str]] = FINAL_STATUSES
    _failed_statuses: ClassVar[frozenset[str]] = FAILED_STATUSES

    id: str
    auto_start: bool
    model: str
    status: str
    """One of ``FineTuningJobStatus``; kept as ``str`` so a status added later still parses."""
    created_at: int
    modified_at: int
    training_files: list[str]
    validation_files: list[str] | None = None
    object: str = "job"
    fine_tuned_model: str | None = None
    """The new model's id, once the job succeeded."""
    suffix: str | None = None
    integrations: list[WandbIntegrationOut] | None = None
    trained_tokens: int | None = None
    metadata: JobMetadataOut | None = None
    job_type: str = "completion"
    hyperparameters: ClassifierTrainingParameters


# The variants narrow the base's tag field (and hyperparameters) to their own kind; pyright
# flags any narrowed field as unsafe to assign through the base, which nothing does here.
class CompletionJobOut(FineTuningJobOut):
    job_type: Literal["completion"] = "completion"  # pyright: ignore[reportIncompatibleVariableOverride]
    hyperparameters: CompletionTrainingParameters  # pyright: ignore[reportIncompatibleVariableOverride]
    repositories: list[GithubRepositoryOut] = []


class ClassifierJobOut(FineTuningJobOut):
    job_type: Literal["classifier"] = "classifier"  # pyright: ignore[reportIncompatibleVariableOverride]


class DetailedJobOut(FineTuningJobOut):
    """What ``get``, ``cancel`` and ``start`` answer: the job with its events and checkpoints.
    Reading a reply as this class gives a ``CompletionDetailedJobOut`` or a
    ``ClassifierDetailedJobOut``."""

    events: list[EventOut] = []
    """Every status change, as the API lists them."""
    checkpoints: list[CheckpointOut] = []

    @property
    def error(self) -> str | None:
        """Why the job failed: the message of its latest failure event; ``None`` unless the
        job failed."""
        if not self.failed:
            return None
        for event in sorted(self.events, key=lambda e: e.created_at, reverse=True):
            data = event.data or {}
            for key in ("error", "message", "reason", "detail"):
                message = data.get(key)
                if isinstance(message, str) and message:
                    return message
        return f"The fine-tuning job ended with status {self.status} (no message given)."


class CompletionDetailedJobOut(CompletionJobOut, DetailedJobOut):  # pyright: ignore[reportIncompatibleVariableOverride]
    pass


class ClassifierDetailedJobOut(ClassifierJobOut, DetailedJobOut):  # pyright: ignore[reportIncompatibleVariableOverride]
    classifier_targets: list[ClassifierTargetOut] = []


FineTuningJobOut._variants = {"completion": CompletionJobOut, "classifier": ClassifierJobOut}
DetailedJobOut._variants = {
    "completion": CompletionDetailedJobOut,
    "classifier": ClassifierDetailedJobOut,
}


class JobsOut(ResponseModel):
    """One page of ``GET /v1/fine_tuning/jobs``."""

    data: list[FineTuningJobOut] = []
    object: str = "list"
    total: int | None = None
