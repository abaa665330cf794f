"""``ResponseInfo``, kept apart from the pydantic models so that the client can be imported (and
a reply described) without building any model class."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .limits import RateLimitInfo


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
