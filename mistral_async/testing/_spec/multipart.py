"""``multipart/form-data`` for the conformance checker: parse a recorded body, type its fields.

Form fields are text, so they cannot be validated against a JSON schema as they are: an
``expiry`` of ``"3600"`` is the integer the schema wants, and a file part is what ``format:
binary`` means. :func:`coerce_form` turns a form into the JSON value the schema describes and
reports what cannot be turned. Parsing uses the standard library's MIME parser, so the checker
needs no multipart package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from .violations import Violation

FormValue = str | bytes
# Stands for an uploaded file in the coerced instance; it is a string, as `format: binary` is.
FILE_PLACEHOLDER = "<file>"
_INTEGER = re.compile(r"[-+]?\d+")
_JSON_TYPE_NAMES: dict[type, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def parse_multipart(body: bytes, content_type: str) -> dict[str, list[FormValue]]:
    """Fields of a ``multipart/form-data`` body: text parts as ``str``, file parts as ``bytes``."""
    fields: dict[str, list[FormValue]] = {}
    for part in _parts(body, content_type):
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        value: FormValue = raw
        if part.get_filename() is None:
            value = raw.decode(part.get_content_charset() or "utf-8", errors="replace")
        fields.setdefault(name, []).append(value)
    return fields


def _parts(body: bytes, content_type: str) -> list[Message]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    return list(message.iter_parts()) if message.is_multipart() else []


@dataclass(frozen=True)
class FormFile:
    """A file part of a form, with what :func:`parse_multipart` leaves out."""

    filename: str
    content_type: str | None
    content: bytes


def multipart_files(body: bytes, content_type: str) -> dict[str, FormFile]:
    """The file parts of a ``multipart/form-data`` body by field name (the first of each)."""
    files: dict[str, FormFile] = {}
    for part in _parts(body, content_type):
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if isinstance(name, str) and filename is not None and name not in files:
            payload = part.get_payload(decode=True)
            media = part.get_content_type() if part.get("content-type") else None
            content = payload if isinstance(payload, bytes) else b""
            files[name] = FormFile(filename, media, content)
    return files


def coerce_form(
    form: Mapping[str, Any], schema: Any, resolve: Callable[[str], Any]
) -> tuple[dict[str, Any], list[Violation]]:
    """Turn form fields into the JSON value ``schema`` describes.

    :param form: field name → ``str``, ``bytes`` (a file) or a list of those.
    :param resolve: follows a ``$ref`` string to its schema.
    :returns: the coerced object, and the fields whose kind (file or text) the schema refuses.
    """
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    coerced: dict[str, Any] = {}
    problems: list[Violation] = []
    for name, raw in form.items():
        values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        field_schema = properties.get(name, {})
        kinds = _kinds(field_schema, resolve)
        if "array" in kinds:
            item_kinds = _kinds(_items(field_schema, resolve), resolve)
            coerced[name] = [_coerce(name, v, item_kinds, problems) for v in values]
        else:
            items = [_coerce(name, v, kinds, problems) for v in values]
            coerced[name] = items[0] if len(items) == 1 else items
    return coerced, problems


def _coerce(name: str, value: Any, kinds: set[str], problems: list[Violation]) -> Any:
    location = ("body", name)
    if isinstance(value, (bytes, bytearray)) or hasattr(value, "read"):
        if "binary" not in kinds and "any" not in kinds:
            problems.append(Violation(location, "a file was sent for a text field", "type"))
        return FILE_PLACEHOLDER
    text = str(value)
    if "binary" in kinds and "string" not in kinds:
        problems.append(Violation(location, "a file is expected, text was sent", "type"))
        return text
    if "string" in kinds or "any" in kinds:
        return text
    if "integer" in kinds and _INTEGER.fullmatch(text):
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in kinds and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if "null" in kinds and text in ("", "null"):
        return None
    return text  # left as text: the schema validation reports the type error


def _kinds(schema: Any, resolve: Callable[[str], Any]) -> set[str]:
    """The JSON types a schema admits, plus ``"binary"`` for file schemas, ``"any"`` if open."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        schema = resolve(schema["$ref"])
    if not isinstance(schema, dict):
        return {"any"}
    kinds: set[str] = set()
    declared = schema.get("type")
    kinds.update([declared] if isinstance(declared, str) else declared or [])
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        kinds.discard("string")
        kinds.add("binary")
    for combinator in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(combinator, []):
            kinds |= _kinds(option, resolve)
    constants = ([schema["const"]] if "const" in schema else []) + list(schema.get("enum", []))
    kinds.update(_JSON_TYPE_NAMES.get(type(constant), "any") for constant in constants)
    return kinds or {"any"}


def _items(schema: Any, resolve: Callable[[str], Any]) -> Any:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        schema = resolve(schema["$ref"])
    if not isinstance(schema, dict):
        return {}
    if "items" in schema:
        return schema["items"]
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found = _items(option, resolve)
        if found:
            return found
    return {}
