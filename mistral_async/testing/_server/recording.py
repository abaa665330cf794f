"""The ASGI middleware that records every exchange into an :class:`~.._spec.exchanges.ExchangeLog`.

It sits outside everything else (auth, faults, routes), so an exchange holds the request as the
client sent it and the response as the client received it, byte for byte, including a stream's
whole ``text/event-stream`` text and a response a fault cut short.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._spec.exchanges import Exchange, ExchangeLog
from .asgi import read_body, replay

FAULT_SCOPE_KEY = "mistral_async.fault"  # set by the fault middleware, read here


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
