"""What the job models (fine-tuning, batch) share: file ids, and reading a job's status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

UUIDStr = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")]
"""A UUID as text: the API rejects file ids that are not UUIDs."""


class JobStatus:
    """``done`` and ``failed`` for a job model with a ``status`` (the model lists its statuses)."""

    _final_statuses: ClassVar[frozenset[str]] = frozenset()
    _failed_statuses: ClassVar[frozenset[str]] = frozenset()
    if TYPE_CHECKING:  # the model's field; pydantic must not take it from here first
        status: str

    @property
    def done(self) -> bool:
        """True once the job has finished (succeeded, failed or was cancelled): its status
        will not change any more."""
        return self.status in self._final_statuses

    @property
    def failed(self) -> bool:
        return self.status in self._failed_statuses
