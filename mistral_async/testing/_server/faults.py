"""Programmable failures: what a client must survive, on demand.

``server.faults.add(kind, times=1, path=None, method=None, **params)`` queues a fault; each
incoming request takes the first queued fault whose ``path`` (an :mod:`fnmatch` pattern such as
``"/v1/models/*"``) and ``method`` match it, FIFO, ``times`` times (``None``: until cleared).
Requests that fail authentication never take one.

========================  ===============================================================
kind (params)             what the client sees
========================  ===============================================================
``status``                ``status`` (default 500) with ``headers`` and ``body`` (default:
(status, headers, body,   the live API's error object, e.g. 429 ``rate_limited`` code
gateway)                  ``"1300"``; with ``gateway=True`` the gateway's shape instead:
                          429 ``{"message": "Requests rate limit exceeded"}``, 401
                          ``{"detail": "Unauthorized"}``), e.g. 429 with ``Retry-After: 1``.
``disconnect``            the real response's headers and half its body, then the TCP
                          connection closes (httpx: ``RemoteProtocolError``).
``cut_stream``            the first ``after_events`` (default 1) SSE events, then the
(after_events)            connection closes: no ``[DONE]``.
``stall``                 nothing for ``seconds``, then the normal response; with
(seconds, after_events)   ``after_events``, a pause after that many SSE events instead.
``malformed``             ``status`` (default 200) with a body that is not JSON (or ``body``).
(status, body)
``stream_error``          ``after_events`` (default 1) events, then ``data: {"object":
(after_events, message,   "error", ...}`` and a clean end, as when generation fails
error_type, code)         mid-stream; on a conversation stream the spec's in-band error
                          instead: ``event: conversation.response.error`` with ``data:
                          {"type": "conversation.response.error", "message", "code"}``
                          (``code`` an integer: ``code`` if it is one, else 500); in another
                          stream of named events (audio), ``event: error`` and ``data:
                          {"error": {"object": "error", ...}}``.
========================  ===============================================================

Stream faults (``cut_stream``, ``stream_error``, ``stall`` with ``after_events``) act on
``text/event-stream`` responses; a request answered with JSON passes through unchanged, so
target them with ``path``/``method`` when other requests may come first. Stalls sleep
asynchronously (other requests go on) and end at once when the server stops.
"""

from __future__ import annotations

import contextvars
import fnmatch
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, get_args

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._spec.error_bodies import (
    GATEWAY_RATE_LIMITED_BODY,
    UNAUTHORIZED_BODY,
    error_json,
    error_object,
)
from .asgi import read_body, replay, respond
from .recording import FAULT_SCOPE_KEY

FaultKind = Literal["status", "disconnect", "cut_stream", "stall", "malformed", "stream_error"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
_PARAMS: dict[str, frozenset[str]] = {
    "status": frozenset({"status", "headers", "body", "gateway"}),
    "disconnect": frozenset(),
    "cut_stream": frozenset({"after_events"}),
    "stall": frozenset({"seconds", "after_events"}),
    "malformed": frozenset({"status", "body"}),
    "stream_error": frozenset({"after_events", "message", "error_type", "code"}),
}
_MALFORMED_BODY = b'{"id": "cmpl-malformed", "object": "chat.completion", "choices": [{"ind'
_EVENT_END = b"\n\n"
_CONVERSATION_STREAMS = "/v1/conversations*"
_CONVERSATION_ERROR = "conversation.response.error"
_Outcome = Literal["pass", "cut", "ended"]


@dataclass(frozen=True)
class Fault:
    """One queued failure; see the module docstring for what each kind does."""

    kind: FaultKind
    path: str | None = None
    method: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str | Mapping[str, Any] | None = None
    after_events: int | None = None
    seconds: float = 0.0
    message: str = "Internal server error during generation"
    error_type: str = "api_error"
    code: str | int | None = None
    gateway: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or fnmatch.fnmatchcase(path, self.path)
        )

    def events_before(self) -> int:
        return 1 if self.after_events is None else self.after_events


@dataclass
class _Queued:
    fault: Fault
    remaining: int | None


