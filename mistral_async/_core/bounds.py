"""Size bounds on what is read from a reply, so that a huge or endless body cannot fill memory.

A reply body is read chunk by chunk and counted (``max_response_bytes``), refused at once when
its Content-Length says it is larger; an error body is read only as far as an error message
uses; stream events are bounded in :mod:`.sse` (``max_event_bytes``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import anyio
import httpx

from .errors import ArgumentError, ResponseTooLargeError

DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
DEFAULT_MAX_EVENT_BYTES: Final = 16 * 1024 * 1024
# An error message uses the first few hundred characters of a body; more is never needed.
ERROR_BODY_BYTES: Final = 64 * 1024


# Chunks a closed response may still hand out from its buffers before reading fails.
_DRAIN_STEPS: Final = 64


async def close_iterator(
    iterator: AsyncIterator[bytes], response: httpx.Response | None = None
) -> None:
    """Finish one of httpx's body iterators now rather than leave it to the garbage collector,
    which on trio warns (``ResourceWarning``) about each suspended async generator.

    Closing the outer generator does not close the ones it iterates (httpx and httpcore nest
    five), so when a body was left part read, ``response`` is closed first and the iterator
    advanced: reading the closed connection raises through every layer, which finishes them.
    """
    with anyio.CancelScope(shield=True):
        if response is not None and not response.is_closed:
            await response.aclose()
            with anyio.move_on_after(1):
                for _ in range(_DRAIN_STEPS):
                    try:
                        await iterator.__anext__()
                    except (Exception, StopAsyncIteration):
                        break
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(name, f"must be a positive int (bytes), got {value!r}")
    return value


def too_large(
    what: str, limit: int, name: str, request: httpx.Request | None, retries: int = 0
) -> ResponseTooLargeError:
    where = f" on {request.method} {request.url}" if request is not None else ""
    return ResponseTooLargeError(
        f"{what} is larger than {name}={limit} bytes{where}; reading stopped",
        limit=limit,
        request=request,
        retries=retries,
    )


def _declared_length(response: httpx.Response) -> int | None:
    length = response.headers.get("content-length", "")
    return int(length) if length.isdigit() else None


async def read_bounded(response: httpx.Response, limit: int, retries: int) -> None:
    """Read a streamed response's body into ``response.content``, refusing more than ``limit``
    bytes (decoded, so a compressed body cannot expand past it). The response is closed."""
    try:
        declared = _declared_length(response)
        if declared is not None and declared > limit and "content-encoding" not in response.headers:
            raise too_large("The reply", limit, "max_response_bytes", response.request, retries)
        parts: list[bytes] = []
        size = 0
        chunks = response.aiter_bytes()
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise too_large(
                        "The reply", limit, "max_response_bytes", response.request, retries
                    )
                parts.append(chunk)
        finally:
            await close_iterator(chunks, response)
        # What httpx's own aread() sets: the body, readable as .content/.json() from now on.
        response._content = b"".join(parts)
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()


async def read_error_body(response: httpx.Response, limit: int = ERROR_BODY_BYTES) -> bytes:
    """The first ``limit`` bytes of an error reply (an unreadable one counts as empty), also
    set as its ``content``; the rest is not read, and the connection is closed."""
    parts: list[bytes] = []
    size = 0
    try:
        chunks = response.aiter_bytes()
        try:
            async for chunk in chunks:
                parts.append(chunk[: limit - size])
                size += len(parts[-1])
                if size >= limit:
                    break
        finally:
            await close_iterator(chunks, response)
    except httpx.HTTPError:
        parts = []
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()
    body = b"".join(parts)
    # Readable as .content/.json() from now on (by an after-attempt hook): what was read.
    response._content = body
    return body
