"""Mistral's OpenAPI file as executable rules: find an operation, validate bodies against it.

The vendored ``mistral-openapi.yaml`` is read once per process, on first use, and corrected in
memory only (the file itself stays byte-identical to the published one):

- YAML 1.1 reads ``1e-08`` (no dot) as a string; a resolver makes it a float, so ``minimum:
  1e-08`` compares as a number.
- Three schemas list a ``required`` property they never define. :func:`drop_undefined_required`
  finds them by merging each component schema's ``allOf`` properties; in the current file they
  are exactly ``ChatCompletionResponse.data`` (inherited by ``FIMCompletionResponse``),
  ``WorkflowListResponse."beta.workflows"`` and ``SharingDelete.level``.
- ``POST /v1/agents/completions`` takes ``stream: true`` ("tokens will be sent as data-only
  server-side events ... terminated by a data: [DONE] message") but declares only its JSON
  reply; :func:`add_undeclared_streams` gives it the chat stream (``CompletionEvent``).

Schemas are OpenAPI 3.1, i.e. JSON Schema draft 2020-12. One ``referencing`` registry holds the
whole document so ``#/components/schemas/...`` references resolve; one validator is built per
schema pointer and kept. ``format`` is an annotation only (draft 2020-12's default), and
OpenAPI's ``discriminator`` is used only to explain failures, never to accept or reject.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .error_bodies import ERROR_SCHEMA, GATEWAY_SCHEMAS, UNDECLARED_ERROR_STATUSES
from .multipart import coerce_form
from .sse import parse_event_stream
from .violations import Location, Violation, violations_from_errors

# The file stays at the top of the testing package, where it has always been shipped.
SPEC_PATH = Path(__file__).parent.parent / "mistral-openapi.yaml"
_BASE_URI = "urn:mistral-async:openapi"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_JSON_TYPES = ("application/json",)
_EVENT_STREAM = "text/event-stream"
# Event schemas whose streams end with a `data: [DONE]` line. The file says so only in prose
# (ChatCompletionRequest.stream); other streams (conversations, audio) have no such sentinel.
_DONE_TERMINATED_EVENTS = frozenset({"#/components/schemas/CompletionEvent"})
# Event schemas of streams whose events are named (`event: <type>`, the data's `type` the same
# name) and that end with one of these events: nothing may follow it, and it must come (a
# stream that stops before one was cut). The file says so only in prose
# (live-api-observations.md); chat streams end at [DONE] instead.
_FINAL_NAMED_EVENTS: dict[str, frozenset[str]] = {
    "#/components/schemas/ConversationEvents": frozenset(
        {"conversation.response.done", "conversation.response.error"}
    ),
    "#/components/schemas/TranscriptionStreamEvents": frozenset({"transcription.done"}),
    "#/components/schemas/SpeechStreamEvents": frozenset({"speech.audio.done"}),
}
_VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"
_ERROR_VALIDATOR = Draft202012Validator(ERROR_SCHEMA)
_GATEWAY_VALIDATORS = {
    status: tuple(Draft202012Validator(schema) for schema in schemas)
    for status, schemas in GATEWAY_SCHEMAS.items()
}
# Operations that stream as chat does without declaring it (see the module docstring).
_UNDECLARED_STREAMS = {"agents_completion_v1_agents_completions_post": "CompletionEvent"}
# YAML 1.2 floats that YAML 1.1 misses: an exponent without a dot, like `1e-08`.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


def _yaml_loader() -> Any:
    """A SafeLoader (the C one when available) that also reads `1e-08` as a float."""
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # A subclass, so the resolver is not added to PyYAML's shared loader for everyone.
    loader: Any = type("_OpenAPILoader", (base,), {})
    loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))
    return loader


def load_document(path: Path = SPEC_PATH) -> dict[str, Any]:
    """Read an OpenAPI YAML file as plain data, with the float fix (no other correction)."""
    with path.open("rb") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=_yaml_loader())
    return document


def drop_undefined_required(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Remove ``required`` names that a component schema never defines; return what went.

    A name counts as defined if the schema, or anything its ``allOf`` pulls in, lists it under
    ``properties``. Schemas that accept undeclared keys (``additionalProperties``,
    ``patternProperties``) or branch (``anyOf``/``oneOf``) are left alone: there a required name
    outside ``properties`` can be legitimate.
    """
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(schema: Any) -> Any:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def properties(schema: Any) -> set[str]:
        schema = resolve(schema)
        names = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            names |= properties(part)
        return names

    dropped: list[tuple[str, str]] = []
    for name, schema in schemas.items():
        if any(
            k in schema for k in ("additionalProperties", "patternProperties", "anyOf", "oneOf")
        ):
            continue
        defined = properties(schema)
        # Inline allOf parts carry their own `required` (ChatCompletionResponse does).
        holders = [schema] + [p for p in schema.get("allOf", []) if "$ref" not in p]
        for holder in holders:
            required = holder.get("required")
            if not isinstance(required, list):
                continue
            missing = [r for r in required if r not in defined]
            if missing:
                holder["required"] = [r for r in required if r in defined]
                dropped.extend((name, r) for r in missing)
    return dropped


