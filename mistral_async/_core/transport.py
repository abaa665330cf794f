"""The transports under our ``httpx.AsyncClient``: httpx's own, split into small pools, or aiohttp.

Why split httpx's pool: on every request, and again when its response is closed, httpcore's
pool walks all of its connections and probes the socket of each idle one to see whether the
server closed it. That costs little with a handful of connections and most of the client's CPU
with hundreds: at 256 requests in flight it is several milliseconds per request, ten times what
the rest of the request costs. :class:`PoolShards` keeps the same connections in many small
pools instead, so that each walk covers a few.

Why each small pool is our own subclass of httpcore's (``reclaiming_pool.ReclaimingPool``):
httpcore 1.0.9 loses a connection for good when a request is cancelled after the pool gave it a
connection and before the request made that connection its own (encode/httpcore#1093, #658,
#830): the connection is left neither idle, closed, expired nor available, and no request holds
it, so the pool neither reuses nor reclaims it. Plain asyncio cancellation (``task.cancel()``,
``asyncio.wait_for``, ``asyncio.timeout``; what Starlette does when a client disconnects) hits
that window often; with ``SHARD_SIZE`` connections a pool, four such losses stop a pool for good.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Literal

import httpx

from .errors import ArgumentError
from .runtime import running_async_library

SHARD_SIZE: Final = 4
"""Requests in flight (and so connections) per pool; small keeps each pool's walk short."""

POOL_TIMEOUT: Final = 30.0
"""The longest a request waits for a free connection, whatever the request's own ``pool``
timeout says (a shorter one is kept). Past it the request fails with :class:`PoolExhausted`.

The pool is not meant to be a queue: with the client's default ``max_connections`` (1,000) a
request only waits here when that many are already in flight, and the client's concurrency
limit (``max_concurrency``), which waits without a deadline, is the place to queue more. So a
wait this long means the pool cannot serve, and saying so beats a silent wait of ``timeout``
(600 s by default).
"""


@functools.cache
def default_ssl_context(trust_env: bool = True) -> ssl.SSLContext:
    """The certificate store, loaded once per process rather than once per client.

    Loading it is most of the cost of constructing an ``httpx.AsyncClient`` (tens of ms), and it
    is only needed once a request goes out, so it is loaded then. With ``trust_env`` (httpx's
    meaning) ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` name the store.
    """
    return httpx.create_ssl_context(verify=True, trust_env=trust_env)


class PoolExhausted(httpx.PoolTimeout):
    """No connection of the pool became free in time (see :data:`POOL_TIMEOUT`).

    An ``httpx.PoolTimeout``, so the client reports it as an ``APITimeoutError`` (whose message
    names this class) and retries it as it retries any timeout.
    """


def _shard_transport(
    limits: httpx.Limits, proxy: httpx.Proxy | None, ssl_context: ssl.SSLContext
) -> httpx.AsyncHTTPTransport:
    """httpx's transport (through ``proxy`` if one is given) on a pool of its own, made a
    reclaiming one (``reclaiming_pool.reclaim``: httpx has no way to choose the pool class)."""
    # Imported here: httpcore (and, through it, trio when installed) costs tens of milliseconds
    # to import, which httpx itself defers to the first transport too.
    from .reclaiming_pool import reclaim

    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, proxy=proxy)
    reclaim(transport._pool)
    return transport


def capped_pool_timeout(request: httpx.Request, cap: float) -> float:
    """Bound the request's wait for a connection to ``cap`` seconds; returns the bound."""
    timeouts: dict[str, Any] = request.extensions.get("timeout") or {}
    wait = timeouts.get("pool")
    if wait is not None and wait <= cap:
        return float(wait)
    request.extensions = {**request.extensions, "timeout": {**timeouts, "pool": cap}}
    return cap


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
            await _close_to_the_end(self._stream)
        finally:
            if shard is not None:
                shard.release()


