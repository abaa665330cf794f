"""Any endpoint through the pipeline: the arguments of ``client.request`` / ``request_stream``
checked and turned into an ``APIRequest``, before any slot is taken or byte sent.

Only a path on the client's base URL can be called: an absolute URL, a scheme-relative
``//host`` or a path that leaves ``/v1`` with ``..`` is refused, since the API key goes with
every request the client sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from ..types._form import form_text
from .checks import check_clean_text, check_depth
from .errors import ArgumentError
from .json_values import is_list_or_tuple, is_mapping, is_tuple
from .options import RequestOptions
from .request import APIRequest, check_body
from .upload import close_parts, lazy_file_part
from .validate import check_query_value, split_options, validate_options

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def check_path(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ArgumentError(
            "path", f"must be a str starting with '/' (e.g. '/v1/models'), got {path!r}"
        )
    check_clean_text("path", path)
    if path.startswith("//") or "://" in path.partition("?")[0]:
        raise ArgumentError("path", "must be a path on the client's base URL, not a URL")
    if any(ord(c) < 0x21 or c in "#\\" for c in path):
        raise ArgumentError("path", "contains whitespace, a control character, '#' or '\\'")
    if ".." in path.partition("?")[0].split("/"):
        raise ArgumentError("path", "must not contain '..' segments")
    return path


def _check_params(params: Any) -> dict[str, Any] | None:
    if params is None:
        return None
    if not is_mapping(params):
        raise ArgumentError("params", f"must be a mapping, got {type(params).__name__}")
    for key, value in params.items():
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("params", f"keys must be str, got {key!r}")
        check_query_value(f"params[{key!r}]", value)
    return dict(params)


def _check_data(data: Any) -> dict[str, Any] | None:
    """Form fields: a str, number or bool each, or a list of them (repeated parts)."""
    if data is None:
        return None
    if not is_mapping(data):
        raise ArgumentError("data", f"must be a mapping, got {type(data).__name__}")
    form: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("data", f"keys must be str, got {key!r}")
        check_query_value(f"data[{key!r}]", value)
        items = value if is_list_or_tuple(value) else [value]
        # A form field is text; the SDK's own forms spell a bool as ``true``, so these do too.
        texts = [form_text(item) for item in items if item is not None]
        if texts:
            form[key] = texts if is_list_or_tuple(value) else texts[0]
    return form


def _check_files(files: Any) -> list[tuple[str, Any]] | None:
    """``{field: file}`` or ``[(field, file), ...]``; a file is a path, bytes, a binary file
    object, or httpx's ``(name, content[, media type])`` tuple. Paths are opened when sent."""
    if files is None:
        return None
    items: list[object]
    if is_mapping(files):
        items = list(files.items())
    elif isinstance(files, Sequence) and not isinstance(files, (str, bytes)):
        items = list(cast("Sequence[object]", files))
    else:
        raise ArgumentError(
            "files", f"must be a mapping or a list of pairs, got {type(files).__name__}"
        )
    parts: list[tuple[str, Any]] = []
    try:
        for item in items:
            if not (is_tuple(item) and len(item) == 2 and isinstance(item[0], str)):
                raise ArgumentError("files", f"each item must be (field name, file), got {item!r}")
            field, file = item
            where = f"files[{field!r}]"
            if is_tuple(file):
                if not 2 <= len(file) <= 3 or not isinstance(file[0], str):
                    raise ArgumentError(where, "must be (file name, content[, media type])")
                part, _ = lazy_file_part(
                    file[1], file[0], file[2] if len(file) == 3 else None, argument=where
                )
            else:
                part, _ = lazy_file_part(file, argument=where)
            parts.append((field, part))
    except BaseException:
        close_parts(parts)
        raise
    return parts


def raw_request(
    method: Any,
    path: Any,
    *,
    json: Any,
    params: Any,
    files: Any,
    data: Any,
    kwargs: Mapping[str, Any],
) -> tuple[APIRequest, RequestOptions]:
    """Check a raw call's arguments; return what the pipeline sends and the call's options."""
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ArgumentError(
            "method", f"must be one of {', '.join(sorted(METHODS))}, got {method!r}"
        )
    extra, options = split_options(kwargs)
    if extra:
        name = next(iter(extra))
        raise ArgumentError(name, "unknown argument: API fields go in json=, params= or data=")
    validate_options(options)
    if json is not None and (files is not None or data is not None):
        raise ArgumentError("json", "cannot be sent with files= or data= (a multipart body)")
    if json is not None:
        check_depth("json", json)
    request = APIRequest(
        method.upper(),
        check_path(path),
        json=json,
        params=_check_params(params),
        data=_check_data(data),
    )
    try:
        check_body(request, options)
    except ArgumentError as exc:
        if exc.argument == "extra_body":
            raise
        # The body's own checks name a top-level field as if it were an argument.
        where = "json" if exc.argument == "body" else f"json[{exc.argument!r}]"
        raise ArgumentError(where, str(exc).split(": ", 1)[-1]) from None
    request.files = _check_files(files)
    if request.files is not None and request.data is None:
        request.data = {}
    return request, options
