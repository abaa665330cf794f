"""What a resource asks to send (``APIRequest``), and the one builder that turns it into the
``httpx.Request`` that goes out.

Keeping httpx at this one seam means a different transport (see ``transport.py``) is a change to
the ``httpx.AsyncClient`` we construct, not to the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from .._version import __version__
from .checks import check_depth
from .errors import ArgumentError
from .json_values import is_mapping, is_object
from .options import RequestOptions, to_timeout

# Where ``_sync`` (and older code) imports it from; it belongs to the transport.
from .transport import TransportName as TransportName

USER_AGENT: Final = f"mistral-async/{__version__}"

_URL_CACHE_SIZE: Final = 256


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
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    content: bytes | None = field(default=None, repr=False)
    """The JSON body already encoded (``extra_body`` merged) by :func:`check_body` at the call,
    so that the builder does not encode it a second time; ``None``: encode ``json`` when built.
    Whoever changes ``json`` after the check must reset it."""


def _encode(value: Any) -> bytes:
    # Strict JSON: NaN and infinity are not JSON, and Python would write them as ``NaN``.
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def _problem(value: Any) -> str | None:
    """Why ``value`` cannot be a JSON body, or ``None`` if it can."""
    try:
        check_depth("body", value)
        _encode(value)
    except ArgumentError as exc:
        return str(exc).split(": ", 1)[-1]  # the reason, without the placeholder name
    except UnicodeEncodeError:
        return "contains a lone surrogate, which UTF-8 cannot encode"
    except (ValueError, TypeError, RecursionError) as exc:
        return f"is not strict JSON: {exc}"
    return None


def encode_json(body: Any, name: str = "body") -> bytes:
    """``body`` as compact, strict UTF-8 JSON, or ``ArgumentError`` naming the faulty
    top-level field (NaN, infinity, a lone surrogate, a non-JSON value, too deep or cyclic).

    The depth limit itself is checked on the arguments at the call (see ``validate``); here a
    cycle or a very deep value ends the encoder with an error that is then diagnosed.
    """
    try:
        return _encode(body)
    except (ValueError, TypeError, RecursionError, UnicodeEncodeError):
        pass
    # Only on failure: find which field is at fault, to name it.
    if is_mapping(body):
        for key, value in body.items():
            reason = _problem(value)
            if reason is not None:
                where = key if name == "body" and isinstance(key, str) else f"{name}[{key!r}]"  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ArgumentError(where, reason) from None
    raise ArgumentError(name, _problem(body) or "cannot be sent as JSON") from None


def check_body(request: APIRequest, options: RequestOptions) -> None:
    """Encode the JSON body a call will send, ``extra_body`` merged, so that a body that
    cannot be sent fails at the call, before a slot is taken; the bytes are kept on the request
    for the builder."""
    body = merge_body(request.json, options)  # raises if extra_body cannot be merged
    extra_body = options.get("extra_body")
    if extra_body:
        encode_json(extra_body, "extra_body")  # names extra_body when it is the one at fault
    request.content = encode_json(body) if body is not None else None


def merge_body(body: Any, options: RequestOptions) -> Any:
    """The JSON body with ``extra_body`` merged in (it wins)."""
    extra_body = options.get("extra_body")
    if not extra_body:
        return body
    if not is_object(body):
        raise ArgumentError("extra_body", "this request has no JSON object body")
    return {**body, **extra_body}


class RequestBuilder:
    """Turns an ``APIRequest`` and the call's options into an ``httpx.Request``, for one client.

    The client's settings (base URL, headers, default timeout) are fixed when it is built. Then
    layered, last wins: the client's headers, ``Accept`` for a stream, the call's
    ``extra_headers``, ``Content-Type`` for a JSON body, the request's own headers. The query is
    the request's parameters and ``extra_query``, with ``None`` values left out; ``extra_body``
    is merged into a JSON object body. ``http`` merges in whatever defaults a caller's own
    ``httpx.AsyncClient`` carries (headers, cookies, parameters).

    :param headers: every request's headers, ``Authorization`` included.
    """

    __slots__ = ("_base_url", "_headers", "_http", "_timeout", "_urls")

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        self._http = http
        self._base_url = base_url
        self._headers = dict(headers)
        self._timeout = timeout
        self._urls: dict[str, httpx.URL] = {}

    def build(
        self, request: APIRequest, options: RequestOptions, *, stream: bool = False
    ) -> httpx.Request:
        headers = dict(self._headers)
        if stream:
            headers["Accept"] = "text/event-stream"
        extra_headers = options.get("extra_headers")
        if extra_headers:
            headers.update(extra_headers)
        content = request.content
        if content is None:
            body = merge_body(request.json, options)
            content = encode_json(body) if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        headers.update(request.headers)
        params: dict[str, Any] = dict(request.params or {})
        extra_query = options.get("extra_query")
        if extra_query:
            params.update(extra_query)
        # Drop parameters left as None so that optional filters can be passed straight through.
        params = {k: v for k, v in params.items() if v is not None}
        timeout = to_timeout(options["timeout"]) if "timeout" in options else self._timeout
        return self._http.build_request(
            request.method,
            self.url(request.path),
            params=params or None,
            content=content,
            files=request.files,
            data=request.data,
            headers=headers,
            timeout=timeout,
        )

    def url(self, path: str) -> httpx.URL:
        """``base_url + path``, parsed once: parsing a URL costs httpx more than the rest of
        building the request."""
        text = self._base_url + path
        url = self._urls.get(text)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:  # paths with ids in them are many
                self._urls.clear()
            url = self._urls[text] = httpx.URL(text)
        return url
