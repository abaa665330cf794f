"""What every route does with a request: reject it as the API would, or hand over its body.

Routes raise :class:`~..._spec.error_bodies.ApiError` (a Mistral error object, e.g. 400 for an
unknown model) or :class:`RequestInvalid` (422 with the spec's ``HTTPValidationError``); the app
turns both into responses. Bodies are checked against the spec's request schema by the
conformance checker, and its violations are reported in FastAPI's shape, as the live API (a
FastAPI app) does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ..._models.catalog import KnownModel, find_model
from ..._spec.error_bodies import ApiError
from ..._spec.openapi import OpenAPISpec
from ..._spec.violations import Violation
from ..._state.store import settled_store


@dataclass(frozen=True)
class Settings:
    """What routes need to know about the server they run in."""

    spec: OpenAPISpec
    validate_requests: bool
    seed: int


STATE_KEY = "mistral_settings"
DEFAULT_PAGE_SIZE = 100


def settings(request: Request) -> Settings:
    found: Settings = getattr(request.app.state, STATE_KEY)
    return found


class RequestInvalid(Exception):
    """A body the spec refuses: 422 with ``{"detail": [...]}``."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(detail)} validation error(s)")
        self.detail = detail


# jsonschema keyword → pydantic error type, so `detail[].type` reads like the live API's.
_ERROR_TYPES = {
    "required": "missing",
    "additionalProperties": "extra_forbidden",
    "maximum": "less_than_equal",
    "minimum": "greater_than_equal",
    "exclusiveMaximum": "less_than",
    "exclusiveMinimum": "greater_than",
    "enum": "enum",
    "const": "literal_error",
    "discriminator": "union_tag_invalid",
    "minLength": "string_too_short",
    "maxLength": "string_too_long",
    "minItems": "too_short",
    "maxItems": "too_long",
    "pattern": "string_pattern_mismatch",
    "json": "json_invalid",
}
_TYPE_ERRORS = {
    "string": "string_type",
    "integer": "int_type",
    "number": "float_type",
    "boolean": "bool_type",
    "array": "list_type",
    "object": "dict_type",
    "null": "none_required",
}


_TYPE_WORDS = {
    "string": "a valid string",
    "integer": "a valid integer",
    "number": "a valid number",
    "boolean": "a valid boolean",
    "array": "a valid list",
    "object": "a valid dictionary",
}
# jsonschema bound keyword -> (pydantic's words, the `ctx` key pydantic reports the bound under)
_BOUNDS = {
    "maximum": ("less than or equal to", "le"),
    "minimum": ("greater than or equal to", "ge"),
    "exclusiveMaximum": ("less than", "lt"),
    "exclusiveMinimum": ("greater than", "gt"),
}


def _expected_words(values: list[Any]) -> str:
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def pydantic_words(violation: Violation) -> tuple[str, dict[str, Any] | None]:
    """What pydantic (the live API's validator) says of a violation, and its ``ctx``.

    Only violations jsonschema found carry the schema's ``expected`` value; the ones the routes
    build are already in pydantic's words and pass through.
    """
    keyword, expected, value = violation.keyword, violation.expected, violation.instance
    if expected is None:
        return violation.message, None
    if keyword in _BOUNDS:
        words, key = _BOUNDS[keyword]
        return f"Input should be {words} {expected}", {key: expected}
    if keyword == "type":
        first = expected[0] if isinstance(expected, list) and expected else expected
        if first == "null":
            return "Input should be None", None
        return f"Input should be {_TYPE_WORDS.get(str(first), 'valid')}", None
    if keyword == "enum" and isinstance(expected, list):
        words = _expected_words(expected)
        return f"Input should be {words}", {"expected": words}
    if keyword == "const":
        return f"Input should be {expected!r}", {"expected": repr(expected)}
    if keyword in ("minLength", "maxLength"):
        least = "at least" if keyword == "minLength" else "at most"
        plural = "" if expected == 1 else "s"
        key = "min_length" if keyword == "minLength" else "max_length"
        return f"String should have {least} {expected} character{plural}", {key: expected}
    if keyword in ("minItems", "maxItems") and isinstance(value, list):
        least = "at least" if keyword == "minItems" else "at most"
        plural = "" if expected == 1 else "s"
        key = "min_length" if keyword == "minItems" else "max_length"
        message = (
            f"List should have {least} {expected} item{plural} after validation, not {len(value)}"
        )
        return message, {"field_type": "List", key: expected, "actual_length": len(value)}
    if keyword == "pattern":
        return f"String should match pattern '{expected}'", {"pattern": expected}
    return violation.message, None


