"""Turns keyword arguments into a validated request body, or an ``ArgumentError``.

Validation is strict (no string-to-number coercion) and forbids unknown keys at every depth,
so a request that the API would reject fails here, before anything is sent, with the name of
the offending argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from ..types.content import UNION_TAGS
from .checks import (
    check_clean_text,
    check_depth,
    check_no_surrogate,
    check_optional_headers,
    check_optional_mapping,
    check_timeout,
)
from .errors import ArgumentError
from .hooks import check_hooks
from .json_values import is_list_or_tuple
from .options import REQUEST_OPTION_KEYS, RequestOptions
from .retry import check_retry_options

ModelT = TypeVar("ModelT", bound=BaseModel)


def split_options(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], RequestOptions]:
    """Separate the per-call request options from the API parameters."""
    params: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        (options if key in REQUEST_OPTION_KEYS else params)[key] = value
    return params, options  # type: ignore[return-value]


# Names pydantic gives the branches of a plain union in an error location; none is a field name.
_BRANCH_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "none", "list", "dict"})


def _is_union_branch(part: str) -> bool:
    return part in _BRANCH_NAMES or "[" in part or "-" in part or part[:1].isupper()


def error_location(loc: tuple[int | str, ...]) -> str:
    """``('messages', 0, 'user', 'content', 'str')`` → ``messages[0].content``.

    Drops what pydantic adds for unions: the tag after a list index in a discriminated union,
    and the branch name (``str``, ``list[...]``, ``ToolChoice``) in a plain one.
    """
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (isinstance(previous, int) and part in UNION_TAGS) or _is_union_branch(part):
            pass
        else:
            out += f".{part}" if out else str(part)
        previous = part
    return out or "arguments"


def validate_params(model: type[ModelT], params: Mapping[str, Any]) -> ModelT:
    """Validate API parameters against a request model; raise ``ArgumentError`` if invalid."""
    # Strict mode accepts only lists; a tuple of messages or stop words is a fair thing to pass.
    data: dict[str, Any] = {
        k: list(cast("tuple[object, ...]", v)) if isinstance(v, tuple) else v
        for k, v in params.items()
    }
    for key, value in data.items():  # before pydantic, whose recursion a cycle would exhaust
        check_depth(key, value)
    try:
        return model.model_validate(data, strict=True, extra="forbid")
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Of a union's failed branches, the deepest error is the one closest to the mistake.
        first = max(errors, key=lambda e: len(e["loc"]))
        where = error_location(tuple(first["loc"]))
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown argument or field (the API would reject it)"
        elif first["type"] == "missing":
            message = "is required"
        more = len({error_location(tuple(e["loc"])) for e in errors}) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ArgumentError(where, message) from None


def validate_options(options: RequestOptions) -> None:
    """Check the per-call options that are not simply passed to httpx."""
    check_retry_options(options.get("retry"), options.get("max_retries"))
    check_hooks("hooks", options.get("hooks"))
    if "timeout" in options:
        check_timeout("timeout", options["timeout"])
    check_optional_headers("extra_headers", options.get("extra_headers"))
    extra_body = check_optional_mapping("extra_body", options.get("extra_body"))
    if extra_body:
        check_no_surrogate("extra_body", extra_body)
    extra_query = check_optional_mapping("extra_query", options.get("extra_query"))
    for key, value in (extra_query or {}).items():
        check_query_value(f"extra_query[{key!r}]", value)


def name_surrogates(params: Mapping[str, Any]) -> None:
    """Name the argument holding a lone surrogate, by its Python name (the body's field may be
    named differently on the wire): called once encoding the body failed."""
    for key, value in params.items():
        check_no_surrogate(key, value)


def check_query_value(name: str, value: Any) -> None:
    """A query parameter: a string, number, bool or ``None``, or a list of them; text that
    UTF-8 can encode and numbers that are finite."""
    for item in value if is_list_or_tuple(value) else (value,):
        if isinstance(item, str):
            check_clean_text(name, item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ArgumentError(name, f"must be a finite number, got {item!r}")
        elif item is not None and not isinstance(item, (int, float)):
            raise ArgumentError(name, f"must be a str, number, bool or None, got {item!r}")
