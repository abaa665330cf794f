"""A pure parser for `text/event-stream` bodies, used to check recorded streams.

Follows the WHATWG HTML "event stream interpretation" rules: lines end with CRLF, LF or CR;
a line starting with ``:`` is a comment; ``field: value`` loses one leading space of the value;
several ``data`` lines join with ``\\n``; a blank line dispatches the event; an event without
data is not dispatched. The one departure: a last event that the body ends without dispatching
is reported (as ``unterminated``) instead of silently dropped, because for a conformance check a
stream cut in the middle of an event is exactly what we want to see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched server-sent event."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


@dataclass(frozen=True)
class ParsedStream:
    """The events of a body, and the text of an event the body left unterminated, if any."""

    events: list[SSEEvent]
    unterminated: str | None


def parse_event_stream(text: str) -> ParsedStream:
    """Split an event-stream body into events (see the module docstring for the rules)."""
    events: list[SSEEvent] = []
    data: list[str] = []
    event: str | None = None
    event_id: str | None = None
    retry: int | None = None
    pending: list[str] = []  # raw lines of the event being read, for `unterminated`
    lines = _LINE_BREAK.split(text)
    # A body that ends with a line break yields one empty string after it: not a blank line.
    ends_with_break = lines[-1] == ""
    if ends_with_break:
        lines.pop()
    for line in lines:
        if line == "":
            if data:
                events.append(SSEEvent("\n".join(data), event, event_id, retry))
            data, event, retry, pending = [], None, None, []
            continue
        pending.append(line)
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            # Per the spec the last event id persists across events.
            event_id = value
        elif name == "retry" and value.isdigit():
            retry = int(value)
    unterminated = "\n".join(pending) if pending else None
    return ParsedStream(events, unterminated)
