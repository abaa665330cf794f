"""Reading the spec's schemas for the model tests: which schemas some operations reach, the
properties a schema declares, and whether a value conforms.

The type tests use these to check that a table of models covers every schema a group of
operations uses, and that each model has its schema's fields and required fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, TypeAdapter

from mistral_async._core.validate import validate_params
from mistral_async.testing import OpenAPISpec
from mistral_async.types._base import dump_request

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


def operations_with_a_query(prefix: str | tuple[str, ...]) -> set[tuple[str, str]]:
    """``(method, path)`` of the operations under ``prefix`` that take query parameters."""
    return {
        (op.method, op.path)
        for op in SPEC.operations
        if op.path.startswith(prefix)
        and query_parameters(op.method, op.path + (f"#{op.fragment}" if op.fragment else ""))
    }


def assert_fields_match(
    model: type[BaseModel],
    name: str,
    defaulted: frozenset[str] = frozenset(),
    *,
    left_out: frozenset[str] = frozenset(),
    by_schema_too: bool = True,
) -> None:
    """A model declares exactly its schema's properties (by wire name) but ``left_out``,
    requires only what the schema requires, and leaves out of its required fields only
    ``defaulted`` ones (read with a default, for tolerance) and, with ``by_schema_too``, nullable
    ones defaulting to ``None`` and those to which the schema itself gives a default."""
    properties, required = schema_properties(name)
    fields = {field.alias or key: field for key, field in model.model_fields.items()}
    assert set(fields) == set(properties) - left_out
    model_required = {key for key, field in fields.items() if field.is_required()}
    assert model_required <= required
    optional_here = required - model_required
    by_schema = {
        key
        for key in optional_here
        if by_schema_too
        and (
            (nullable(properties[key]) and fields[key].default is None)
            or ("default" in properties[key] and fields[key].default == properties[key]["default"])
        )
    }
    assert optional_here - by_schema == set(defaulted)


def _parametrize_from_tables(metafunc: pytest.Metafunc, tables: Mapping[str, list[Any]]) -> None:
    # Each test method names the table it runs over by its argument's name.
    for argname, values in tables.items():
        if argname in metafunc.fixturenames:
            metafunc.parametrize(argname, values)


class SchemaTableTests:
    """The checks every table of models against the spec gets: a module subclasses this (as
    ``Test...``) and sets the tables; each test runs once per entry of its table.

    ``REQUESTS`` and ``REPLIES`` map a spec schema name to (model, example): requests are read as
    the SDK reads arguments (strict, unknown keys forbidden), replies as the client reads a body
    (from JSON, tolerant). ``ALIASES``: schemas that are not objects, as (Python type, example).
    ``DEFAULTED``: fields the spec requires that a reply may still lack (read with a default).
    ``LEFT_OUT``: properties a model does not declare. ``BY_SCHEMA_TOO``: whether a required
    field may also be optional because the schema lets it be null or gives it a default.
    """

    REQUESTS: ClassVar[Mapping[str, tuple[type[BaseModel], dict[str, Any]]]] = {}
    REPLIES: ClassVar[Mapping[str, tuple[type[BaseModel], dict[str, Any]]]] = {}
    ALIASES: ClassVar[Mapping[str, tuple[Any, Any]]] = {}
    DEFAULTED: ClassVar[Mapping[str, set[str]]] = {}
    LEFT_OUT: ClassVar[Mapping[str, set[str]]] = {}
    BY_SCHEMA_TOO: ClassVar[bool] = True

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        _parametrize_from_tables(
            metafunc,
            {
                "model_name": sorted(self.REQUESTS.keys() | self.REPLIES.keys()),
                "request_name": sorted(self.REQUESTS),
                "reply_name": sorted(self.REPLIES),
                "alias_name": sorted(self.ALIASES),
            },
        )

    def test_example_conforms_to_the_spec(self, model_name: str) -> None:
        _, example = self.REQUESTS.get(model_name) or self.REPLIES[model_name]
        assert conforms(example, model_name) == []

    def test_request_model_reads_its_example_strictly_and_dumps_it_unchanged(
        self, request_name: str
    ) -> None:
        model, example = self.REQUESTS[request_name]
        dumped = dump_request(validate_params(model, example))
        assert dumped == example
        assert conforms(dumped, request_name) == []

    def test_reply_model_reads_its_example_and_dumps_it_unchanged(self, reply_name: str) -> None:
        model, example = self.REPLIES[reply_name]
        parsed = model.model_validate_json(json.dumps(example))
        assert dump_request(parsed) == example
        assert model.model_validate(dump_request(parsed)) == parsed

    def test_reply_model_reads_a_reply_with_only_the_required_fields(self, reply_name: str) -> None:
        model, example = self.REPLIES[reply_name]
        _, required = schema_properties(reply_name)
        minimal = {k: v for k, v in example.items() if k in required}
        assert conforms(minimal, reply_name) == []
        model.model_validate_json(json.dumps(minimal))

    def test_alias_reads_its_example(self, alias_name: str) -> None:
        python_type, example = self.ALIASES[alias_name]
        assert conforms(example, alias_name) == []
        adapter: TypeAdapter[Any] = TypeAdapter(python_type)
        assert adapter.dump_python(adapter.validate_python(example), mode="json") == example

    def test_model_fields_are_the_schema_properties(self, model_name: str) -> None:
        model, _ = self.REQUESTS.get(model_name) or self.REPLIES[model_name]
        assert_fields_match(
            model,
            model_name,
            frozenset(self.DEFAULTED.get(model_name, ())),
            left_out=frozenset(self.LEFT_OUT.get(model_name, ())),
            by_schema_too=self.BY_SCHEMA_TOO,
        )


class QueryTableTests:
    """The checks of the query models of the operations under ``PREFIX``: every operation
    there with query parameters has a model in ``QUERIES`` ((method, path) → model), whose
    fields and required fields are the parameters'."""

    PREFIX: ClassVar[str | tuple[str, ...]] = ()
    QUERIES: ClassVar[Mapping[tuple[str, str], type[BaseModel]]] = {}

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        _parametrize_from_tables(metafunc, {"operation": sorted(self.QUERIES)})

    def test_every_operation_with_a_query_has_a_query_model(self) -> None:
        assert operations_with_a_query(self.PREFIX) == set(self.QUERIES)

    def test_query_model_fields_are_the_query_parameters(self, operation: tuple[str, str]) -> None:
        parameters = query_parameters(*operation)
        model = self.QUERIES[operation]
        assert set(model.model_fields) == set(parameters)
        required = {name for name, p in parameters.items() if p.get("required")}
        assert {n for n, f in model.model_fields.items() if f.is_required()} == required
