"""The transports under our ``httpx.AsyncClient``: httpx's own, split into small pools, or aiohttp.

Why split httpx's pool: on every request, and again when its response is closed, httpcore's
pool walks all of its connections and probes the socket of each idle one to see whether the
server closed it. That costs little with a handful of connections and most of the client's CPU
with hundreds: at 256 requests in flight it is several milliseconds per request, ten times what
the rest of the request costs. :class:`PoolShards` keeps the same connections in many small
pools instead, so that each walk covers a few.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Final

import httpx

from .errors import ArgumentError
from .runtime import running_async_library

SHARD_SIZE: Final = 4
"""Requests in flight (and so connections) per pool; small keeps each pool's walk short."""


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process rather than once per client.

    Loading it is most of the cost of constructing an ``httpx.AsyncClient`` (tens of ms), and it
    is only needed once a request goes out, so it is loaded then.
    """
    return httpx.create_ssl_context(verify=True, trust_env=True)


class _Shard:
    __slots__ = ("idle_since", "in_flight", "transport")

    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport
        self.in_flight = 0
        self.idle_since = time.monotonic()

    def release(self) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self.idle_since = time.monotonic()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its pool's slot back when it is closed (once)."""

    __slots__ = ("_shard", "_stream")

    def __init__(self, stream: httpx.AsyncByteStream, shard: _Shard) -> None:
        self._stream = stream
        self._shard: _Shard | None = shard

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        shard, self._shard = self._shard, None
        try:
            await self._stream.aclose()
        finally:
            if shard is not None:
                shard.release()


class PoolShards(httpx.AsyncBaseTransport):
    """httpx's transport as many pools of ``SHARD_SIZE`` connections, made as they are needed.

    A request goes to the first pool with room, so a client sending one request at a time always
    reuses the same warm connection. When every pool is full a new one is made, up to
    ``limits.max_connections`` connections in all; past that the least busy pool queues it. A
    pool left idle at the end of the list for longer than the keep-alive expiry is closed.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = httpx.Limits(
            max_connections=SHARD_SIZE,
            max_keepalive_connections=SHARD_SIZE,
            keepalive_expiry=limits.keepalive_expiry,
        )
        self._max_shards = max(1, (limits.max_connections or 1_000_000) // SHARD_SIZE)
        self._shards: list[_Shard] = []

    def _pick(self) -> _Shard:
        shards = self._shards
        for shard in shards:
            if shard.in_flight < SHARD_SIZE:
                return shard
        if len(shards) < self._max_shards:
            transport = httpx.AsyncHTTPTransport(verify=default_ssl_context(), limits=self._limits)
            shards.append(_Shard(transport))
            return shards[-1]
        return min(shards, key=lambda shard: shard.in_flight)

    def _stale_tail(self) -> _Shard | None:
        """The last pool, if it has been idle longer than a connection may stay alive."""
        shards, expiry = self._shards, self._limits.keepalive_expiry
        if len(shards) < 2 or expiry is None:
            return None
        last = shards[-1]
        if last.in_flight or time.monotonic() - last.idle_since <= expiry:
            return None
        return shards.pop()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        stale = self._stale_tail()
        if stale is not None:
            await stale.transport.aclose()
        shard = self._pick()
        shard.in_flight += 1
        try:
            response = await shard.transport.handle_async_request(request)
        except BaseException:
            shard.release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, shard)
        return response

    async def aclose(self) -> None:
        shards, self._shards = self._shards, []
        for shard in shards:
            await shard.transport.aclose()


def aiohttp_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """httpx on aiohttp (the ``aiohttp`` extra, ``httpx-aiohttp``), asyncio only."""
    _require_asyncio_or_no_loop()
    return _aiohttp_transport_class()(verify=default_ssl_context(), limits=limits)


@functools.cache
def _aiohttp_transport_class() -> Callable[..., httpx.AsyncBaseTransport]:
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        raise ArgumentError(
            "transport",
            "'aiohttp' needs the aiohttp extra: pip install 'mistral-async[aiohttp]'",
        ) from None

    class AsyncioAiohttpTransport(AiohttpTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            _require_asyncio_or_no_loop()
            return await super().handle_async_request(request)

    return AsyncioAiohttpTransport


def _require_asyncio_or_no_loop() -> None:
    library = running_async_library()
    if library is not None and library != "asyncio":
        raise ArgumentError(
            "transport",
            f"'aiohttp' runs on asyncio only; use the default transport ('httpx') with {library}",
        )
