"""Reading a successful reply into what the caller asked for (``cast_to``).

One home for every kind of reply the API gives: a JSON object read into a response model (most
endpoints), a bare JSON array (``GET /v1/agents``), a bare JSON string (signed URLs), no body at
all (204), or bytes. A model type reads in one pass with ``model_validate_json``; any other type
goes through a pydantic ``TypeAdapter``, built once per type and kept.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, TypeVar, cast, overload

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import APIResponseValidationError, parse_body
from .response_info import ResponseInfo, attach_info

T = TypeVar("T")

_JSON_KINDS: dict[Any, tuple[type, ...] | None] = {object: None, dict: (dict,), list: (list,)}
"""``cast_to`` values that mean "the parsed JSON", with the Python types each accepts."""


@lru_cache(maxsize=256)
def _adapter(cast_to: Any) -> TypeAdapter[Any]:
    return TypeAdapter(cast_to)


def check_cast_to(cast_to: Any) -> None:
    """Refuse at the call a ``cast_to`` no reply could be read into (before any request)."""
    from .errors import ArgumentError

    if cast_to is None or cast_to in _JSON_KINDS or cast_to in (bytes, str):
        return
    if isinstance(cast_to, type) and issubclass(cast_to, BaseModel):
        return
    try:
        _adapter(cast_to)  # pyright: ignore[reportUnknownArgumentType]
    except Exception as exc:  # pydantic raises several kinds for a type it cannot read
        raise ArgumentError("cast_to", f"is not a type a reply can be read into: {exc}") from None


@overload
def parse_reply(response: httpx.Response, cast_to: None, info: ResponseInfo) -> None: ...
@overload
def parse_reply(response: httpx.Response, cast_to: type[T], info: ResponseInfo) -> T: ...
@overload
def parse_reply(response: httpx.Response, cast_to: Any, info: ResponseInfo) -> Any: ...
def parse_reply(response: httpx.Response, cast_to: Any, info: ResponseInfo) -> Any:
    """A successful, already read reply as ``cast_to``; ``APIResponseValidationError`` if it
    is not one. A response model gets its ``response_info``."""
    content = response.content
    if cast_to is None:
        return None
    if cast_to is bytes:
        return content
    if isinstance(cast_to, type) and issubclass(cast_to, BaseModel):
        try:
            model = cast_to.model_validate_json(content)
        except ValidationError as exc:
            raise _invalid(response, cast_to.__name__, exc, info) from None
        attach_info(model, info)
        return model
    if not content.strip():
        # 204 or an empty 200: nothing to read, which only "no body" expectations accept.
        if cast_to in _JSON_KINDS and _JSON_KINDS[cast_to] is None:
            return None
        raise _invalid(response, _name(cast_to), "the reply has no body", info)
    if cast_to in _JSON_KINDS:
        try:
            value = json.loads(content)
        except ValueError:
            raise _invalid(response, _name(cast_to), "the reply is not JSON", info) from None
        accepted = _JSON_KINDS[cast_to]
        if accepted is not None and not isinstance(value, accepted):
            problem = f"expected a JSON {'object' if cast_to is dict else 'array'}"
            raise _invalid(response, _name(cast_to), problem, info)
        return value
    if cast_to is str and not content.lstrip().startswith(b'"'):
        return response.text  # a text reply rather than a JSON string
    try:
        return _adapter(cast_to).validate_json(content)  # pyright: ignore[reportUnknownArgumentType]
    except ValidationError as exc:
        raise _invalid(response, _name(cast_to), exc, info) from None


def _name(cast_to: Any) -> str:
    return cast(str, getattr(cast_to, "__name__", None) or repr(cast_to))


def _invalid(
    response: httpx.Response, what: str, problem: ValidationError | str, info: ResponseInfo
) -> APIResponseValidationError:
    if isinstance(problem, ValidationError):
        first = problem.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        problem = f"{where}: {first['msg']}"
    return APIResponseValidationError(
        f"The reply ({response.status_code}) could not be read as {what}: {problem}",
        status_code=response.status_code,
        request=response.request,
        body=parse_body(response.content, response.headers.get("content-type")),
        headers=response.headers,
        retries=info.retries,
    )
