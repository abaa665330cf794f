"""Options shared by the client constructor and every call.

``RequestOptions`` is the set of keyword arguments that every resource method accepts on top of
its API parameters; it is a TypedDict so that resource methods can take them with
``**kwargs: Unpack[...]`` and the type checker still sees each one by name.

``ClientOptions`` does the same for the client's options: ``AsyncMistral.__init__`` spells its
parameters out (with their defaults and docs); what passes them on (``Mistral.__init__``, and
both ``with_options`` with ``ClientOverrides``) takes ``**options: Unpack[ClientOptions]``
instead of restating them, and tests keep the TypedDict in step with ``AsyncMistral.__init__``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx
from typing_extensions import TypedDict

if TYPE_CHECKING:
    from ..cache import ResponseCache
    from ..usage import UsageTracker
    from .credentials import KeyProvider
    from .hooks import Hooks
    from .proxies import ProxyTypes
    from .request import TransportName
    from .retry import RetryPolicy

DEFAULT_BASE_URL: Final = "https://api.mistral.ai"
API_KEY_ENV: Final = "MISTRAL_API_KEY"
BASE_URL_ENV: Final = "MISTRAL_BASE_URL"

# Connecting should be quick; generating a long answer may not be.
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
"""``RetryPolicy().max_retries``: what a client retries when given neither option."""

TimeoutTypes = float | httpx.Timeout | None


class RequestOptions(TypedDict, total=False):
    """Per-call overrides of the client's options."""

    timeout: TimeoutTypes
    """Seconds (or an ``httpx.Timeout``) for this call; ``None`` disables the timeout."""
    deadline: float | None
    """Seconds allowed in total for this call: for each attempt of a reply read whole, from
    sending to its last byte (the client's ``deadline`` unless given); for a stream, its whole
    life (none unless given). ``None`` disables it. See ``mistral_async._core.deadline``."""
    max_retries: int
    """Retries for this call, overriding the count of the client's retry policy (the short
    form of ``retry``; not with it)."""
    retry: RetryPolicy
    """The retry policy of this call, instead of the client's."""
    hooks: Hooks
    """Hooks for this call's attempts, run after the client's (see ``Hooks``)."""
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


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument left out, where ``None`` means something.

    ``usage_tracker=None`` turns usage recording off, so "not given" (make a new tracker)
    needs a value of its own. Annotate ``x: T | NotGiven = NOT_GIVEN`` and test with
    ``isinstance(x, NotGiven)``, which the type checker narrows.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"  # copies and pickles are the module's one instance


NOT_GIVEN: Final = NotGiven()
"""The default of a parameter whose ``None`` means something else than leaving it out."""


class ClientOverrides(TypedDict, total=False):
    """The client options that ``with_options`` may change; any left out keep their value."""

    api_key: str | KeyProvider | None
    base_url: str | None
    timeout: TimeoutTypes | NotGiven
    deadline: float | None
    max_retries: int | None
    retry: RetryPolicy | None
    hooks: Hooks | None
    trace_content: bool | None
    max_concurrency: int | None
    max_response_bytes: int
    max_event_bytes: int
    default_headers: Mapping[str, str] | None
    usage_tracker: UsageTracker | NotGiven | None
    cache: ResponseCache | None
    proxy: ProxyTypes | None
    trust_env: bool


class ClientOptions(ClientOverrides, total=False):
    """The keyword arguments of ``AsyncMistral`` (and ``Mistral``); see ``AsyncMistral``."""

    http_client: httpx.AsyncClient | None
    transport: TransportName


def to_timeout(value: TimeoutTypes) -> httpx.Timeout:
    """Normalise a number, ``None`` or ``httpx.Timeout`` into an ``httpx.Timeout``."""
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)
