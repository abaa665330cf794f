"""Make a value that satisfies a JSON schema: tool-call arguments and structured outputs.

Covers what tool and response schemas use in practice: ``type`` (one or a list),
``properties``/``required``/``additionalProperties: false``, ``enum``, ``const``, ``items``/
``prefixItems``/``minItems``/``maxItems``/``uniqueItems``, string ``minLength``/``maxLength``/
``format``, number bounds and ``multipleOf``, ``anyOf``/``oneOf``/``allOf``, and ``$ref`` into
the schema's own ``$defs``/``definitions``. String ``pattern`` is not honoured (no regex
inversion); ``not``, ``if``/``then`` and dependent schemas are ignored.

Strings come from a list of candidates (words of the prompt), one after another, so that
``{"city": ..., "country": ...}`` gets two different words, both from what the user wrote.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator

_FORMATS: dict[str, str] = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}
_MAX_DEPTH = 6  # recursive $defs (trees, linked lists) stop here with the smallest value


def generate_instance(schema: Mapping[str, Any], strings: Sequence[str] = ()) -> Any:
    """A deterministic value that validates against ``schema``.

    :param strings: candidate string values, used in turn; ``"example"`` if there are none.
    """
    return _Generator(schema, strings).value(schema, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any], strings: Sequence[str]) -> None:
        self._root = root
        self._strings = list(strings) or ["example"]
        self._next = 0
        self._validator: Any = None  # for oneOf checks, made when first needed

    def _string(self) -> str:
        text = self._strings[self._next % len(self._strings)]
        self._next += 1
        return text

    def _deref(self, schema: Any) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
            node: Any = self._root
            for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
                key = part.replace("~1", "/").replace("~0", "~")
                if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                    node = node[int(key)]
                elif isinstance(node, Mapping) and part:
                    node = node.get(key, {})
            # Sibling keywords of a $ref still apply in 2020-12: merge them over the target.
            target = node if isinstance(node, Mapping) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema if isinstance(schema, Mapping) else {}

    def value(self, schema: Any, depth: int) -> Any:
        schema = self._deref(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            merged = _merge_all_of(self, schema)
            return self.value(merged, depth)
        for combinator in ("anyOf", "oneOf"):
            if schema.get(combinator):
                return self._one_of(schema, combinator, depth)
        kind = _kind(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "string":
            return self._string_value(schema)
        if kind in ("integer", "number"):
            return _number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string()  # an empty schema accepts anything

    def _one_of(self, schema: Mapping[str, Any], combinator: str, depth: int) -> Any:
        """A value for the first option that works; for ``oneOf``, one that no other option
        also accepts. Real values come before null: they say more."""
        options = [self._deref(o) for o in schema[combinator]]
        ordered = [o for o in options if o.get("type") != "null"]
        ordered += [o for o in options if o.get("type") == "null"]
        rest = {k: v for k, v in schema.items() if k != combinator}
        first: Any = None
        for position, option in enumerate(ordered):
            candidate = self.value({**rest, **option}, depth)
            if combinator == "anyOf" or self._matches_one(schema[combinator], candidate):
                return candidate
            first = candidate if position == 0 else first
        return first

    def _matches_one(self, options: list[Any], candidate: Any) -> bool:
        if self._validator is None:
            self._validator = Draft202012Validator(self._root)
        try:
            valid = [bool(self._validator.evolve(schema=o).is_valid(candidate)) for o in options]
            return valid.count(True) == 1
        except Exception:  # an option jsonschema cannot evaluate: take the candidate as it is
            return True

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = [name for name in schema.get("required", []) if isinstance(name, str)]
        # Past the depth limit, only what is required: that is how recursion ends.
        names = required if depth >= _MAX_DEPTH else list(properties) + required
        out: dict[str, Any] = {}
        for name in dict.fromkeys(names):
            out[name] = self.value(properties.get(name, {}), depth + 1)
        return out

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems", []))
        count = max(int(schema.get("minItems", 0)), len(prefix), 0 if depth >= _MAX_DEPTH else 1)
        count = min(count, int(schema.get("maxItems", count)))
        items = schema.get("items", {})
        out: list[Any] = []
        for index in range(count):
            item_schema = prefix[index] if index < len(prefix) else items
            item = self.value(item_schema, depth + 1)
            if schema.get("uniqueItems") and item in out:
                item = self._distinct(item_schema, out, depth)
            out.append(item)
        return out

    def _distinct(self, schema: Any, taken: list[Any], depth: int) -> Any:
        """Another item for a ``uniqueItems`` array: next enum value, next string, next number."""
        resolved = self._deref(schema)
        for candidate in resolved.get("enum", []):
            if candidate not in taken:
                return candidate
        item: Any = None  # the loop runs at least once
        for _ in range(len(self._strings) + len(taken) + 1):
            item = self.value(schema, depth + 1)
            if item not in taken:
                return item
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                return max(t for t in taken if isinstance(t, (int, float))) + 1
        return item

    def _string_value(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        text = _FORMATS[fmt] if isinstance(fmt, str) and fmt in _FORMATS else self._string()
        min_length = int(schema.get("minLength", 0))
        if len(text) < min_length:
            text = text + "x" * (min_length - len(text))
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        return text


def _kind(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        real = [t for t in declared if t != "null"]
        return real[0] if real else (declared[0] if declared else None)
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def _merge_all_of(generator: _Generator, schema: Mapping[str, Any]) -> dict[str, Any]:
    """One schema from an ``allOf``: keywords merged, properties and required lists united."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        resolved = generator._deref(part)
        if "allOf" in resolved:
            resolved = _merge_all_of(generator, resolved)
        for key, value in resolved.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = list(merged.get("required", [])) + list(value)
            else:
                merged.setdefault(key, value)
    return merged


def _number(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    """A simple number (1 or 1.5, then near a bound) that meets the bounds and multipleOf."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_x, high_x = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    multiple = schema.get("multipleOf")
    bounds = [b for b in (low, high, low_x, high_x) if isinstance(b, (int, float))]
    # A fraction first for plain numbers, so that they stay apart from integers (oneOf).
    candidates: list[float] = [1, 0] if integer else [1.5, 0.5, 1, 0]
    for bound in bounds:
        candidates += [bound, bound + 1, bound - 1]
    lower = [b for b in (low, low_x) if isinstance(b, (int, float))]
    upper = [b for b in (high, high_x) if isinstance(b, (int, float))]
    if lower and upper:
        candidates.append((max(lower) + min(upper)) / 2)
    if multiple:
        candidates = [
            f(c / multiple) * multiple for c in candidates for f in (math.floor, math.ceil)
        ]
    if integer:
        candidates = [f(c) for c in candidates for f in (math.ceil, math.floor)]

    def fits(value: float) -> bool:
        return (
            (low is None or value >= low)
            and (high is None or value <= high)
            and (low_x is None or value > low_x)
            and (high_x is None or value < high_x)
            and (not multiple or math.isclose(value / multiple, round(value / multiple)))
        )

    value = next((c for c in candidates if fits(c)), candidates[0])
    return int(value) if integer else float(value)
