"""The argument checks shared by every module: counts, numbers, seconds and names.

Each raises ``ArgumentError`` naming the argument, before anything is sent, and returns the
value it checked. ``bool`` is never accepted as a number (``True`` is an ``int`` to Python, not a
count to a caller), and neither are NaN or infinity: a NaN compares false with every bound, so
it would slip through a plain ``value > 0``, and an infinite wait or rate is a mistake.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import httpx

from .errors import ArgumentError
from .json_values import is_list_or_tuple, is_mapping


def check_int(name: str, value: Any, minimum: int = 0) -> int:
    """An ``int`` (not a ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ArgumentError(name, f"must be an int >= {minimum}, got {value!r}")
    return value


def check_optional_int(name: str, value: Any, minimum: int = 0) -> int | None:
    """``None``, or an ``int`` (not a ``bool``) of at least ``minimum``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ArgumentError(name, f"must be an int >= {minimum} or None, got {value!r}")
    return value


_NUMBER = "a finite number"
_SECONDS = "a number of seconds"


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` if it is not a finite int or float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float is as good as infinite
        return None
    return number if math.isfinite(number) else None


def _number(name: str, value: Any, allow_zero: bool, what: str, tail: str = "") -> float:
    number = _finite(value)
    if number is None or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ArgumentError(name, f"must be {what} {bound}{tail}, got {value!r}")
    return number


def check_number(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite ``int`` or ``float`` above 0 (at least 0 with ``allow_zero``), as a float."""
    return _number(name, value, allow_zero, _NUMBER)


def check_optional_number(name: str, value: Any, *, allow_zero: bool = False) -> float | None:
    """``None``, or what :func:`check_number` accepts."""
    return None if value is None else _number(name, value, allow_zero, _NUMBER, " or None")


def check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A duration or time: what :func:`check_number` accepts, named as seconds in the error."""
    return _number(name, value, allow_zero, _SECONDS)


def check_optional_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float | None:
    """``None``, or what :func:`check_seconds` accepts."""
    return None if value is None else _number(name, value, allow_zero, _SECONDS, " or None")


def check_text(name: str, value: Any) -> str:
    """A non-empty ``str``."""
    if not isinstance(value, str) or not value:
        raise ArgumentError(name, f"must be a non-empty string, got {value!r}")
    return value


# How deep a JSON body may nest. Real schemas and messages stay far below it; a deeper (or
# cyclic) value is a mistake that would otherwise end in a RecursionError inside the encoder.
MAX_JSON_DEPTH: Final = 100

# The longest id accepted as a URL path segment (once percent-encoded): httpx refuses whole URLs
# over 65,536 characters with its own exception, and no API id comes near this.
MAX_ID_LENGTH: Final = 4096


def has_surrogate(text: str) -> bool:
    """Whether ``text`` has a lone surrogate (``os.fsdecode`` makes them), which UTF-8 cannot
    encode and so no request can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_clean_text(name: str, value: Any) -> str:
    """A ``str`` that UTF-8 can encode (any length, empty included)."""
    if not isinstance(value, str):
        raise ArgumentError(name, f"must be a string, got {type(value).__name__}")
    if has_surrogate(value):
        raise ArgumentError(name, "contains a lone surrogate, which UTF-8 cannot encode")
    return value


def check_depth(name: str, value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse lists and dicts nested deeper than ``limit``; a cycle counts as too deep.

    Iterative, so that the check itself cannot hit the recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any
        if is_mapping(item):
            children = item.values()
        elif is_list_or_tuple(item):
            children = item
        else:
            continue
        if depth > limit:
            raise ArgumentError(name, f"is nested deeper than {limit} levels (or is cyclic)")
        stack.extend(
            (child, depth + 1)
            for child in children
            if is_mapping(child) or is_list_or_tuple(child)  # the kinds that nest
        )


def check_no_surrogate(name: str, value: Any) -> None:
    """Refuse text with a lone surrogate anywhere in ``value`` (keys included), whose depth
    :func:`check_depth` has already bounded. Called to name the culprit once encoding failed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                raise ArgumentError(name, "contains a lone surrogate, which UTF-8 cannot encode")
        elif is_mapping(item):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif is_list_or_tuple(item):
            stack.extend(item)


def check_optional_mapping(name: str, value: Any) -> Mapping[str, Any] | None:
    """``None``, or a mapping with ``str`` keys (``extra_body``, ``extra_query``)."""
    if value is None:
        return None
    if not is_mapping(value):
        raise ArgumentError(name, f"must be a mapping (dict) or None, got {type(value).__name__}")
    for key in value:
        check_clean_text(f"{name}[{key!r}]", key)
    check_depth(name, value)
    return value


def _header_text(name: str, value: Any) -> str:
    # Visible ASCII, space and tab: CR or LF would split the header, other bytes are not
    # portable, and httpx would fail on them with its own exception after the slot was taken.
    if not isinstance(value, str):
        raise ArgumentError(name, f"must be a string, got {type(value).__name__}")
    if any(not (32 <= ord(c) < 127 or c == "\t") for c in value):
        raise ArgumentError(name, "may hold only printable ASCII characters (no CR, LF)")
    return value


def check_optional_headers(name: str, value: Any) -> dict[str, str] | None:
    """``None``, or a mapping of header names to values, both printable ASCII ``str``."""
    if value is None:
        return None
    if not is_mapping(value):
        raise ArgumentError(name, f"must be a mapping of str to str, got {type(value).__name__}")
    headers: dict[str, str] = {}
    for key, item in value.items():
        header = _header_text(f"{name} key", key)
        if not header or any(c in " \t:" for c in header):
            raise ArgumentError(f"{name} key", f"is not a valid header name: {header!r}")
        headers[header] = _header_text(f"{name}[{header!r}]", item)
    return headers


def check_api_key(value: Any, name: str = "api_key") -> str:
    """A non-empty ``str`` of visible ASCII. The message never shows the key, only its type.

    :param name: ``api_key()`` for what an ``api_key`` callable returned.
    """
    if not isinstance(value, str):
        raise ArgumentError(name, f"must be a str, got {type(value).__name__}")
    if not value or any(not 33 <= ord(c) < 127 for c in value):
        raise ArgumentError(
            name, "must be a non-empty string of visible ASCII characters (no spaces)"
        )
    return value


def check_timeout(name: str, value: Any) -> Any:
    """``None``, an ``httpx.Timeout``, or what :func:`check_seconds` accepts."""
    if value is None or isinstance(value, httpx.Timeout):
        return value
    return check_seconds(name, value)
