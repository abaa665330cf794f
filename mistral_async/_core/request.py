"""Everything that builds or sends an ``httpx`` request lives here.

Keeping httpx at this one seam means a different transport (issue #6's aiohttp transport) is a
change to the ``httpx.AsyncClient`` we construct, not to the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import httpx

from .._version import __version__
from .errors import ArgumentError
from .transport import PoolShards, aiohttp_transport

USER_AGENT: Final = f"mistral-async/{__version__}"

# Enough pooled connections that a high max_concurrency is not throttled by the pool; httpx's
# defaults (100 / 20) make 256 concurrent requests queue inside httpcore. The default transport
# splits them into small pools (see ._transport), each keeping all of its connections alive.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=1000, max_keepalive_connections=200)

TransportName = Literal["httpx", "aiohttp"]

# Failures that may succeed on a new attempt. UnsupportedProtocol, InvalidURL and the like are
# mistakes in the configuration, and no retry would mend them.
RETRYABLE_EXCEPTIONS: Final = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass
class APIRequest:
    """What a resource asks the pipeline to send: method, path and a body, nothing else."""

    method: str
    path: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    files: Any = None
    """Multipart files for ``httpx`` (``{"file": (name, stream, content_type)}``)."""
    data: Mapping[str, Any] | None = None
    """Multipart form fields sent beside ``files``."""
    headers: Mapping[str, str] = field(default_factory=dict)


def new_http_client(
    timeout: httpx.Timeout, transport: TransportName = "httpx"
) -> httpx.AsyncClient:
    """The client's own ``httpx.AsyncClient``, on httpx's transport or on aiohttp's.

    Neither loads the certificate store now: that waits for the first request (see
    :func:`._transport.default_ssl_context`).
    """
    if transport == "httpx":
        pool: httpx.AsyncBaseTransport = PoolShards(DEFAULT_LIMITS)
    elif transport == "aiohttp":
        pool = aiohttp_transport(DEFAULT_LIMITS)
    else:
        raise ArgumentError("transport", f"must be 'httpx' or 'aiohttp', got {transport!r}")
    return httpx.AsyncClient(timeout=timeout, limits=DEFAULT_LIMITS, transport=pool)


def encode_json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_request(
    http: httpx.AsyncClient,
    request: APIRequest,
    *,
    url: httpx.URL | str,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    extra_query: Mapping[str, Any] | None,
) -> httpx.Request:
    params: dict[str, Any] = dict(request.params or {})
    if extra_query:
        params.update(extra_query)
    # Drop parameters left as None so that optional filters can be passed straight through.
    params = {k: v for k, v in params.items() if v is not None}
    content = encode_json(request.json) if request.json is not None else None
    all_headers = dict(headers)
    if content is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(request.headers)
    return http.build_request(
        request.method,
        url,
        params=params or None,
        content=content,
        files=request.files,
        data=request.data,
        headers=all_headers,
        timeout=timeout,
    )
