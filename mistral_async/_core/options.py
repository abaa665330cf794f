"""Options shared by the client constructor and every call.

``RequestOptions`` is the set of keyword arguments that every resource method accepts on top of
its API parameters; it is a TypedDict so that resource methods can take them with
``**kwargs: Unpack[...]`` and the type checker still sees each one by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from typing_extensions import TypedDict

DEFAULT_BASE_URL: Final = "https://api.mistral.ai"
API_KEY_ENV: Final = "MISTRAL_API_KEY"
BASE_URL_ENV: Final = "MISTRAL_BASE_URL"

# Connecting should be quick; generating a long answer may not be.
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2

TimeoutTypes = float | httpx.Timeout | None


class RequestOptions(TypedDict, total=False):
    """Per-call overrides of the client's options."""

    timeout: TimeoutTypes
    """Seconds (or an ``httpx.Timeout``) for this call; ``None`` disables the timeout."""
    max_retries: int
    """Retries for this call, overriding the client's ``max_retries``."""
    extra_headers: Mapping[str, str]
    """Headers added to this request (they win over the client's headers)."""
    extra_query: Mapping[str, Any]
    """Query parameters added to this request."""
    extra_body: Mapping[str, Any]
    """Fields merged into the JSON body after validation, for fields this SDK does not know yet."""
    max_response_bytes: int
    """The largest reply body read for this call, overriding the client's bound."""
    max_event_bytes: int
    """The largest stream line or event read for this call, overriding the client's bound."""


REQUEST_OPTION_KEYS: Final = frozenset(RequestOptions.__annotations__)


def to_timeout(value: TimeoutTypes) -> httpx.Timeout:
    """Normalise a number, ``None`` or ``httpx.Timeout`` into an ``httpx.Timeout``."""
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)
