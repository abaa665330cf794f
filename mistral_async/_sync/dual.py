"""One implementation for both clients: helpers that take a client are written async, and run
on the sync client's portal when they are given a ``Mistral``.

``on_client(client, fn, ...)`` returns ``fn(async_client, ...)`` (an awaitable) for an
``AsyncMistral``, and the result of running it on the portal for a ``Mistral``; the public
helpers declare both cases with ``@overload`` so each caller sees its own return type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._core.errors import ArgumentError

if TYPE_CHECKING:
    from .._core.client import AsyncMistral
    from .client import Mistral


def async_client_of(client: AsyncMistral | Mistral) -> AsyncMistral:
    from .._core.client import AsyncMistral
    from .client import Mistral

    if isinstance(client, Mistral):
        return client.async_client
    if isinstance(client, AsyncMistral):  # pyright: ignore[reportUnnecessaryIsInstance]
        return client
    raise ArgumentError("client", f"must be an AsyncMistral or a Mistral, got {client!r}")


def on_client(
    client: AsyncMistral | Mistral,
    fn: Callable[..., Awaitable[Any]],
    /,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``fn(async_client, *args, **kwargs)``: awaitable for async, already run for sync."""
    from .client import Mistral

    core = async_client_of(client)
    if isinstance(client, Mistral):
        return client._run(fn, core, *args, **kwargs)
    return fn(core, *args, **kwargs)
