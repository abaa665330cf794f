"""``ResponseInfo``, kept apart from the pydantic models so that the client can be imported (and
a reply described) without building any model class."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from typing_extensions import Self

from .limits import RateLimitInfo

if TYPE_CHECKING:
    import httpx

# The headers that carry a reply's request id, in the order they are looked at: the API's own
# id first, then the correlation id its gateway adds, then the plain name some proxies use.
REQUEST_ID_HEADERS: Final = ("x-request-id", "mistral-correlation-id", "request-id")


def request_id(headers: Mapping[str, str]) -> str | None:
    """The first non-empty request id header of a reply."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


@dataclass(frozen=True)
class ResponseInfo:
    """What the HTTP layer knew about the reply a model was read from."""

    status_code: int
    headers: Mapping[str, str]
    retries: int = 0
    """Retries taken before this reply (0 when the first attempt succeeded)."""
    rate_limit: RateLimitInfo = field(default_factory=RateLimitInfo)
    from_cache: bool = False
    """The client's response cache answered: nothing was sent, and no usage was counted."""

    @classmethod
    def of(cls, response: httpx.Response, retries: int, *, from_cache: bool = False) -> Self:
        return cls(
            status_code=response.status_code,
            headers=response.headers,
            retries=retries,
            rate_limit=RateLimitInfo.from_headers(response.headers),
            from_cache=from_cache,
        )

    @property
    def request_id(self) -> str | None:
        return request_id(self.headers)


# A reply model keeps its info in the private attribute ``_response_info`` (declared on
# ``types._base.ResponseModel``, which this layer does not import: see the module docstring).
_SLOT: Final = "_response_info"


def attach_info(result: object, info: ResponseInfo | None) -> None:
    """Give a reply model the info of the reply it was read from; other results have none."""
    if hasattr(result, _SLOT):
        target: Any = result  # any ResponseModel: the slot is declared there
        target._response_info = info


def info_of(result: object) -> ResponseInfo | None:
    """The info of the reply a model was read from, ``None`` for a model built in code (whose
    ``response_info`` raises); anything else's ``response_info`` attribute, if it has one."""
    info: ResponseInfo | None = (
        getattr(result, _SLOT) if hasattr(result, _SLOT) else getattr(result, "response_info", None)
    )
    return info
