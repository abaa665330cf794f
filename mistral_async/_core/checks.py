"""The argument checks shared by every module: counts, numbers, seconds and names.

Each raises ``ArgumentError`` naming the argument, before anything is sent, and returns the
value it checked. ``bool`` is never accepted as a number (``True`` is an ``int`` to Python, not a
count to a caller), and neither are NaN or infinity: a NaN compares false with every bound, so
it would slip through a plain ``value > 0``, and an infinite wait or rate is a mistake.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import ArgumentError


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
