"""A tiny ASGI app that replies with scripted bodies, for the reply and stream shapes the local
server does not send on its own (a 204 on any path, a bare array, a stream cut on purpose).

``ScriptedApp.script(path, ...)`` sets what ``path`` answers; every request is counted per path.
A streamed body is a list of frames (SSE events, or any bytes with ``media_type`` given), sent
as they are, ``pause`` seconds apart; the item ``CUT`` makes the server abort the connection
there (the client sees an incomplete chunked body).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

CUT = object()
"""In a stream script: abort the connection here."""


def frame(data: Any, event: str | None = None) -> str:
    """One SSE event: ``data`` as JSON (a str is sent as it is)."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event is not None else ""
    return f"{head}data: {text}\n\n"


@dataclass
class _Script:
    status: int = 200
    body: bytes = b""
    media_type: str = "application/json"
    frames: Sequence[Any] | None = None
    pause: float = 0.0
    """Seconds between two frames."""


class ScriptedApp:
    def __init__(self) -> None:
        self.scripts: dict[str, list[_Script]] = {}
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.app = Starlette(
            routes=[
                Route(
                    "/{path:path}", self._serve, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
                )
            ]
        )

    def script(
        self,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        body: bytes | None = None,
        media_type: str = "application/json",
        frames: Sequence[Any] | None = None,
        pause: float = 0.0,
        append: bool = False,
    ) -> None:
        """What ``path`` answers; with ``append``, the answer to the request after the ones
        already scripted (the last script answers every later request)."""
        if frames is not None and media_type == "application/json":
            media_type = "text/event-stream"
        content = (
            body
            if body is not None
            else (b"" if json_body is None else json.dumps(json_body).encode())
        )
        script = _Script(status, content, media_type, frames, pause)
        if append:
            self.scripts.setdefault(path, []).append(script)
        else:
            self.scripts[path] = [script]

    async def _serve(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        body = await request.body()
        self.requests.append((request.method, path, body, dict(request.headers)))
        index = self.calls[path]
        self.calls[path] += 1
        scripts = self.scripts.get(path)
        if not scripts:
            return Response(
                b'{"object":"error","message":"no script"}', 404, media_type="application/json"
            )
        script = scripts[min(index, len(scripts) - 1)]
        if script.frames is None:
            return Response(
                script.body, script.status, media_type=script.media_type if script.body else None
            )
        return StreamingResponse(
            _frames(script.frames, script.pause), script.status, media_type=script.media_type
        )


async def _frames(frames: Sequence[Any], pause: float) -> AsyncIterator[bytes]:
    for index, item in enumerate(frames):
        if index and pause:
            await anyio.sleep(pause)
        if item is CUT:
            raise ConnectionAbortedError("cut on purpose")  # uvicorn aborts the response
        yield item.encode() if isinstance(item, str) else item