def validation_detail(violation: Violation) -> dict[str, Any]:
    """One ``ValidationError`` item of the spec's ``HTTPValidationError``, in pydantic's
    words and with its ``ctx`` (``Input should be less than or equal to 1.5``, ``{"le": 1.5}``),
    as the live API (FastAPI) writes them."""
    if violation.keyword == "type":
        expected = violation.expected
        first = expected[0] if isinstance(expected, list) and expected else expected
        kind = _TYPE_ERRORS.get(str(first), "type_error")
    else:
        kind = _ERROR_TYPES.get(
            violation.keyword,
            violation.keyword
            if violation.keyword.endswith(("_parsing", "_from_float"))
            else "value_error",
        )
    message, ctx = pydantic_words(violation)
    detail: dict[str, Any] = {"type": kind, "loc": list(violation.location), "msg": message}
    detail["input"] = violation.instance
    if ctx is not None:
        detail["ctx"] = ctx
    return detail


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, checked against the spec when the server validates."""
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        violation = Violation(
            ("body",), f"JSON decode error: {exc}", "json", raw.decode("utf-8", "replace")
        )
        raise unprocessable([violation]) from exc
    check_body(request, body, request.headers.get("content-type", ""))
    if not isinstance(body, dict):
        raise unprocessable(
            [Violation(("body",), "Input should be an object", "type", body, "object")]
        )
    return body


def check_body(request: Request, body: Any, content_type: str) -> None:
    """422 if the server validates requests and the spec refuses ``body`` (decoded JSON, or a
    form's fields)."""
    config = settings(request)
    if config.validate_requests:
        violations = config.spec.request_violations(
            request.method, request.url.path, body, content_type
        )
        if violations:
            raise unprocessable(violations)


def known_model(
    body: dict[str, Any], capability: str, fine_tuned: Mapping[str, Mapping[str, Any]] = {}
) -> KnownModel:
    """The model a request names, or the base model of the fine-tuned model it names (one of
    ``fine_tuned``, the store's cards); 400 ``invalid_model`` if unknown or unable to do
    ``capability``, as the live API answers both."""
    name = body.get("model")
    model = find_model(name) if isinstance(name, str) else None
    able = model is not None and capability in model.capabilities
    card = fine_tuned.get(name) if isinstance(name, str) else None
    if card is not None:
        model = find_model(str(card.get("root")))
        able = model is not None and bool(card.get("capabilities", {}).get(capability))
    if model is None or not able:
        raise invalid_model(name)
    return model


def served_model(request: Request, body: dict[str, Any], capability: str) -> KnownModel:
    """:func:`known_model` for a generation route, which also serves the fine-tuned models of
    succeeded jobs (jobs are settled only for a name the catalog does not know)."""
    name = body.get("model")
    if isinstance(name, str) and find_model(name) is None:
        return known_model(body, capability, settled_store(request).fine_tuned_models)
    return known_model(body, capability)


# Most choices one chat request may ask for. The spec sets no upper bound; without one a single
# request (fuzzing found `n=17387143`) made the simulator build millions of answers and stop
# answering anything else.
MAX_CHOICES = 128


def integers(body: dict[str, Any], *names: str) -> None:
    """Read ``names`` as the API's pydantic model reads an ``int`` field: ``2.0`` is ``2``
    (the spec's JSON Schema accepts it too); other floats are a 422 in pydantic's words."""
    for name in names:
        value = body.get(name)
        if isinstance(value, float):
            if not value.is_integer():
                message = "Input should be a valid integer, got a number with a fractional part"
                raise invalid(("body", name), message, value, "int_from_float")
            body[name] = int(value)


def bounded_generation(body: dict[str, Any], model: KnownModel) -> None:
    """Refuse generation requests that ask for more work than the model could ever do (more
    tokens than its context holds, more than :data:`MAX_CHOICES` choices), so that one request
    cannot hold the server."""
    integers(body, "n", "max_tokens", "min_tokens")
    n = body.get("n")
    if isinstance(n, int) and n > MAX_CHOICES:
        raise ApiError(400, f"n must be at most {MAX_CHOICES}, got {n}", param="n")
    for name in ("max_tokens", "min_tokens"):
        value = body.get(name)
        if isinstance(value, int) and value > model.max_context_length:
            message = (
                f"{name} {value} is more than the model's maximum context length"
                f" of {model.max_context_length} tokens"
            )
            raise ApiError(400, message, param=name)


def invalid_model(name: Any) -> ApiError:
    """The live API's answer to a model it does not know or that cannot serve the route."""
    shown = name if isinstance(name, str) else json.dumps(name)
    return ApiError(400, f"Invalid model: {shown}", error_type="invalid_model", code="1500")


def unprocessable(violations: Iterable[Violation]) -> RequestInvalid:
    """422 for ``violations``, each one a ``detail`` item."""
    return RequestInvalid([validation_detail(v) for v in violations])


def invalid(location: tuple[str, ...], message: str, value: Any, keyword: str) -> RequestInvalid:
    """422 for one problem at ``location`` (``("body", "purpose")``, ``("query", "page")``)."""
    return unprocessable([Violation(location, message, keyword, value)])


def invalid_query(name: str, message: str, value: Any, keyword: str) -> RequestInvalid:
    """422 for one query parameter, located as FastAPI locates it (``["query", name]``)."""
    return invalid(("query", name), message, keyword=keyword, value=value)


def int_query(
    request: Request, name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    """An integer query parameter (``page``, ``page_size``...), or 422."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_query(name, "Input should be a valid integer", raw, "type") from None
    if value < minimum:
        message = f"Input should be greater than or equal to {minimum}"
        raise invalid_query(name, message, value, "minimum")
    if maximum is not None and value > maximum:
        message = f"Input should be less than or equal to {maximum}"
        raise invalid_query(name, message, value, "maximum")
    return value


def required_query(request: Request, name: str) -> str:
    """A query parameter the operation requires, or 422 ``missing`` as FastAPI says it."""
    raw = request.query_params.get(name)
    if raw is None:
        raise invalid_query(name, "Field required", None, "required")
    return raw


def json_query(request: Request, name: str) -> Any:
    """A query parameter the spec sends as JSON (``metadata``), decoded; ``None`` if absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        message = "JSON decode error"
        raise invalid_query(name, message, raw, "json") from None


# The strings pydantic reads as booleans (case-insensitive); FastAPI refuses any other.
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def bool_query(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter (``include_total``, ``created_by_me``), or 422 for a value
    such as ``null`` that the API's validation refuses."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    message = "Input should be a valid boolean, unable to interpret input"
    raise invalid_query(name, message, raw, "bool_parsing")


def enum_query(request: Request, name: str, allowed: Collection[str]) -> list[str]:
    """The values of a (possibly repeated) query parameter, each one of ``allowed``, or 422."""
    values = request.query_params.getlist(name)
    for value in values:
        if value not in allowed:
            message = f"Input should be one of {', '.join(sorted(allowed))}"
            raise invalid_query(name, message, value, "enum")
    return values


def page(request: Request, items: Sequence[Any], *, include_total: bool = True) -> dict[str, Any]:
    """The ``page``/``page_size`` slice of ``items``, as a list reply with the total (``None``
    unless ``include_total``)."""
    number = int_query(request, "page", 0, 0)
    size = int_query(request, "page_size", DEFAULT_PAGE_SIZE, 1)
    data = list(items[number * size : (number + 1) * size])
    return {"data": data, "object": "list", "total": len(items) if include_total else None}
