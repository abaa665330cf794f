"""Base classes of the request and response models.

Every model keeps fields it does not know (``extra="allow"``), so that a reply carrying a field
the API added after this SDK was written still parses and keeps that field. Requests are made
strict at the call site instead: they are validated with ``extra="forbid"``, which pydantic
applies to nested models as well, so an unknown key anywhere in a request fails before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from .._limits import RateLimitInfo


@dataclass(frozen=True)
class ResponseInfo:
    """What the HTTP layer knew about the reply a model was read from."""

    status_code: int
    headers: Mapping[str, str]
    retries: int = 0
    """Retries taken before this reply (0 when the first attempt succeeded)."""
    rate_limit: RateLimitInfo = field(default_factory=RateLimitInfo)

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id") or self.headers.get("mistral-correlation-id")


class MistralModel(BaseModel):
    """Base of all models: tolerant of unknown fields, populated by field name or alias."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())


class ResponseModel(MistralModel):
    """A model read from a reply; ``response_info`` tells how it got here."""

    _response_info: ResponseInfo | None = PrivateAttr(default=None)

    @property
    def response_info(self) -> ResponseInfo | None:
        """Status, headers, request id, retries taken and rate limits of the reply."""
        return self._response_info


def dump_request(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready body of a request model, without unset or null fields."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
