"""What every resource shares: a reference to its client and the request-building step."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel
from typing_extensions import TypedDict

from .._core.checks import MAX_ID_LENGTH, check_clean_text, check_optional_seconds
from .._core.errors import ArgumentError
from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator, Page
from .._core.request import APIRequest, check_body
from .._core.streaming import AsyncStream, ChatCompletionStream
from .._core.validate import name_surrogates, split_options, validate_options, validate_params
from ..types._base import ResponseModel, dump_request

if TYPE_CHECKING:
    from .._core.client import AsyncMistral

PageT = TypeVar("PageT", bound="Page[Any]")


class AsyncAPIResource:
    def __init__(self, client: AsyncMistral) -> None:
        self._client = client


def json_request(
    method: str,
    path: str,
    model: type[BaseModel],
    kwargs: Mapping[str, Any],
    **fixed: Any,
) -> tuple[APIRequest, RequestOptions]:
    """Validate keyword arguments against ``model`` and describe the JSON request.

    :param fixed: body fields the method sets itself (``stream``), which win over ``kwargs``.
    """
    params, options = split_options(kwargs)
    validate_options(options)
    body = dump_request(validate_params(model, {**params, **fixed}))
    request = APIRequest(method, path, json=body)
    try:
        check_body(request, options)
    except ArgumentError:
        name_surrogates(params)  # a better name for the same mistake, if it is one
        raise
    return request, options


class StreamOptions(TypedDict, total=False):
    """The keyword argument a streaming method takes on top of ``RequestOptions``."""

    idle_timeout: float | None
    """Seconds allowed between two events before ``StreamIdleTimeoutError``."""


def pop_idle_timeout(params: dict[str, Any]) -> float | None:
    """Take ``idle_timeout`` out of a stream method's arguments, checked now: at the stream's
    creation, not once its request has been sent."""
    return check_optional_seconds("idle_timeout", params.pop("idle_timeout", None))


def completion_stream(
    client: AsyncMistral, path: str, model: type[BaseModel], kwargs: Mapping[str, Any]
) -> ChatCompletionStream:
    """A stream of chat-shaped completion chunks (chat, FIM): the arguments are validated now,
    as by :func:`json_request` with ``stream=True``; nothing is sent until it is used."""
    params = dict(kwargs)
    idle_timeout = pop_idle_timeout(params)
    request, options = json_request("POST", path, model, params, stream=True)
    return ChatCompletionStream(client, request, options, idle_timeout=idle_timeout)


StreamT = TypeVar("StreamT", bound="AsyncStream[Any]")


def event_stream(
    client: AsyncMistral,
    path: str,
    model: type[BaseModel],
    kwargs: Mapping[str, Any],
    stream_type: Callable[..., StreamT],
    **fixed: Any,
) -> StreamT:
    """A typed event stream (a conversation step...): the arguments are validated now, as by
    :func:`json_request` with ``fixed`` (e.g. ``stream=True``) set; nothing is sent until the
    stream is used. ``stream_type(client, request, options, idle_timeout=...)`` makes it."""
    params = dict(kwargs)
    idle_timeout = pop_idle_timeout(params)
    request, options = json_request("POST", path, model, params, **fixed)
    return stream_type(client, request, options, idle_timeout=idle_timeout)


def path_param(name: str, value: Any) -> str:
    """An id as one URL path segment, or ``ArgumentError`` naming ``name``.

    Percent-encoded, so that no character of the id (``/``, ``?``, ``#``) can change which URL
    is called; ``:`` stays as it is (fine-tuned model ids are full of them).
    """
    if not isinstance(value, str) or not value.strip() or value in (".", ".."):
        raise ArgumentError(name, f"must be a non-empty id string, got {value!r}")
    check_clean_text(name, value)
    segment = quote(value, safe=":@")
    if len(segment) > MAX_ID_LENGTH:
        raise ArgumentError(name, f"is longer than {MAX_ID_LENGTH} characters once URL-encoded")
    return segment


def query_request(
    method: str, path: str, model: type[BaseModel], kwargs: Mapping[str, Any]
) -> tuple[APIRequest, RequestOptions]:
    """Like :func:`json_request`, for arguments sent as query parameters (lists repeat the
    parameter, ``None`` leaves it out)."""
    request, options = json_request(method, path, model, kwargs)
    return APIRequest(method, path, params=request.json), options


def json_query_request(
    method: str, path: str, model: type[BaseModel], kwargs: Mapping[str, Any]
) -> tuple[APIRequest, RequestOptions]:
    """Like :func:`query_request`, for queries with object parameters (``metadata``), which the
    spec sends as JSON text (``content: application/json``)."""
    request, options = query_request(method, path, model, kwargs)
    params = {
        key: json.dumps(value, separators=(",", ":")) if isinstance(value, Mapping) else value
        for key, value in (request.params or {}).items()
    }
    return APIRequest(method, path, params=params), options


def options_only(kwargs: Mapping[str, Any]) -> RequestOptions:
    """The per-call options of a method that takes no API arguments besides its path ids."""
    params, options = split_options(kwargs)
    if params:
        raise ArgumentError(next(iter(params)), "unknown argument (the API would reject it)")
    validate_options(options)
    return options


def paginate(
    client: AsyncMistral,
    path: str,
    model: type[BaseModel],
    kwargs: Mapping[str, Any],
    page_type: type[PageT],
) -> AsyncPaginator[Any, PageT]:
    """A paged list (``page``/``page_size`` query, ``{"data", "total"}`` reply): the arguments
    are validated now, as by :func:`query_request`; nothing is sent until it is used."""
    request, options = query_request("GET", path, model, kwargs)
    query = dict(request.params or {})
    first_page = query.pop("page", 0)

    async def fetch(page: int) -> PageT:
        page_request = APIRequest("GET", path, params={**query, "page": page})
        # A page type is both a ResponseModel and a Page; a TypeVar cannot say so, hence casts.
        reply = await client._request(page_request, cast("type[ResponseModel]", page_type), options)
        return cast(PageT, reply)

    return AsyncPaginator(fetch, first_page=first_page, page_size=query.get("page_size"))
