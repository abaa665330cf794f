"""An ``api_key`` given as a callable: asked for the key before every attempt of a request.

For keys that change (rotation, a secrets manager, short-lived tokens): the callable may be
plain or async (anything whose result is awaitable is awaited) and is called on the event loop
(``Mistral``'s loop thread for the blocking client), so a plain one should return quickly, from
a cache of its own; a slow look-up belongs in an async one.

What it returns is checked as a key given as a string is (``checks.check_api_key``), and never
shown: not in a repr, a pickle, a log line or a message. An exception it raises propagates to the
caller unchanged, before the attempt is sent (and it is not retried): it is the caller's code
failing, and its own type says best what went wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn

import httpx

from .checks import check_api_key

KeyProvider = Callable[[], "str | Awaitable[str]"]
"""A callable returning the API key, or an awaitable of it."""


class KeySource:
    """The client's ``api_key`` callable, and the one place it is called."""

    __slots__ = ("_provider",)

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider

    @property
    def provider(self) -> KeyProvider:
        return self._provider

    def __repr__(self) -> str:
        return "KeySource(<callable>)"

    def __reduce__(self) -> NoReturn:
        # A callable's state may hold the key (a closure, a cached token).
        raise TypeError("an api_key callable is not pickled")

    def applies(self, options: Mapping[str, Any]) -> bool:
        """Whether this call's key comes from here: not when the call's ``extra_headers`` set
        ``Authorization`` themselves (they win, as they win over a key given as a string)."""
        extra = options.get("extra_headers")
        return not extra or all(str(name).lower() != "authorization" for name in extra)

    async def authorize(self, request: httpx.Request) -> None:
        """Ask for the key and set it on ``request``, for the attempt about to be sent."""
        key = self._provider()
        if inspect.isawaitable(key):
            key = await key
        request.headers["Authorization"] = f"Bearer {check_api_key(key, 'api_key()')}"
