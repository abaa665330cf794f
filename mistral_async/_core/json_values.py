"""Type guards for values parsed from JSON (``json.loads`` gives ``Any``): an ``isinstance``
check on ``dict`` or ``list`` alone leaves a type checker with unknown key and item types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import TypeIs


def is_object(value: object) -> TypeIs[dict[str, Any]]:
    """A JSON object (JSON's keys are strings)."""
    return isinstance(value, dict)


def is_array(value: object) -> TypeIs[list[Any]]:
    """A JSON array."""
    return isinstance(value, list)


def is_mapping(value: object) -> TypeIs[Mapping[str, Any]]:
    """A JSON object or any other mapping with string keys, such as a request body."""
    return isinstance(value, Mapping)


def is_list_or_tuple(value: object) -> TypeIs[list[Any] | tuple[Any, ...]]:
    """A JSON array, or a tuple passed where a list is meant."""
    return isinstance(value, (list, tuple))


def is_tuple(value: object) -> TypeIs[tuple[Any, ...]]:
    return isinstance(value, tuple)
