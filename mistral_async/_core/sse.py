"""Server-sent events, decoded with a bound on the size of a line and of an event.

httpx-sse reads lines with ``aiter_lines``, which holds a whole line in memory however long it
grows: a reply that never sends a newline fills memory. :class:`SSEDecoder` is a pure decoder
(bytes in, events out, no I/O) that follows the WHATWG event-stream format (lines end in CRLF,
LF or CR; ``data``, ``event``, ``id``, ``retry`` fields; ``:`` comments) and refuses a line or
an event larger than ``max_bytes`` as soon as it has seen that many bytes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx

from .bounds import close_iterator
from .errors import ResponseTooLargeError

# One match per line end; a lone CR at the end of a chunk may be the first half of a CRLF.
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


def _too_large(limit: int) -> ResponseTooLargeError:
    # Without a request: the stream that reads the events says which one (see streaming.py).
    return ResponseTooLargeError(
        f"an event-stream line or event is larger than {limit} bytes", limit=limit
    )


def content_type_problem(response: httpx.Response) -> str | None:
    """Why ``response`` is not an event stream, or ``None`` when it is one."""
    content_type = response.headers.get("content-type", "").partition(";")[0]
    if "text/event-stream" in content_type:
        return None
    return f"Content-Type is {content_type!r}, not 'text/event-stream'"


class SSEDecoder:
    """Feed it chunks of bytes with :meth:`feed`; it returns the events they complete."""

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._pending = bytearray()  # the start of a line whose end has not arrived
        self._after_cr = False  # the last chunk ended in CR: an LF first in the next is its pair
        self._first = True  # a UTF-8 BOM may open the stream
        self._data: list[str] = []
        self._size = 0
        self._event = ""
        self._id = ""  # the last event ID persists across events, as the format says
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        pos = 1 if self._after_cr and chunk[:1] == b"\n" else 0
        for end in _LINE_END.finditer(chunk, pos):
            part = chunk[pos : end.start()]
            if len(self._pending) + len(part) > self._max:
                raise _too_large(self._max)
            if self._pending:
                self._pending += part
                line = bytes(self._pending)
                self._pending.clear()
            else:
                line = part
            self._line(line, events)
            pos = end.end()
        if chunk:
            self._after_cr = chunk.endswith(b"\r")
        rest = len(chunk) - pos
        if rest:
            if len(self._pending) + rest > self._max:
                raise _too_large(self._max)
            self._pending += chunk[pos:]
        return events

    def _line(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if self._first:
            self._first = False
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw:
            self._dispatch(events)
            return
        if raw.startswith(b":"):
            return  # a comment (keep-alive)
        name, colon, value = raw.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        text = value.decode("utf-8", "replace")
        if name == b"data":
            self._size += len(value) + 1
            if self._size > self._max:
                raise _too_large(self._max)
            self._data.append(text)
        elif name == b"event":
            self._event = text
        elif name == b"id" and "\0" not in text:
            self._id = text
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)
        # Any other field is ignored.

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            events.append(
                ServerSentEvent(
                    "\n".join(self._data), self._event or "message", self._id, self._retry
                )
            )
        self._data = []
        self._size = 0
        self._event = ""


async def aiter_sse(
    response: httpx.Response, max_bytes: int
) -> AsyncGenerator[ServerSentEvent, None]:
    """The events of a streamed reply; a partial event at the end is dropped, as the format
    says. The body iterator is closed here, not left to the garbage collector."""
    decoder = SSEDecoder(max_bytes)
    chunks = response.aiter_bytes()
    try:
        async for chunk in chunks:
            for event in decoder.feed(chunk):
                yield event
    finally:
        await close_iterator(chunks, response)
