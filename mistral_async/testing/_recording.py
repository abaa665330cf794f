"""Recording what went over the wire: :class:`Exchange`, :class:`ExchangeLog`, and the ASGI
middleware that fills it.

The middleware sits outside everything else (auth, faults, routes), so an exchange holds the
request as the client sent it and the response as the client received it, byte for byte,
including a stream's whole ``text/event-stream`` text and a response a fault cut short.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._asgi import read_body, replay

FAULT_SCOPE_KEY = "mistral_async.fault"  # set by the fault middleware, read here


@dataclass(frozen=True)
class Exchange:
    """One request and its response as they went over the wire.

    :param request_headers: lower-case names; ``authorization`` is never recorded.
    :param status: ``None`` if the server sent no response at all.
    :param response_body: everything sent, which for a cut response is less than announced.
    :param complete: whether the response was sent to its end.
    :param disconnected: whether the server saw the client leave before the response ended.
    :param fault: the kind of fault injected into this exchange, or ``None``.
    :param request_id: the ``x-request-id`` the server gave the response.
    """

    method: str
    path: str
    query: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int | None
    response_headers: Mapping[str, str]
    response_body: bytes
    complete: bool
    disconnected: bool
    fault: str | None
    request_id: str | None

    @property
    def content_type(self) -> str:
        """The response's content type (``""`` if none)."""
        return self.response_headers.get("content-type", "")

    @property
    def request_content_type(self) -> str:
        return self.request_headers.get("content-type", "")

    def json(self) -> Any:
        """The response body, decoded as JSON."""
        return json.loads(self.response_body)

    def request_json(self) -> Any:
        """The request body, decoded as JSON."""
        return json.loads(self.request_body)


class ExchangeLog(Sequence[Exchange]):
    """The exchanges a server recorded, oldest first; safe to read while the server appends."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._items: list[Exchange] = []
        self._in_flight = 0

    def begin(self) -> None:
        """A request started; its exchange will be appended by :meth:`end`."""
        with self._lock:
            self._in_flight += 1

    def end(self, exchange: Exchange) -> None:
        """A request ended: record its exchange."""
        with self._lock:
            self._in_flight -= 1
            self._items.append(exchange)
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Wait until no request is being served (so the log holds every exchange begun so
        far); False if some still were after ``timeout`` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[Exchange]:
        """A copy of the list as it is now."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Exchange: ...
    @overload
    def __getitem__(self, index: slice) -> list[Exchange]: ...
    def __getitem__(self, index: int | slice) -> Exchange | list[Exchange]:
        with self._lock:
            return self._items[index]

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"ExchangeLog({len(self)} exchanges)"


def _header_map(raw: Sequence[tuple[bytes, bytes]], skip: bytes = b"") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name == skip.decode():
            continue
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


class RecordingMiddleware:
    """Appends an :class:`Exchange` to ``log`` for every HTTP request, however it ends.

    A complete response is recorded just before its last part is sent, so a client that has
    read a response finds its exchange already in the log; any other, when the app returns
    (before the server closes a connection a fault cut).
    """

    def __init__(self, app: ASGIApp, log: ExchangeLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read the body here, not as the app reads it: a request refused before its body is
        # read (a 401, a fault) was still sent in full by the client.
        request_body = await read_body(receive)
        app_receive = replay(request_body, receive)
        status: int | None = None
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        complete = disconnected = recorded = False

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            headers = _header_map(response_headers)
            self.log.end(
                Exchange(
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    request_headers=_header_map(scope["headers"], skip=b"authorization"),
                    request_body=request_body,
                    status=status,
                    response_headers=headers,
                    response_body=b"".join(chunks),
                    complete=complete,
                    disconnected=disconnected and not complete,
                    fault=scope.get(FAULT_SCOPE_KEY),
                    request_id=headers.get("x-request-id"),
                )
            )

        async def recording_receive() -> Message:
            nonlocal disconnected
            message = await app_receive()
            disconnected = disconnected or message["type"] == "http.disconnect"
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status, response_headers, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                complete = not message.get("more_body", False)
                if complete:
                    record()
            await send(message)

        self.log.begin()
        try:
            await self.app(scope, recording_receive, recording_send)
        except OSError:
            disconnected = True  # a send to a client that has gone
            raise
        finally:
            record()
