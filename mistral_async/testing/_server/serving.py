"""Serving the app: :class:`LocalServer` (a background thread, for tests) and :func:`run_server`
(blocking, for ``mistral-async serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn

from .._spec.exchanges import ExchangeLog
from .._state.store import Store
from .app import MistralApp
from .faults import Faults

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


def _config(app: MistralApp, host: str, port: int, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # Fixed choices: the fault behaviour (how a dropped connection looks) is h11's.
        http="h11",
        loop="asyncio",
        ws="none",
        lifespan="off",
        # A stall or a stream still open when the server stops is cut after this long.
        timeout_graceful_shutdown=1,
        **options,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, telling another thread when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class LocalServer:
    """A local Mistral-compatible server on a background thread, with its own event loop.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with LocalServer(record=True) as server:
            httpx.post(f"{server.url}/v1/chat/completions", headers=..., json=...)
            server.faults.add("status", status=429, headers={"Retry-After": "1"})
            assert server.exchanges[-1].status == 200

    The caller's thread may run asyncio, trio or nothing: the server never shares its loop.

    :param api_key: the only bearer key accepted; ``None`` accepts any non-empty key.
    :param validate_requests: answer 422 to bodies the spec refuses.
    :param record: keep every exchange in :attr:`exchanges`.
    :param host: the address to listen on; loopback unless you mean otherwise.
    :param port: the port; 0 lets the OS choose a free one (see :attr:`port`).
    :param seed: mixed into every simulated answer.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        validate_requests: bool = True,
        record: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
    ) -> None:
        self.app: MistralApp = MistralApp(
            api_key=api_key, validate_requests=validate_requests, record=record, seed=seed
        )
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None

    @property
    def faults(self) -> Faults:
        """The fault queue; see :class:`~mistral_async.testing.Faults`."""
        return self.app.faults

    @property
    def exchanges(self) -> ExchangeLog:
        """What went over the wire (with ``record=True``), oldest first."""
        return self.app.exchanges

    @property
    def store(self) -> Store:
        """The server's files, jobs and fine-tuned models; see :attr:`MistralApp.store`."""
        return self.app.store

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def reset(self) -> None:
        """Forget exchanges and faults and refill the rate-limit budgets: per-test isolation."""
        self.app.reset()

    def start(self) -> None:
        """Start serving and return once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        # Bind here, not in uvicorn, so port 0 is resolved before start() returns and a bind
        # error is raised in the caller's thread.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
        # without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._requested_port))
        except BaseException:
            sock.close()
            raise
        port: int = sock.getsockname()[1]
        self._port = port
        self._server = _Server(
            _config(self.app, self.host, port, log_config=None, access_log=False)
        )
        self._failure = None
        self.app.stop_signal.rearm()
        self._thread = threading.Thread(
            target=self._serve,
            args=(self._server, sock),
            name=f"LocalServer:{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not self._server.ready.wait(_START_TIMEOUT) or not self._thread.is_alive():
            self.stop()
            raise RuntimeError(f"the local server did not start: {self._failure!r}")

    def _serve(self, server: _Server, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported by start(); a thread has nowhere to raise to
            self._failure = exc
        finally:
            sock.close()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    def stop(self) -> None:
        """Stop serving: stalls end, open streams get a second to finish, then the thread ends."""
        server, thread, loop = self._server, self._thread, self._loop
        if server is None or thread is None:
            return
        server.should_exit = True
        if loop is not None and not loop.is_closed():
            # RuntimeError: the loop closed in between, so nothing is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.app.stop_signal.set)
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError("the local server did not stop in time")
        self._server = self._thread = None
        self._port = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "stopped"
        return f"<LocalServer {where}>"


def run_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    api_key: str | None = None,
    validate_requests: bool = True,
    record: bool = False,
    seed: int = 0,
    log_level: str = "info",
    latency: float = 0.0,
    faults: Sequence[tuple[str, int | None, Mapping[str, Any]]] = (),
) -> None:
    """Serve in the foreground until interrupted (Ctrl+C), with uvicorn's usual logging.

    :param latency: seconds every request waits before it is served.
    :param faults: ``(kind, times, params)`` to queue, as ``Faults.add`` takes them.
    """
    app = MistralApp(
        api_key=api_key,
        validate_requests=validate_requests,
        record=record,
        seed=seed,
        latency=latency,
    )
    for kind, times, params in faults:
        app.faults.add(kind, times=times, **params)  # type: ignore[arg-type]
    logging.getLogger("asyncio").addFilter(_closed_socket_filter)
    uvicorn.Server(_config(app, host, port, log_level=log_level)).run()


class _ClosedSocketFilter(logging.Filter):
    """Drops asyncio's "socket.send() raised exception." warnings.

    asyncio logs one when a transport keeps writing after the peer has closed the socket: a
    client that stops reading a stream early (a ``break``, Ctrl-C, a cut fault) while the
    server still has events queued. Nothing is wrong on the server's side (the response ends as
    soon as the disconnect is noticed), so the foreground server does not print them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "socket.send() raised exception" not in record.getMessage()


_closed_socket_filter = _ClosedSocketFilter()


def port_in_use(host: str, port: int) -> OSError | None:
    """Why ``host:port`` cannot be listened on (already in use...), or ``None`` if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds (SO_REUSEADDR), so a port in TIME_WAIT is not reported as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None
