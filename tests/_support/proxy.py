"""A small forwarding HTTP proxy on 127.0.0.1 for tests, counting what passes through it.

It forwards plain HTTP requests (absolute-form, ``GET http://127.0.0.1:port/path``) and tunnels
``CONNECT 127.0.0.1:port`` (what clients do for ``https://``), to 127.0.0.1 only: any other
destination is answered 403 and counted as refused. A forwarded request goes out with
``Connection: close``, so that every request is one connection and is counted once.

Bounded: at most ``max_connections`` connections in its life (later ones are closed at once),
every read waits ``idle_timeout`` seconds at most, and stopping it closes whatever is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

HOST = "127.0.0.1"
_DROPPED = frozenset({"proxy-authorization", "proxy-connection", "connection", "keep-alive"})


@dataclass(frozen=True)
class Passage:
    """One request the proxy saw."""

    kind: Literal["forward", "tunnel", "refused"]
    method: str
    target: str
    """The absolute URL forwarded, or the ``host:port`` tunnelled to."""
    proxy_authorization: str | None


class ForwardingProxy:
    """Use as a context manager; :attr:`url` is the proxy's URL, :attr:`passages` its count."""

    def __init__(
        self,
        *,
        max_connections: int = 64,
        idle_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """:param ssl_context: serve TLS with it: an ``https://`` proxy."""
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._idle_timeout = idle_timeout
        self._accepted = 0
        self._lock = threading.Lock()
        self._passages: list[Passage] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._port = 0

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context is not None else "http"
        return f"{scheme}://{HOST}:{self._port}"

    @property
    def passages(self) -> list[Passage]:
        with self._lock:
            return list(self._passages)

    def kinds(self) -> list[str]:
        return [passage.kind for passage in self.passages]

    def _record(self, passage: Passage) -> None:
        with self._lock:
            self._passages.append(passage)

    def __enter__(self) -> ForwardingProxy:
        self._thread = threading.Thread(target=self._run, name="ForwardingProxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the test proxy did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if thread is not None:
            thread.join(10)
            if thread.is_alive():
                raise RuntimeError("the test proxy did not stop in time")

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        handlers: set[asyncio.Task[None]] = set()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await self._handle(reader, writer)
            finally:
                handlers.discard(task)
                writer.close()

        server = await asyncio.start_server(accept, HOST, 0, ssl=self._ssl_context)
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            for task in list(handlers):
                task.cancel()
            if handlers:
                await asyncio.wait(list(handlers), timeout=5)

    async def _read(self, reading: Awaitable[bytes]) -> bytes:
        return await asyncio.wait_for(reading, self._idle_timeout)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self._accepted += 1
            if self._accepted > self._max_connections:
                return
        try:
            head = await self._read(reader.readuntil(b"\r\n\r\n"))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines if line]
        auth = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
        if method == "CONNECT":
            kind: Literal["forward", "tunnel"] = "tunnel"
            host, _, port_text = target.rpartition(":")
            scheme_ok = True
        else:
            kind = "forward"
            url = urlsplit(target)
            host, port_text, scheme_ok = (
                url.hostname or "",
                str(url.port or 80),
                url.scheme == "http",
            )
        if host != HOST or not scheme_ok or not port_text.isdigit():
            self._record(Passage("refused", method, target, auth))
            writer.write(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
            return
        self._record(Passage(kind, method, target, auth))
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, int(port_text)), self._idle_timeout
            )
        except (OSError, TimeoutError):
            writer.write(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
            return
        try:
            if kind == "tunnel":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                path = url.path or "/"
                if url.query:
                    path += "?" + url.query
                kept = "".join(f"{k}: {v}\r\n" for k, v in headers if k.lower() not in _DROPPED)
                up_writer.write(
                    f"{method} {path} {version}\r\n{kept}Connection: close\r\n\r\n".encode(
                        "latin-1"
                    )
                )
            await self._pipe_both(reader, writer, up_reader, up_writer)
        finally:
            up_writer.close()

    async def _pipe_both(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        """Copy both ways until either side closes (or is idle too long), then end both."""
        copies = [
            asyncio.ensure_future(self._copy(reader, up_writer)),
            asyncio.ensure_future(self._copy(up_reader, writer)),
        ]
        try:
            await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for copy in copies:
                copy.cancel()
            await asyncio.wait(copies)

    async def _copy(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, TimeoutError):
            while data := await self._read(source.read(65536)):
                sink.write(data)
                await sink.drain()
