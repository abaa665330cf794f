"""Turning jsonschema errors into short, located violations.

jsonschema reports a failed ``anyOf``/``oneOf`` as one error whose ``context`` holds the errors
of every branch; "3 is not valid under any of the given schemas" helps nobody. This module picks
the branch the instance was meant for and reports that branch's own errors, so the server's 422
can say ``["body", "temperature"]: 3 is greater than the maximum of 1.5`` as the real API does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Location = tuple[str | int, ...]
_BAD_TAG = -1  # a discriminated anyOf/oneOf whose tag value is missing or unknown


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks its schema.

    :param location: where, as keys and indices from the root (e.g. ``("messages", 0, "role")``)
        after an optional prefix such as ``"body"``.
    :param message: what is wrong, in words.
    :param keyword: the JSON Schema keyword that failed (``"required"``, ``"type"``, ...), or a
        checker-specific word such as ``"status"`` or ``"json"``.
    :param instance: the offending value (for ``required``, the object that lacks the key).
    :param expected: the failed keyword's value in the schema (``1.5`` for ``maximum``,
        ``"string"`` for ``type``), when there is one.
    """

    location: Location
    message: str
    keyword: str
    instance: Any = None
    expected: Any = None

    def __str__(self) -> str:
        where = "/".join(str(part) for part in self.location) or "(root)"
        return f"{where}: {self.message}"


def violations_from_errors(errors: Iterable[Any], prefix: Location = ()) -> list[Violation]:
    """Explain jsonschema ``ValidationError`` objects as violations, deduplicated, in order."""
    seen: set[tuple[Location, str, str]] = set()
    out: list[Violation] = []
    for error in errors:
        for violation in _explain(error, prefix):
            key = (violation.location, violation.keyword, violation.message)
            if key not in seen:
                seen.add(key)
                out.append(violation)
    return out


def _explain(error: Any, prefix: Location) -> Iterator[Violation]:
    location: Location = prefix + tuple(error.absolute_path)
    keyword: str = error.validator
    if keyword in ("anyOf", "oneOf"):
        branch = _discriminated_branch(error)
        if branch == _BAD_TAG:
            # The tag (e.g. a message's `role`) is missing or unknown: that is the one problem,
            # whether no branch matched or, with the tag missing, several did.
            prop, mapping = _discriminator(error.schema)
            value = error.instance.get(prop)
            allowed = ", ".join(repr(tag) for tag in mapping)
            message = "Field required" if value is None else f"{value!r} is not one of {allowed}"
            yield Violation((*location, prop), message, "discriminator", value, list(mapping))
            return
        if error.context:
            yield from _explain_branch(error, prefix, branch)
            return
    if keyword == "required" and isinstance(error.instance, dict):
        # jsonschema yields one error per missing key but does not say which key it is.
        for name in error.validator_value:
            if name not in error.instance:
                yield Violation((*location, name), "Field required", "required", error.instance)
    elif keyword == "additionalProperties" and isinstance(error.instance, dict):
        for name in _extra_keys(error.instance, error.schema):
            value = error.instance[name]
            yield Violation((*location, name), "Extra inputs are not permitted", keyword, value)
    else:
        yield Violation(location, error.message, keyword, error.instance, error.validator_value)


def _explain_branch(error: Any, prefix: Location, chosen: int | None) -> Iterator[Violation]:
    """The errors of the one branch of a failed anyOf/oneOf that the instance was meant for."""
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if chosen is None or chosen not in branches:
        # Without a discriminator, the branch meant is the one that failed least fundamentally.
        depth = len(error.absolute_path)
        chosen = min(branches, key=lambda index: _branch_cost(branches[index], depth))
    for sub in branches[chosen]:
        yield from _explain(sub, prefix)


def _discriminator(schema: Any) -> tuple[str, dict[str, str]]:
    info = schema.get("discriminator") if isinstance(schema, dict) else None
    if not isinstance(info, dict) or "propertyName" not in info:
        return "", {}
    return info["propertyName"], dict(info.get("mapping") or {})


def _discriminated_branch(error: Any) -> int | None:
    """The branch the discriminator selects, :data:`_BAD_TAG`, or None if there is no mapping."""
    prop, mapping = _discriminator(error.schema)
    if not mapping or not isinstance(error.instance, dict):
        return None
    tag = error.instance.get(prop)
    target = mapping.get(tag) if isinstance(tag, str) else None
    if target is None:
        return _BAD_TAG
    options = error.schema.get(error.validator, [])
    for index, option in enumerate(options):
        if isinstance(option, dict) and option.get("$ref") == target:
            return index
    return None


def _branch_cost(errors: list[Any], depth: int) -> tuple[int, int]:
    """Rank a failed branch: a type mismatch at its root, or a wrong constant one level down
    (a tag like ``role`` or ``type``), means the instance was never meant for it."""
    wrong_kind = 0
    for sub in errors:
        sub_depth = len(sub.absolute_path)
        if (sub.validator == "type" and sub_depth == depth) or (
            sub.validator in ("const", "enum") and sub_depth == depth + 1
        ):
            wrong_kind += 1
    return (wrong_kind, len(errors))


def _extra_keys(instance: dict[str, Any], schema: Any) -> list[str]:
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    patterns = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
    return [
        name
        for name in instance
        if name not in properties and not any(re.search(pattern, name) for pattern in patterns)
    ]