class Faults:
    """The fault queue of one server; safe to use from test threads while it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []

    def add(
        self,
        kind: FaultKind,
        *,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        **params: Any,
    ) -> Fault:
        """Queue a fault for the next ``times`` matching requests; returns it.

        :raises ValueError: for an unknown kind, or ``times`` below 1.
        :raises TypeError: for a parameter the kind does not take.
        """
        if kind not in _PARAMS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        unknown = set(params) - _PARAMS[kind]
        if unknown:
            allowed = ", ".join(sorted(_PARAMS[kind])) or "none"
            raise TypeError(f"fault {kind!r} takes no {', '.join(sorted(unknown))} ({allowed})")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for until cleared)")
        fault = Fault(kind, path=path, method=method, **params)
        with self._lock:
            self._queue.append(_Queued(fault, times))
        return fault

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> list[Fault]:
        """The faults still queued, first to be taken first."""
        with self._lock:
            return [queued.fault for queued in self._queue]

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if one is queued (and one use of it spent)."""
        with self._lock:
            for position, queued in enumerate(self._queue):
                if queued.fault.matches(method, path):
                    if queued.remaining is not None:
                        queued.remaining -= 1
                        if queued.remaining == 0:
                            del self._queue[position]
                    return queued.fault
        return None


# Set while a fault cuts a response on purpose, so that uvicorn's "ASGI callable returned without
# completing response" error, logged in the same task right after, is dropped for that request
# only; the same message from a real bug elsewhere still shows.
_CUTTING: contextvars.ContextVar[bool] = contextvars.ContextVar("mistral_fault_cut", default=False)
_INCOMPLETE = "ASGI callable returned without completing response"


class _DeliberateCutFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_CUTTING.get() and record.getMessage().startswith(_INCOMPLETE))


_filter = _DeliberateCutFilter()


class StopSignal:
    """Tells stalls that the server is stopping, so they end at once.

    Use it from the server's event loop only (another thread goes through the loop's
    ``call_soon_threadsafe``); the event is made on first use, inside that loop.
    """

    def __init__(self) -> None:
        self._requested = False
        self._event: anyio.Event | None = None

    def event(self) -> anyio.Event:
        if self._event is None:
            self._event = anyio.Event()
            if self._requested:
                self._event.set()
        return self._event

    def set(self) -> None:
        self._requested = True
        if self._event is not None:
            self._event.set()

    def rearm(self) -> None:
        """Ready for another run of the server, possibly on another event loop."""
        self._requested = False
        self._event = None