async def _close_to_the_end(stream: httpx.AsyncByteStream) -> None:
    """``stream.aclose()``, finished even if the caller is cancelled meanwhile.

    httpcore shields its clean-up with anyio cancel scopes, which hold off trio's and anyio's
    cancellation but not a plain asyncio ``task.cancel()``: one landing on the await inside
    httpcore's close of a response leaves its request registered in the pool and its connection
    ``ACTIVE``, forever. On asyncio the close therefore runs in a task of its own, awaited to its
    end before the cancellation goes on, so no task outlives the call either.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # trio: httpcore's shields hold
        await stream.aclose()
        return
    closing = asyncio.ensure_future(stream.aclose())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        while not closing.done():
            with contextlib.suppress(asyncio.CancelledError):  # cancelled again: close first
                await asyncio.wait((closing,))
        if not closing.cancelled():
            closing.exception()  # retrieved; the caller's cancellation is what it sees
        raise


class PoolShards(httpx.AsyncBaseTransport):
    """httpx's transport as many pools of ``SHARD_SIZE`` connections, made as they are needed.

    A request goes to the first pool with room, so a client sending one request at a time always
    reuses the same warm connection. When every pool is full a new one is made, up to
    ``limits.max_connections`` connections in all; past that the least busy pool queues it, for
    at most ``pool_timeout`` seconds (the request's own ``pool`` timeout if shorter), then raises
    :class:`PoolExhausted`. A pool left idle at the end of the list for longer than the
    keep-alive expiry is closed. A cancelled request, of any kind and at any point, leaves no
    connection behind (see :class:`.reclaiming_pool.ReclaimingPool`).

    :param proxy: every pool's connections go through this proxy (see :mod:`.proxies`).
    :param ssl_context: makes the TLS context to the servers, once the first pool is needed
        (the process's default store unless given).
    """

    def __init__(
        self,
        limits: httpx.Limits,
        pool_timeout: float = POOL_TIMEOUT,
        *,
        proxy: httpx.Proxy | None = None,
        ssl_context: Callable[[], ssl.SSLContext] = default_ssl_context,
    ) -> None:
        self._proxy = proxy
        self._ssl_context = ssl_context
        self._pool_timeout = pool_timeout
        self._max_connections = limits.max_connections
        # Fewer than SHARD_SIZE connections in all: one pool of that many.
        self._shard_size = min(SHARD_SIZE, limits.max_connections or SHARD_SIZE)
        self._limits = httpx.Limits(
            max_connections=self._shard_size,
            max_keepalive_connections=self._shard_size,
            keepalive_expiry=limits.keepalive_expiry,
        )
        self._max_shards = max(1, (limits.max_connections or 1_000_000) // SHARD_SIZE)
        self._shards: list[_Shard] = []

    def _pick(self) -> _Shard:
        shards = self._shards
        for shard in shards:
            if shard.in_flight < self._shard_size:
                return shard
        if len(shards) < self._max_shards:
            ssl_context = self._ssl_context()
            shards.append(_Shard(_shard_transport(self._limits, self._proxy, ssl_context)))
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
        wait = capped_pool_timeout(request, self._pool_timeout)
        shard = self._pick()
        shard.in_flight += 1
        try:
            response = await shard.transport.handle_async_request(request)
        except httpx.PoolTimeout as exc:
            shard.release()
            every = f"all {self._max_connections}" if self._max_connections else "all the"
            raise PoolExhausted(
                f"no connection became free within {wait:g} s: {every} connections of the pool "
                "are in use; set max_concurrency to queue requests on the client instead",
                request=request,
            ) from exc
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


def aiohttp_transport(
    limits: httpx.Limits,
    pool_timeout: float = POOL_TIMEOUT,
    *,
    proxy: httpx.Proxy | None = None,
    ssl_context: Callable[[], ssl.SSLContext] = default_ssl_context,
) -> httpx.AsyncBaseTransport:
    """httpx on aiohttp (the ``aiohttp`` extra, ``httpx-aiohttp``), asyncio only.

    A request waits for a free connection ``pool_timeout`` seconds at most, as on
    :class:`PoolShards`; aiohttp counts that wait and the connect together, and reports running
    out of it as a connect timeout.

    aiohttp goes through ``http://`` proxies only (forwarding plain HTTP, tunnelling HTTPS with
    ``CONNECT``); it has no SOCKS and only partial ``https://`` proxy support, and httpx-aiohttp
    does not pass a proxy's own TLS settings on, so those proxies are refused here rather than
    half-used.
    """
    _require_asyncio_or_no_loop()
    if proxy is not None and proxy.url.scheme != "http":
        raise ArgumentError(
            "proxy",
            f"the aiohttp transport goes through http:// proxies only, not {proxy.url.scheme}://;"
            " use the default transport ('httpx') for this proxy",
        )
    authorization = None
    if proxy is not None and proxy.raw_auth is not None:
        # httpx-aiohttp would pass the credentials as aiohttp's deprecated BasicAuth (a warning
        # on every request); the header it stands for says the same. aiohttp sends a proxy's
        # headers with CONNECT only, so a forwarded request gets it from the transport.
        user, password = proxy.raw_auth
        authorization = "Basic " + base64.b64encode(user + b":" + password).decode("ascii")
        headers = {**proxy.headers, "Proxy-Authorization": authorization}
        proxy = httpx.Proxy(proxy.url, ssl_context=proxy.ssl_context, headers=headers)
    transport = _aiohttp_transport_class()(verify=ssl_context(), limits=limits, proxy=proxy)
    transport.pool_timeout = pool_timeout  # type: ignore[attr-defined]
    transport.proxy_authorization = authorization  # type: ignore[attr-defined]
    return transport


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
        pool_timeout: float = POOL_TIMEOUT
        proxy_authorization: str | None = None

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            _require_asyncio_or_no_loop()
            capped_pool_timeout(request, self.pool_timeout)
            if self.proxy_authorization is not None and request.url.scheme == "http":
                request.headers["Proxy-Authorization"] = self.proxy_authorization
            return await super().handle_async_request(request)

    return AsyncioAiohttpTransport


def _require_asyncio_or_no_loop() -> None:
    library = running_async_library()
    if library is not None and library != "asyncio":
        raise ArgumentError(
            "transport",
            f"'aiohttp' runs on asyncio only; use the default transport ('httpx') with {library}",
        )


# Enough pooled connections that a high max_concurrency is not throttled by the pool; httpx's
# defaults (100 / 20) make 256 concurrent requests queue inside httpcore. The default transport
# splits them into small pools (see PoolShards), each keeping all of its connections alive.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=1000, max_keepalive_connections=200)

TransportName = Literal["httpx", "aiohttp"]
