"""The ``httpx.AsyncClient`` under an ``AsyncMistral``, built in one place.

:func:`async_http_client` is public: it is what the client builds for itself (the sharded pool
or aiohttp, the SDK's limits and timeout, the proxy routes), with the settings users need to
change exposed, so that ``http_client=async_http_client(verify=...)`` keeps the SDK's pool
instead of replacing it with httpx's defaults. :class:`OwnedHttpClients` holds the ones a client
made for itself and for its ``with_options`` copies.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import httpx

from .checks import check_timeout
from .errors import ArgumentError, ClientClosedError
from .json_values import is_tuple
from .options import DEFAULT_TIMEOUT, TimeoutTypes, to_timeout
from .proxies import ProxyTypes, proxy_routes
from .transport import (
    DEFAULT_LIMITS,
    PoolShards,
    TransportName,
    aiohttp_transport,
    default_ssl_context,
)

CertTypes = str | tuple[str, str] | tuple[str, str, str]
"""A client certificate: one PEM file with the key, (cert file, key file), or the two and the
key's password."""

EventHook = Callable[..., Any]


def async_http_client(
    *,
    proxy: ProxyTypes | None = None,
    trust_env: bool = True,
    verify: ssl.SSLContext | str | bool = True,
    cert: CertTypes | None = None,
    limits: httpx.Limits | None = None,
    timeout: TimeoutTypes = DEFAULT_TIMEOUT,
    event_hooks: Mapping[str, list[EventHook]] | None = None,
    transport: TransportName | httpx.AsyncBaseTransport = "httpx",
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` built as ``AsyncMistral`` builds its own, to pass as
    ``http_client=`` with some settings changed; the caller owns it and closes it.

    :param proxy: a proxy URL (``http://``, ``https://``, ``socks5://`` with ``httpx[socks]``)
        or an ``httpx.Proxy``, for every request; it wins over the environment.
    :param trust_env: read ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``,
        ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` as httpx does (when no ``proxy`` is given).
    :param verify: ``True`` (the default CA store), ``False`` (no verification), the path of a
        CA bundle file or directory, or an ``ssl.SSLContext``.
    :param cert: a client certificate for mutual TLS (see :data:`CertTypes`); with an
        ``SSLContext`` as ``verify``, load it into that context instead.
    :param limits: connection limits (1,000 connections by default, in small pools).
    :param timeout: the timeout an ``AsyncMistral`` given this client uses unless it is given
        its own ``timeout``; seconds or an ``httpx.Timeout``.
    :param event_hooks: httpx's ``{"request": [...], "response": [...]}``, async callables
        run for every request sent through this client (each retry too).
    :param transport: ``"httpx"`` (the sharded pool, asyncio and trio), ``"aiohttp"`` (asyncio
        only; ``http://`` proxies only), or any ``httpx.AsyncBaseTransport``
        (``httpx.MockTransport``, ``httpx.ASGITransport``...), which then decides where every
        request goes: ``proxy``, ``verify``, ``cert`` and ``limits`` cannot be given with it.
    """
    if not isinstance(trust_env, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ArgumentError("trust_env", f"must be a bool, got {type(trust_env).__name__}")
    if limits is not None and not isinstance(limits, httpx.Limits):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ArgumentError("limits", f"must be an httpx.Limits, got {type(limits).__name__}")
    common: dict[str, Any] = {
        "timeout": to_timeout(check_timeout("timeout", timeout)),
        "event_hooks": event_hooks,
        "trust_env": trust_env,
    }
    if isinstance(transport, httpx.AsyncBaseTransport):
        given = {
            "proxy": proxy is not None,
            "verify": verify is not True,
            "cert": cert is not None,
            "limits": limits is not None,
        }
        for name, is_given in given.items():
            if is_given:
                raise ArgumentError(
                    name, "cannot be given with a transport object: it routes alone"
                )
        return httpx.AsyncClient(transport=transport, **common)
    limits = limits or DEFAULT_LIMITS
    make = _pool_maker(transport, limits, _ssl_context(verify, cert, trust_env))
    pools: dict[int, httpx.AsyncBaseTransport] = {}  # one per proxy, however many routes use it
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for pattern, route in proxy_routes(proxy, trust_env).items():
        if route is not None and id(route) not in pools:
            pools[id(route)] = make(route)
        mounts[pattern] = None if route is None else pools[id(route)]
    return httpx.AsyncClient(limits=limits, transport=make(None), mounts=mounts, **common)


def _pool_maker(
    transport: Any, limits: httpx.Limits, ssl_context: Callable[[], ssl.SSLContext]
) -> Callable[[httpx.Proxy | None], httpx.AsyncBaseTransport]:
    if transport == "httpx":
        return lambda proxy: PoolShards(limits, proxy=proxy, ssl_context=ssl_context)
    if transport == "aiohttp":
        return lambda proxy: aiohttp_transport(limits, proxy=proxy, ssl_context=ssl_context)
    raise ArgumentError("transport", f"must be 'httpx' or 'aiohttp', got {transport!r}")


def _ssl_context(
    verify: Any, cert: CertTypes | None, trust_env: bool
) -> Callable[[], ssl.SSLContext]:
    """What makes the TLS context: the shared default (loaded at the first request) unless
    ``verify`` or ``cert`` ask otherwise; a context of the caller's is used as is."""
    if verify is True and cert is None:
        return functools.partial(default_ssl_context, trust_env)
    if isinstance(verify, ssl.SSLContext):
        if cert is not None:
            raise ArgumentError(
                "cert", "with an ssl.SSLContext as verify, load it there: load_cert_chain(...)"
            )
        context = verify
    elif verify is True or verify is False:
        # A context of its own: the shared default must not get this client's certificate.
        context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
    elif isinstance(verify, str):
        try:
            if os.path.isdir(verify):
                context = ssl.create_default_context(capath=verify)
            else:
                context = ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise ArgumentError(
                "verify", f"no CA certificates loaded from {verify!r}: {exc}"
            ) from None
    else:
        raise ArgumentError(
            "verify", f"must be a bool, a CA bundle path or an ssl.SSLContext, got {verify!r}"
        )
    if cert is not None:
        _load_cert(context, cert)
    return lambda: context


def _load_cert(context: ssl.SSLContext, cert: Any) -> None:
    parts = (cert,) if isinstance(cert, str) else cert
    if not is_tuple(parts) or not 1 <= len(parts) <= 3:
        raise ArgumentError("cert", "must be a path, (cert, key) or (cert, key, password)")
    try:
        context.load_cert_chain(*parts)
    except (OSError, ssl.SSLError) as exc:
        # The reason, never the password.
        raise ArgumentError("cert", f"the client certificate cannot be loaded: {exc}") from None


class OwnedHttpClients:
    """The httpx clients one ``AsyncMistral`` built: its own, and one for each other proxy
    setting its ``with_options`` copies ask for (a pool's route is fixed when it is built).

    Copies with the same setting share one; the client that built them closes them all, so a
    copy is never closed on its own (as with the pool a copy shares).
    """

    __slots__ = ("_clients", "_closed", "_timeout", "_transport")

    def __init__(self, timeout: httpx.Timeout, transport: TransportName) -> None:
        self._timeout = timeout
        self._transport: TransportName = transport
        self._clients: dict[tuple[object, bool], tuple[object, httpx.AsyncClient]] = {}
        self._closed = False

    def get(self, proxy: ProxyTypes | None, trust_env: bool) -> httpx.AsyncClient:
        """The client for this setting, built the first time it is asked for."""
        if self._closed:
            raise ClientClosedError("This client has been closed; create a new AsyncMistral.")
        # An httpx.Proxy (not hashable) is told apart by identity; it is kept alive below.
        key = (id(proxy) if isinstance(proxy, httpx.Proxy) else proxy, trust_env)
        found = self._clients.get(key)
        if found is None:
            http = async_http_client(
                proxy=proxy, trust_env=trust_env, timeout=self._timeout, transport=self._transport
            )
            found = self._clients[key] = (proxy, http)
        return found[1]

    async def aclose(self) -> None:
        self._closed = True
        clients, self._clients = self._clients, {}
        with anyio.CancelScope(shield=True):
            for _, http in clients.values():
                await http.aclose()


def timeout_of(http_client: httpx.AsyncClient | None) -> httpx.Timeout:
    """The timeout of an ``AsyncMistral`` given no ``timeout``: its ``http_client``'s, unless
    that is httpx's default (5 s for everything, too short for a long generation)."""
    if http_client is not None and http_client.timeout != httpx.Timeout(5.0):
        return http_client.timeout
    return DEFAULT_TIMEOUT
