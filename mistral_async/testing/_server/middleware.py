"""What every response of the live API carries, and the key check in front of everything.

- :class:`ResponseHeadersMiddleware`: a unique ``x-request-id`` and rate-limit headers on every
  response, whatever produced it (a route, a fault, a 401).
- :class:`AuthMiddleware`: ``Authorization: Bearer <key>`` or 401, before any fault or route
  (except a signed file URL, which carries its own proof: see ``routes/files.py``).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from urllib.parse import parse_qs

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._spec.error_bodies import UNAUTHORIZED_BODY
from .asgi import header, respond

# Generous on purpose: test suites send thousands of requests, and a client that paces itself
# on these headers must not slow down. The numbers only have to look and behave like the API's.
REQUESTS_PER_MINUTE = 10_000
TOKENS_PER_MINUTE = 20_000_000
_BYTES_PER_TOKEN = 4  # a request's token cost, estimated from its size before it is read
# What `GET /v1/files/{id}/url` and the libraries' signed URLs hand out; their routes check the
# signature instead of a key.
_SIGNED_FILE_URL = re.compile(r"/v1/files/[^/]+/content|/_local/documents/[^/]+")


class RateLimits:
    """Per-minute request and token budgets, counted down in fixed one-minute windows."""

    def __init__(
        self,
        requests_per_minute: int = REQUESTS_PER_MINUTE,
        tokens_per_minute: int = TOKENS_PER_MINUTE,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start a fresh window with full budgets."""
        with self._lock:
            self._window_start = time.monotonic()
            self._requests = 0
            self._tokens = 0

    def spend(self, tokens: int) -> list[tuple[bytes, bytes]]:
        """Count one request of ``tokens`` and return the headers that report the budgets."""
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= 60:
                self._window_start, self._requests, self._tokens = now, 0, 0
            self._requests += 1
            self._tokens += tokens
            requests_left = max(0, self.requests_per_minute - self._requests)
            tokens_left = max(0, self.tokens_per_minute - self._tokens)
        return [
            (b"x-ratelimit-limit-req-minute", b"%d" % self.requests_per_minute),
            (b"x-ratelimit-remaining-req-minute", b"%d" % requests_left),
            (b"x-ratelimit-limit-tokens-minute", b"%d" % self.tokens_per_minute),
            (b"x-ratelimit-remaining-tokens-minute", b"%d" % tokens_left),
        ]


class ResponseHeadersMiddleware:
    """Adds ``x-request-id`` and the rate-limit headers to every HTTP response."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        tokens = max(1, int(length) // _BYTES_PER_TOKEN) if length and length.isdigit() else 1
        extra = [(b"x-request-id", uuid.uuid4().hex.encode()), *self.limits.spend(tokens)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AuthMiddleware:
    """401 unless the request has a bearer token (equal to ``api_key``, when one is set)."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _signed_file_url(scope):
            problem = self._problem(header(scope, b"authorization"))
            if problem is not None:
                # The gateway's answer, the same for a missing and a wrong key (as live).
                await respond(send, 401, _UNAUTHORIZED)
                return
        await self.app(scope, receive, send)

    def _problem(self, authorization: bytes | None) -> str | None:
        scheme, _, token = (authorization or b"").decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "No API key provided: send Authorization: Bearer <key>"
        if self.api_key is not None and token != self.api_key:
            return "Invalid API key"
        return None


_UNAUTHORIZED = json.dumps(UNAUTHORIZED_BODY, separators=(",", ":")).encode()


def _signed_file_url(scope: Scope) -> bool:
    return (
        scope.get("method") == "GET"
        and _SIGNED_FILE_URL.fullmatch(scope.get("path", "")) is not None
        and "signature" in parse_qs(scope.get("query_string", b"").decode("latin-1"))
    )


class LatencyMiddleware:
    """Waits ``seconds`` before each HTTP request is served, as a network and a busy API would:
    ``mistral-async serve --latency`` lets a client's timeouts and pacing be tried for real."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.seconds > 0:
            await anyio.sleep(self.seconds)
        await self.app(scope, receive, send)
