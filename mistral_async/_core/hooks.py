"""Per-attempt hooks: a seam inside the retry loop for metrics, custom auth, capture.

``AsyncMistral(hooks=Hooks(before_attempt=..., after_attempt=...))``, or ``hooks=`` per call
(both run: the client's first). Each hook is a plain or an ``async`` function of one
:class:`Attempt`:

- ``before_attempt`` runs before each attempt is sent, retries included, with
  ``attempt.request``, the ``httpx.Request`` about to go out: it may change its headers (a
  signature, a token) — the change stays for later attempts of the same call, which send the
  same request object.
- ``after_attempt`` runs after each attempt with ``attempt.response`` (any status: the reply of
  an error status has its body read; a successful one too, except a stream's, which is seen
  when its headers arrive) or ``attempt.error`` (the transport error or timeout), and
  ``attempt.elapsed``.

A hook that raises ends the call with its exception, unchanged and not retried (a hook's bug
is not a transient failure); the connection and the concurrency slot are given back. A reply
the response cache gives makes no attempt, and calls no hook. Hooks run on the event loop (on
the blocking client's loop thread): keep them quick, or make them ``async``.

The usage tracker's and the cache's observations fit this seam: both need only the request
and the reply (see ``tests/core/test_hooks.py``); they are wired in directly for speed.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import ArgumentError
from .logs import log, log_attempt

HookFunction = Callable[["Attempt"], Awaitable[None] | None]
"""A hook: a function (or ``async`` function) of the :class:`Attempt`."""


@dataclass
class Attempt:
    """One attempt of a call, as the hooks see it."""

    request: httpx.Request
    """The request sent (the same object on every attempt of a call)."""
    number: int
    """1 for the first attempt, 2 for the first retry..."""
    path: str
    """The API path asked for (``/v1/chat/completions``)."""
    stream: bool
    """Whether the reply is read as it comes (a stream, a download)."""
    response: httpx.Response | None = None
    """After the attempt: the reply, whatever its status (``None`` if it failed)."""
    error: Exception | None = None
    """After the attempt: the transport error or timeout it ended with."""
    elapsed: float = 0.0
    """After the attempt: seconds from sending to the reply (its headers, for a stream)."""


@dataclass(frozen=True)
class Hooks:
    """Functions called around every attempt of a call; see :mod:`mistral_async._core.hooks`.

    :param before_attempt: called with the :class:`Attempt` before it is sent.
    :param after_attempt: called with the :class:`Attempt` once it has a reply or an error.
    """

    before_attempt: HookFunction | None = None
    after_attempt: HookFunction | None = None

    def __post_init__(self) -> None:
        for name in ("before_attempt", "after_attempt"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ArgumentError(f"hooks.{name}", f"must be callable, got {value!r}")


def check_hooks(name: str, value: Any) -> Hooks | None:
    if value is not None and not isinstance(value, Hooks):
        raise ArgumentError(name, f"must be a Hooks or None, got {type(value).__name__}")
    return value


async def _call(hook: HookFunction, attempt: Attempt) -> None:
    result = hook(attempt)
    if inspect.isawaitable(result):
        await result


class AttemptWatch:
    """Runs one call's hooks and writes its DEBUG lines, attempt after attempt.

    Made only when a hook is set or DEBUG is on (:meth:`of`), so that neither costs anything
    otherwise.
    """

    __slots__ = ("_attempt", "_debug", "_hooks", "_path", "_started", "_stream")

    def __init__(self, hooks: tuple[Hooks, ...], path: str, stream: bool, debug: bool) -> None:
        self._hooks = hooks
        self._path = path
        self._stream = stream
        self._debug = debug
        self._attempt: Attempt | None = None
        self._started = 0.0

    @classmethod
    def of(
        cls, client_hooks: Hooks | None, call_hooks: Hooks | None, path: str, stream: bool
    ) -> AttemptWatch | None:
        debug = log.isEnabledFor(logging.DEBUG)
        if client_hooks is None and call_hooks is None and not debug:
            return None
        hooks = tuple(h for h in (client_hooks, call_hooks) if h is not None)
        return cls(hooks, path, stream, debug)

    async def before(self, request: httpx.Request, retries: int) -> None:
        attempt = self._attempt = Attempt(request, retries + 1, self._path, self._stream)
        for hooks in self._hooks:
            if hooks.before_attempt is not None:
                await _call(hooks.before_attempt, attempt)
        self._started = time.perf_counter()

    async def after(self, response: httpx.Response | None, error: Exception | None) -> None:
        attempt = self._attempt
        assert attempt is not None
        attempt.elapsed = time.perf_counter() - self._started
        attempt.response = response
        attempt.error = error
        if self._debug:
            log_attempt(attempt.request, attempt.number, attempt.elapsed, response, error)
        for hooks in self._hooks:
            if hooks.after_attempt is not None:
                await _call(hooks.after_attempt, attempt)

    def cached(self, request: httpx.Request, response: httpx.Response) -> None:
        """A reply the cache gave: a DEBUG line, no hook (nothing was sent)."""
        if self._debug:
            log_attempt(request, 0, 0.0, response, None, from_cache=True)