async def _disconnected(receive: Receive) -> None:
    """Return once the client has gone (the request body must have been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


class FaultMiddleware:
    """Applies the queued faults. Sits inside auth, outside the routes."""

    def __init__(self, app: ASGIApp, faults: Faults, stop_signal: StopSignal) -> None:
        self.app = app
        self.faults = faults
        self._stop_signal = stop_signal
        logger = logging.getLogger("uvicorn.error")
        if _filter not in logger.filters:
            logger.addFilter(_filter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = (
            self.faults.take(scope["method"], scope["path"]) if scope["type"] == "http" else None
        )
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope[FAULT_SCOPE_KEY] = fault.kind
        # Read the body before faulting, so the client is never stuck sending it.
        app_receive = replay(await read_body(receive), receive)
        if fault.kind == "status":
            await self._status(fault, send)
        elif fault.kind == "malformed":
            body = fault.body if fault.body is not None else _MALFORMED_BODY
            await respond(send, fault.status or 200, _encode(body))
        elif fault.kind == "stall" and fault.after_events is None:
            outcome = await self._sleep(fault.seconds, receive)
            if outcome == "slept":
                await self.app(scope, app_receive, send)
            elif outcome == "stopping":
                await respond(send, 503, error_json(503, "The server is stopping"))
            # "gone": the client gave up waiting; there is no one to answer.
        else:
            await self._stream_fault(fault, scope, app_receive, send)

    async def _status(self, fault: Fault, send: Send) -> None:
        status = fault.status or 500
        body = fault.body if fault.body is not None else _default_body(status, fault.gateway)
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers.items()
        ]
        await respond(send, status, _encode(body), headers=headers)

    async def _sleep(
        self, seconds: float, receive: Receive | None = None
    ) -> Literal["slept", "stopping", "gone"]:
        """Sleep, unless the server stops or (given ``receive``) the client leaves first.

        In a stream there is no ``receive`` to watch: Starlette cancels the response when the
        client leaves, and the cancellation ends the sleep.
        """
        outcome: Literal["slept", "stopping", "gone"] = "slept"
        async with anyio.create_task_group() as group:

            async def until_stopping() -> None:
                nonlocal outcome
                await self._stop_signal.event().wait()
                outcome = "stopping"
                group.cancel_scope.cancel()

            async def until_gone(receive: Receive) -> None:
                nonlocal outcome
                await _disconnected(receive)
                outcome = "gone"
                group.cancel_scope.cancel()

            group.start_soon(until_stopping)
            if receive is not None:
                group.start_soon(until_gone, receive)
            await anyio.sleep(seconds)
            group.cancel_scope.cancel()
        return outcome

    async def _stream_fault(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind == "disconnect":
            forward: _HalfBody | _EventGate = _HalfBody(send)
        else:
            action = self._action(fault, send, scope["path"])
            forward = _EventGate(send, fault.events_before(), action)
        await self.app(scope, receive, forward)
        if forward.cut:
            _CUTTING.set(True)  # returning now leaves the response incomplete: uvicorn closes

    def _action(
        self, fault: Fault, send: Send, path: str
    ) -> Callable[[_EventGate], Awaitable[_Outcome]]:
        """What happens at the gate of an event stream (of a request for ``path``)."""

        async def cut(gate: _EventGate) -> _Outcome:
            return "cut"

        async def error_event(gate: _EventGate) -> _Outcome:
            event = _in_band_error(fault, path, named=gate.named)
            await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return "ended"

        async def pause(gate: _EventGate) -> _Outcome:
            return "pass" if await self._sleep(fault.seconds) == "slept" else "cut"

        return {"cut_stream": cut, "stream_error": error_event, "stall": pause}[fault.kind]


def _in_band_error(fault: Fault, path: str, *, named: bool) -> bytes:
    """The error event a ``stream_error`` fault sends: the spec's ``ResponseErrorEvent`` on a
    conversation stream, an ``error`` event in another stream of ``named`` events, the error
    object of chat streams elsewhere."""
    if fnmatch.fnmatchcase(path, _CONVERSATION_STREAMS):
        code = fault.code
        number = code if isinstance(code, int) else int(code) if code and code.isdigit() else 500
        data = {
            "type": _CONVERSATION_ERROR,
            "created_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "message": fault.message,
            "code": number,
        }
        text = json.dumps(data, separators=(",", ":"))
        return f"event: {_CONVERSATION_ERROR}\ndata: {text}".encode() + _EVENT_END
    error = error_json(500, fault.message, error_type=fault.error_type, code=fault.code)
    if named:
        # A stream whose data objects are told apart by their `type` (audio): the error object
        # goes under `error`, so that its own `type` (`api_error`) cannot read as an event type.
        return b'event: error\ndata: {"error": ' + error + b"}" + _EVENT_END
    return b"data: " + error + _EVENT_END


def _default_body(status: int, gateway: bool) -> Mapping[str, Any]:
    if not gateway:
        return error_object(status)
    if status == 401:
        return UNAUTHORIZED_BODY
    if status == 429:
        return GATEWAY_RATE_LIMITED_BODY
    return {"message": error_object(status)["message"]}


def _encode(body: bytes | str | Mapping[str, Any]) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


class _HalfBody:
    """A ``send`` that lets the headers and half the first body part through, then nothing."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.cut = False

    async def __call__(self, message: Message) -> None:
        if self.cut:
            return
        if message["type"] == "http.response.body":
            body = bytes(message.get("body", b""))
            if not body and message.get("more_body", False):
                return  # wait for a part with bytes in it, to cut inside the body
            await self._send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            self.cut = True
            return
        await self._send(message)


class _EventGate:
    """A ``send`` that passes an event stream one event at a time and, before event number
    ``events_before`` (or at the end, if the stream is shorter), runs ``action`` once: "pass"
    lets the rest through; "cut" and "ended" let nothing more through, "cut" leaving the
    response incomplete. Responses that are not event streams pass as they are."""

    def __init__(
        self,
        send: Send,
        events_before: int,
        action: Callable[[_EventGate], Awaitable[_Outcome]],
    ) -> None:
        self._send = send
        self._events_before = events_before
        self._action = action
        self._events = 0
        self._buffer = b""
        self._stream = False
        self._closed = False
        self.cut = False
        self.named = False
        """Whether the stream's events have names (``event:`` lines), as far as seen."""

    async def __call__(self, message: Message) -> None:
        if self._closed:
            return
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            self._stream = content_type.startswith(b"text/event-stream")
            await self._send(message)
            return
        if not self._stream or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._buffer += bytes(message.get("body", b""))
        while _EVENT_END in self._buffer:
            event, _, self._buffer = self._buffer.partition(_EVENT_END)
            self.named = self.named or event.startswith(b"event:") or b"\nevent:" in event
            if not await self._gate():
                return
            self._events += 1
            body = event + _EVENT_END
            await self._send({"type": "http.response.body", "body": body, "more_body": True})
        if not message.get("more_body", False):
            self._events = max(self._events, self._events_before)  # a short stream: gate at end
            if await self._gate():
                await self._send(
                    {"type": "http.response.body", "body": self._buffer, "more_body": False}
                )

    async def _gate(self) -> bool:
        """Whether forwarding goes on; runs the action when its event is next."""
        if self._events != self._events_before:
            return True
        self._events_before = -1  # once only
        outcome = await self._action(self)
        if outcome == "pass":
            return True
        self._closed = True
        self.cut = outcome == "cut"
        return False
