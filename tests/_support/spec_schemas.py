"""Reading the spec's schemas for the model tests: which schemas some operations reach, the
properties a schema declares, and whether a value conforms.

The type tests use these to check that a table of models covers every schema a group of
operations uses, and that each model has its schema's fields and required fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from mistral_async.testing import OpenAPISpec

SPEC = OpenAPISpec.default()
SCHEMAS: dict[str, Any] = SPEC.document["components"]["schemas"]
_PREFIX = "#/components/schemas/"


def referenced_schemas(select: Callable[[str, dict[str, Any]], bool]) -> set[str]:
    """Every component schema reached from the operations ``select(path_key, operation)``
    picks, following ``$ref`` through the schemas themselves."""
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_PREFIX):
                name = ref.removeprefix(_PREFIX)
                if name not in seen:
                    seen.add(name)
                    walk(SCHEMAS[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path, item in SPEC.document["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and select(path, operation):
                walk(operation)
    return seen


def tagged(*tags: str) -> Callable[[str, dict[str, Any]], bool]:
    """Selects the operations carrying one of ``tags``."""
    return lambda _path, operation: bool(set(operation.get("tags", ())) & set(tags))


def schema_properties(name: str) -> tuple[dict[str, Any], set[str]]:
    """The properties (name → schema) and required names of a schema, through ``allOf``."""
    schema = SCHEMAS[name]
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            more, needed = schema_properties(part["$ref"].removeprefix(_PREFIX))
        else:
            more, needed = dict(part.get("properties", {})), set(part.get("required", []))
        properties.update(more)
        required |= needed
    return properties, required


def nullable(schema: dict[str, Any]) -> bool:
    """Whether a property schema admits ``null`` (``anyOf: [..., {type: 'null'}]``)."""
    return any(option.get("type") == "null" for option in schema.get("anyOf", ()))


def conforms(instance: Any, name: str) -> list[str]:
    """The violations of ``instance`` against the named component schema (empty: it conforms)."""
    return [str(v) for v in SPEC.schema_violations(instance, f"/components/schemas/{name}")]


def query_parameters(method: str, path_key: str) -> dict[str, Any]:
    """The query parameters of an operation, by name."""
    operation = SPEC.document["paths"][path_key][method.lower()]
    return {p["name"]: p for p in operation.get("parameters") or () if p["in"] == "query"}


def operations_with_a_query(prefix: str) -> set[tuple[str, str]]:
    """``(method, path)`` of the operations under ``prefix`` that take query parameters."""
    return {
        (op.method, op.path)
        for op in SPEC.operations
        if op.path.startswith(prefix)
        and query_parameters(op.method, op.path + (f"#{op.fragment}" if op.fragment else ""))
    }


def assert_fields_match(
    model: type[BaseModel], name: str, defaulted: frozenset[str] = frozenset()
) -> None:
    """A model declares exactly its schema's properties (by wire name), requires only what the
    schema requires, and leaves out of its required fields only ``defaulted`` ones (read with a
    default, for tolerance), nullable ones defaulting to ``None`` and those to which the schema
    itself gives a default."""
    properties, required = schema_properties(name)
    fields = {field.alias or key: field for key, field in model.model_fields.items()}
    assert set(fields) == set(properties)
    model_required = {key for key, field in fields.items() if field.is_required()}
    assert model_required <= required
    optional_here = required - model_required
    by_schema = {
        key
        for key in optional_here
        if (nullable(properties[key]) and fields[key].default is None)
        or ("default" in properties[key] and fields[key].default == properties[key]["default"])
    }
    assert optional_here - by_schema == set(defaulted)