def add_undeclared_streams(document: dict[str, Any]) -> list[str]:
    """Declare the ``text/event-stream`` reply of the operations in :data:`_UNDECLARED_STREAMS`
    (their request takes ``stream: true``); return the ids of those it changed."""
    changed: list[str] = []
    for item in document.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            schema = _UNDECLARED_STREAMS.get(operation.get("operationId", ""))
            content = operation.get("responses", {}).get("200", {}).get("content")
            if schema is None or not isinstance(content, dict) or _EVENT_STREAM in content:
                continue
            content[_EVENT_STREAM] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
            changed.append(operation["operationId"])
    return changed


def _asks_stream(body: Any, media: str) -> bool:
    """Whether a request body asks for the streamed variant of its operation: ``"stream":
    true`` in JSON, a ``stream`` field of ``"true"`` in a form (whose fields are all text)."""
    if not isinstance(body, Mapping):
        return False
    value = body.get("stream")
    if media != "multipart/form-data":
        return value is True
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(isinstance(v, str) and v.strip().lower() == "true" for v in values)


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) from raw keys."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: a method on a path template.

    :param fragment: the part after ``#`` in the spec's path key, if any. The spec describes
        the streaming variant of a URL as ``/v1/conversations#stream``; the URL itself has none.
    :param request_schemas: media type → JSON pointer of the request body schema.
    :param responses: status key (``"200"``, ``"default"``) → media type → schema pointer, or
        ``None`` for a media type without a schema.
    """

    method: str
    path: str
    fragment: str | None
    operation_id: str
    request_required: bool
    request_schemas: Mapping[str, str]
    responses: Mapping[str, Mapping[str, str | None]]

    @property
    def streams(self) -> bool:
        """Whether any response of this operation is a server-sent event stream."""
        return any(_EVENT_STREAM in media for media in self.responses.values())


class OpenAPISpec:
    """Operations and validators of an OpenAPI 3.1 document (Mistral's by default).

    Build it from a document (``OpenAPISpec(load_document(path))``) or take the process-wide
    instance of the vendored, corrected file with :meth:`default`. Thread-safe after
    construction: validators are created on first use and cached per schema pointer.
    """

    _default: ClassVar[OpenAPISpec | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.dropped_required: list[tuple[str, str]] = drop_undefined_required(document)
        self.added_streams: list[str] = add_undeclared_streams(document)
        resource: Resource[Any] = DRAFT202012.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        self._validators: dict[str, Any] = {}
        # Per method: (URL pattern, literal segment count, operation), most literal first so
        # that `/v1/files/{id}` never shadows a fixed path.
        self._by_method: dict[str, list[tuple[re.Pattern[str], int, Operation]]] = {}
        self._lookups: dict[tuple[str, str, bool], Operation] = {}
        for op in self._read_operations(document):
            literal = sum(1 for seg in op.path.split("/") if seg and "{" not in seg)
            pattern = re.compile(re.sub(r"\\\{[^/{}]+\\\}", "[^/]+", re.escape(op.path)) + "$")
            self._by_method.setdefault(op.method, []).append((pattern, literal, op))
        for entries in self._by_method.values():
            entries.sort(key=lambda entry: -entry[1])

    @classmethod
    def default(cls) -> OpenAPISpec:
        """The vendored Mistral spec, loaded on first call and shared by the whole process."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls(load_document())
            return cls._default

    @property
    def operations(self) -> list[Operation]:
        return [op for entries in self._by_method.values() for _, _, op in entries]

    # -- operations -------------------------------------------------------------------------

    @staticmethod
    def _read_operations(document: Mapping[str, Any]) -> Iterable[Operation]:
        for key, item in document.get("paths", {}).items():
            template, _, fragment = key.partition("#")
            for method in _METHODS:
                spec_op = item.get(method)
                if spec_op is None:
                    continue
                base = ("paths", key, method)
                body = spec_op.get("requestBody") or {}
                responses = {
                    str(status): {
                        _media_type(media): (
                            _pointer(*base, "responses", str(status), "content", media, "schema")
                            if "schema" in content
                            else None
                        )
                        for media, content in (response.get("content") or {}).items()
                    }
                    for status, response in spec_op.get("responses", {}).items()
                }
                yield Operation(
                    method=method.upper(),
                    path=template,
                    fragment=fragment or None,
                    operation_id=spec_op.get("operationId", ""),
                    request_required=bool(body.get("required", False)),
                    request_schemas={
                        _media_type(media): _pointer(
                            *base, "requestBody", "content", media, "schema"
                        )
                        for media, content in (body.get("content") or {}).items()
                        if "schema" in content
                    },
                    responses=responses,
                )

    def find_operation(self, method: str, path: str, *, stream: bool = False) -> Operation:
        """The operation that serves ``method path`` (a concrete URL path, query ignored).

        When the spec describes a streaming variant of the same URL separately (a ``#stream``
        path key), ``stream`` picks between the two. Raises :class:`LookupError` if none fits.
        """
        path = path.split("?", 1)[0].split("#", 1)[0]
        key = (method.upper(), path, stream)
        found = self._lookups.get(key)
        if found is None:
            found = self._match(*key)
            if found is None:
                raise LookupError(f"the spec has no operation for {key[0]} {path}")
            if len(self._lookups) >= 4096:  # bounded: paths carry ids, so keys rarely repeat
                self._lookups.clear()
            self._lookups[key] = found
        return found

    def _match(self, method: str, path: str, stream: bool) -> Operation | None:
        matches = [
            (n, op) for pattern, n, op in self._by_method.get(method, []) if pattern.match(path)
        ]
        if not matches:
            return None
        best = [op for n, op in matches if n == matches[0][0]]
        if len(best) == 1:
            return best[0]
        variant = [op for op in best if (op.fragment == "stream") == stream]
        return (variant or best)[0]

    # -- validation ---------------------------------------------------------------------------

    def schema_violations(
        self, instance: Any, schema_pointer: str, prefix: Location = ()
    ) -> list[Violation]:
        """Validate ``instance`` against the schema at a pointer such as
        ``/components/schemas/CompletionChunk`` (a leading ``#`` is allowed)."""
        pointer = schema_pointer.removeprefix("#")
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{_BASE_URI}#{pointer}"}, registry=self._registry
            )
            self._validators[pointer] = validator
        return violations_from_errors(validator.iter_errors(instance), prefix)

    def request_violations(
        self, method: str, path: str, body: Any, content_type: str
    ) -> list[Violation]:
        """Violations of a request body; see :meth:`validate_request`."""
        media = _media_type(content_type)
        if isinstance(body, (bytes, str)) and body and media in _JSON_TYPES:
            try:
                body = json.loads(body)
            except ValueError as exc:
                return [Violation(("body",), f"JSON decode error: {exc}", "json")]
        # Decoded first: a recorded body is bytes, and `stream` picks the `#stream` variant.
        try:
            op = self.find_operation(method, path, stream=_asks_stream(body, media))
        except LookupError as exc:
            return [Violation(("path",), str(exc), "operation")]
        if body is None or body == b"":
            if op.request_required:
                return [Violation(("body",), "Field required", "required")]
            return []
        if not op.request_schemas:
            return [Violation(("body",), "this operation takes no request body", "body")]
        pointer = op.request_schemas.get(media)
        if pointer is None:
            expected = ", ".join(op.request_schemas)
            return [Violation(("body",), f"content type {media!r}, expected {expected}", "media")]
        if media == "multipart/form-data" and isinstance(body, Mapping):
            coerced, problems = coerce_form(body, self._resolve(pointer), self._resolve)
            return problems + self.schema_violations(coerced, pointer, ("body",))
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError as exc:
                return [Violation(("body",), f"JSON decode error: {exc}", "json")]
        return self.schema_violations(body, pointer, ("body",))

    def form_instance(self, method: str, path: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """A ``multipart/form-data`` request's fields as the JSON value its schema describes
        (``"true"`` → ``True``, ``"0.5"`` → ``0.5``, a repeated field → a list, a file →
        :data:`~.multipart.FILE_PLACEHOLDER`), for a route to read; fields the schema cannot
        type are left as text. :raises LookupError: if no operation serves the request."""
        media = "multipart/form-data"
        op = self.find_operation(method, path, stream=_asks_stream(form, media))
        pointer = op.request_schemas.get(media)
        if pointer is None:
            return dict(form)
        coerced, _ = coerce_form(form, self._resolve(pointer), self._resolve)
        return coerced

    def validate_request(self, method: str, path: str, body: Any, content_type: str) -> list[str]:
        """Check a request body against the operation's request schema.

        :param body: for JSON, the decoded value (or the raw ``bytes``/``str``); for
            ``multipart/form-data``, a mapping of field name to a ``str`` (text field),
            ``bytes`` (file) or a list of those (repeated field). Text fields are coerced to
            the number/boolean/null types the schema allows, files must meet a ``format:
            binary`` schema. ``None`` means no body.
        :returns: one message per violation, ``"body/temperature: ..."``; empty if valid.
        """
        return [str(v) for v in self.request_violations(method, path, body, content_type)]

    def response_violations(
        self, method: str, path: str, status: int, content_type: str, body: bytes
    ) -> list[Violation]:
        """Violations of a response; see :meth:`validate_response`."""
        media = _media_type(content_type)
        try:
            op = self.find_operation(method, path, stream=media == _EVENT_STREAM)
        except LookupError as exc:
            return [Violation(("path",), str(exc), "operation")]
        declared = op.responses.get(str(status), op.responses.get(f"{status // 100}XX"))
        if declared is None:
            declared = op.responses.get("default")
        if declared is None:
            if status in UNDECLARED_ERROR_STATUSES:
                return self._error_object_violations(status, body)
            if status == 422 and op.request_schemas:
                # The API (FastAPI) validates every body so, declared or not (the form
                # operations, such as transcriptions, leave it out).
                return self._json_violations(body, _VALIDATION_ERROR)
            listed = ", ".join(op.responses)
            message = f"status {status} is not declared for {op.method} {op.path} ({listed})"
            return [Violation(("status",), message, "status")]
        if not declared:
            if body:
                return [Violation(("response",), "the spec declares no body here", "body")]
            return []
        if media not in declared:
            expected = ", ".join(declared)
            return [
                Violation(("response",), f"content type {media!r}, expected {expected}", "media")
            ]
        pointer = declared[media]
        if pointer is None:
            return []
        if media == _EVENT_STREAM:
            return self._stream_violations(body, pointer)
        if media in _JSON_TYPES or media.endswith("+json"):
            return self._json_violations(body, pointer)
        return []  # binary media (audio, octet-stream): nothing to check in the bytes

    def _json_violations(self, body: bytes, pointer: str) -> list[Violation]:
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [Violation(("response",), f"body is not JSON: {exc}", "json")]
        return self.schema_violations(instance, pointer, ("response",))

    def validate_response(
        self, method: str, path: str, status: int, content_type: str, body: bytes
    ) -> list[str]:
        """Check a response against what the spec declares for its operation and status.

        JSON bodies are validated against the declared schema; ``text/event-stream`` bodies are
        parsed into events, and each event (``{"data": <json>, "event": ..., "id": ...}``) is
        validated against the declared event schema; chat and FIM streams must end with
        ``data: [DONE]``. A status the operation does not declare is a violation, unless it is
        one the live API sends for errors (:data:`UNDECLARED_ERROR_STATUSES`): then the body
        must be a Mistral error object.

        :returns: one message per violation; empty if the response conforms.
        """
        violations = self.response_violations(method, path, status, content_type, body)
        return [str(v) for v in violations]

    def _error_object_violations(self, status: int, body: bytes) -> list[Violation]:
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [Violation(("response",), f"error body is not JSON: {exc}", "json")]
        if any(v.is_valid(instance) for v in _GATEWAY_VALIDATORS.get(status, ())):
            return []  # the gateway's own shape for this status
        errors = _ERROR_VALIDATOR.iter_errors(instance)
        return violations_from_errors(errors, ("response",))

    def _stream_violations(self, body: bytes, pointer: str) -> list[Violation]:
        try:
            parsed = parse_event_stream(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return [Violation(("response",), f"stream is not UTF-8: {exc}", "encoding")]
        name = self._resolve_ref_name(pointer)
        needs_done = name in _DONE_TERMINATED_EVENTS
        finals = _FINAL_NAMED_EVENTS.get(name)
        out: list[Violation] = []
        done_at: int | None = None
        final_at: int | None = None
        for index, event in enumerate(parsed.events):
            where: Location = ("events", index)
            if done_at is not None:
                out.append(Violation(where, "event after data: [DONE]", "stream"))
                break
            if final_at is not None:
                message = f"event after the final {parsed.events[final_at].event} event"
                out.append(Violation(where, message, "stream"))
                break
            if event.data == "[DONE]" and needs_done:
                done_at = index
                continue
            try:
                data = json.loads(event.data)
            except ValueError:
                out.append(Violation(where, f"data is not JSON: {event.data[:80]!r}", "json"))
                continue
            if isinstance(data, dict) and data.get("object") == "error":
                message = f"error event mid-stream: {data.get('message')!r}"
                out.append(Violation(where, message, "stream", data))
                continue
            if finals is not None:
                kind = data.get("type") if isinstance(data, dict) else None
                if event.event != kind:
                    message = f"event name {event.event!r} is not the data's type {kind!r}"
                    out.append(Violation(where, message, "stream"))
                if kind in finals:
                    final_at = index
            instance: dict[str, Any] = {"data": data}
            if event.event is not None:
                instance["event"] = event.event
            if event.id is not None:
                instance["id"] = event.id
            if event.retry is not None:
                instance["retry"] = event.retry
            out.extend(self.schema_violations(instance, pointer, where))
        if parsed.unterminated is not None:
            cut = parsed.unterminated[:80]
            out.append(Violation(("events",), f"stream ends inside an event: {cut!r}", "stream"))
        if needs_done and done_at is None:
            out.append(Violation(("events",), "stream does not end with data: [DONE]", "stream"))
        if finals is not None and final_at is None and parsed.events:
            expected = " or ".join(sorted(finals))
            out.append(Violation(("events",), f"stream does not end with {expected}", "stream"))
        if not parsed.events:
            out.append(Violation(("events",), "stream has no events", "stream"))
        return out

    def _node(self, pointer: str) -> Any:
        node: Any = self.document
        for raw in pointer.removeprefix("#").strip("/").split("/"):
            node = node[raw.replace("~1", "/").replace("~0", "~")]
        return node

    def _resolve(self, pointer: str) -> Any:
        """The schema at a pointer, following ``$ref`` chains (for inspection, not validation)."""
        node = self._node(pointer)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self._node(node["$ref"])
        return node

    def _resolve_ref_name(self, pointer: str) -> str:
        """The ``$ref`` a pointer's schema is, or the pointer itself when it is inline."""
        ref = self._node(pointer).get("$ref")
        return ref if isinstance(ref, str) else pointer
