"""Which proxy a request goes through: the ``proxy`` option, else the environment's.

httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` only for a client
built without a ``transport``, and ours always has one (the sharded pool), so the environment is
read here instead, with httpx's rules (``httpx._utils.get_environment_proxies``, which is not
public), into the URL patterns of httpx's public ``mounts=``: each pattern is routed through a
proxy, or straight to the server (``None``) for the hosts ``NO_PROXY`` names.

A proxy URL may carry a user and password, so no message here shows one: only its scheme.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import urllib.request
from typing import Any, Final

import httpx

from .errors import ArgumentError

ProxyTypes = str | httpx.URL | httpx.Proxy
"""What the ``proxy`` option accepts: a proxy URL, or an ``httpx.Proxy`` (auth, headers)."""

_SCHEMES: Final = ("http", "https", "socks5", "socks5h")

Routes = dict[str, "httpx.Proxy | None"]
"""URL patterns (httpx's ``mounts`` keys) to the proxy for them, ``None`` for no proxy."""


def check_proxy(value: Any, origin: str = "proxy") -> httpx.Proxy | None:
    """``None``, or the ``httpx.Proxy`` for a URL or ``httpx.Proxy`` of a supported scheme.

    :param origin: what to name in an error (the option, or the environment variable).
    """
    return None if value is None else _to_proxy(value, origin)


def _to_proxy(value: Any, origin: str) -> httpx.Proxy:
    if not isinstance(value, (str, httpx.URL, httpx.Proxy)):
        raise ArgumentError(
            origin, f"must be a proxy URL or an httpx.Proxy, got {type(value).__name__}"
        )
    if isinstance(value, httpx.Proxy):
        proxy = value
    else:
        try:
            proxy = httpx.Proxy(value)
        except (ValueError, TypeError, httpx.InvalidURL):
            # Not the URL itself: it may hold a password.
            raise ArgumentError(
                origin, f"must be a proxy URL with a scheme of {', '.join(_SCHEMES)}"
            ) from None
    if not proxy.url.host:
        raise ArgumentError(origin, "must be a proxy URL with a host")
    if proxy.url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ArgumentError(origin, "a SOCKS proxy needs socksio: pip install 'httpx[socks]'")
    return proxy


def proxy_routes(proxy: ProxyTypes | None, trust_env: bool) -> Routes:
    """The routes for a client: ``proxy`` for every request if given, else the environment's
    when ``trust_env``, else none (every request straight to the server)."""
    given = check_proxy(proxy)
    if given is not None:
        return {"all://": given}
    if not trust_env:
        return {}
    routes: Routes = {}
    made: dict[str, httpx.Proxy] = {}  # one Proxy (so one pool) per URL: HTTP_PROXY = HTTPS_PROXY
    for pattern, url in environment_proxies().items():
        if url is None:
            routes[pattern] = None
            continue
        if url not in made:
            made[url] = _to_proxy(url, f"the {pattern.split(':')[0].upper()}_PROXY variable")
        routes[pattern] = made[url]
    return routes


def environment_proxies() -> dict[str, str | None]:
    """The environment's proxies as httpx reads them: ``{pattern: proxy URL or None}``.

    ``urllib.request.getproxies`` reads the variables (upper and lower case; on Windows and
    macOS the system settings too); only the http, https and all ones are proxies for us.
    ``NO_PROXY`` follows curl's rules: ``*`` turns every proxy off; ``.example.com`` matches its
    subdomains, ``example.com`` the domain and its subdomains; IP addresses and ``localhost``
    match exactly; an entry with ``://`` is a URL pattern as is.
    """
    found = urllib.request.getproxies()
    routes: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        url = found.get(scheme)
        if url:
            routes[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for entry in found.get("no", "").split(","):
        host = entry.strip()
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            routes[host] = None
        elif _is_ip(host, ipaddress.IPv4Address) or host.lower() == "localhost":
            routes[f"all://{host}"] = None
        elif _is_ip(host, ipaddress.IPv6Address):
            routes[f"all://[{host}]"] = None
        else:
            routes[f"all://*{host}"] = None
    return routes


def _is_ip(host: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(host.split("/")[0])  # a network (10.0.0.0/8) counts, as for httpx
    except ValueError:
        return False
    return True
