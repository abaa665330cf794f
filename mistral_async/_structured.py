"""Structured output: a Python type in, a strict ``json_schema`` response format out, and the
reply parsed back into that type.

``chat.parse(response_format=Book)`` sends ``{"type": "json_schema", "json_schema": {"name":
"Book", "schema": <strict schema>, "strict": true}}``; ``response_format=dict`` asks for JSON mode
(``json_object``) and returns the decoded object. The reply becomes a ``ParsedChatCompletion``
whose ``parsed`` is the validated value, or one of the ``StructuredOutputError`` subclasses, each
keeping the raw text: the reply was cut by the length limit, filtered, or does not validate.

A schema is strict when every object lists all its properties as required and forbids any
other (``additionalProperties: false``). Types that cannot say that (a ``dict[str, X]`` field,
an ``Any`` field, a model with ``extra="allow"``, a top level that is not an object) raise
``StrictSchemaError`` before anything is sent.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import PrivateAttr, TypeAdapter, ValidationError
from pydantic.errors import PydanticSchemaGenerationError, PydanticUserError

from ._core.errors import (
    ContentFilterFinishReasonError,
    LengthFinishReasonError,
    ParseError,
    StrictSchemaError,
)
from ._core.json_values import is_array, is_mapping, is_object
from ._core.options import RequestOptions
from ._core.request import APIRequest
from ._core.response_info import attach_info, info_of
from ._core.streaming import ChatCompletionStream
from .types.chat import ChatCompletionResponse

if TYPE_CHECKING:
    from ._core.client import AsyncMistral

ParsedT = TypeVar("ParsedT")

_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")
_LENGTH_REASONS = frozenset({"length", "model_length"})
_OBJECT_KEYWORDS = ("properties", "additionalProperties", "patternProperties")
_TYPED_KEYWORDS = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", *_OBJECT_KEYWORDS)


class ParsedChatCompletion(ChatCompletionResponse, Generic[ParsedT]):
    """A chat completion whose answer has been parsed into the requested type."""

    _parsed: list[Any] = PrivateAttr(default_factory=list)

    @property
    def parsed(self) -> ParsedT:
        """The first choice's answer, validated (``choices[0]``)."""
        if not self._parsed:
            raise ValueError("this completion has no choices to parse")
        value: ParsedT = self._parsed[0]
        return value

    @property
    def parsed_choices(self) -> list[ParsedT]:
        """Every choice's answer, validated, in choice order (more than one with ``n``)."""
        return list(self._parsed)


@dataclass(frozen=True)
class OutputType(Generic[ParsedT]):
    """What ``parse`` needs for one requested type: the response format and the validator."""

    response_format: dict[str, Any]
    adapter: TypeAdapter[ParsedT]
    name: str

    def parse(self, completion: ChatCompletionResponse) -> ParsedChatCompletion[ParsedT]:
        """Check the finish reasons and validate every choice's text; raise a typed error."""
        parsed = _as_parsed(completion)
        for choice in completion.choices:
            text = choice.message.text
            if choice.finish_reason == "content_filter":
                raise ContentFilterFinishReasonError(
                    f"The answer for {self.name} was withheld by content filtering.",
                    raw_text=text,
                    completion=completion,
                )
            if choice.finish_reason in _LENGTH_REASONS:
                raise LengthFinishReasonError(
                    f"The answer for {self.name} was cut by the token limit after "
                    f"{completion.usage.completion_tokens} tokens; raise max_tokens.",
                    raw_text=text,
                    completion=completion,
                )
            parsed._parsed.append(self._validate(text, completion))
        return parsed

    def _validate(self, text: str, completion: ChatCompletionResponse) -> ParsedT:
        try:
            return self.adapter.validate_json(text)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            first = errors[0]
            if first["type"] == "json_invalid":
                message = f"The answer is not valid JSON: {first['msg']}"
            else:
                where = ".".join(str(p) for p in first["loc"]) or "value"
                message = f"The answer does not match {self.name}: {where}: {first['msg']}"
                if len(errors) > 1:
                    message += f" (and {len(errors) - 1} more)"
            raise ParseError(message, raw_text=text, completion=completion, errors=errors) from exc


def _as_parsed(completion: ChatCompletionResponse) -> ParsedChatCompletion[Any]:
    if isinstance(completion, ParsedChatCompletion):
        return completion  # pyright: ignore[reportUnknownVariableType]
    fields = {**completion.__dict__, **(completion.model_extra or {})}
    parsed: ParsedChatCompletion[Any] = ParsedChatCompletion.model_construct(  # pyright: ignore[reportUnknownVariableType]
        completion.model_fields_set, **fields
    )
    attach_info(parsed, info_of(completion))
    return parsed


def output_type(response_format: type[ParsedT]) -> OutputType[ParsedT]:
    """The response format and validator for a type; ``dict`` means JSON mode.

    :raises StrictSchemaError: when the type cannot become a strict JSON schema.
    """
    try:
        return _output_type(response_format)  # type: ignore[arg-type]
    except TypeError:  # an unhashable "type": not a type at all
        raise StrictSchemaError(
            "response_format",
            "expects a type: a pydantic model, a dataclass or a TypedDict (or dict for JSON "
            f"mode), got {response_format!r}",
        ) from None


@functools.lru_cache(maxsize=256)
def _output_type(tp: Any) -> OutputType[Any]:
    if tp is dict:
        return OutputType({"type": "json_object"}, TypeAdapter(dict[str, Any]), "a JSON object")
    if not isinstance(tp, type) and not hasattr(tp, "__origin__"):
        raise StrictSchemaError(
            "response_format",
            "expects a type: a pydantic model, a dataclass or a TypedDict (or dict for JSON "
            f"mode), got {tp!r}",
        )
    name = getattr(tp, "__name__", None) or str(tp)
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
        schema = adapter.json_schema()
    except (PydanticSchemaGenerationError, PydanticUserError) as exc:
        raise StrictSchemaError("response_format", f"{name} has no JSON schema: {exc}") from None
    strict = strict_json_schema(schema, name)
    response_format: dict[str, Any] = {
        "type": "json_schema",
        "json_schema": {
            "name": _NAME_OK.sub("_", name)[:64] or "output",
            "schema": strict,
            "strict": True,
        },
    }
    if isinstance(strict.get("description"), str):
        response_format["json_schema"]["description"] = strict["description"]
    return OutputType(response_format, adapter, name)


def strict_json_schema(schema: Mapping[str, Any], name: str = "the type") -> dict[str, Any]:
    """A copy of ``schema`` made strict: every object closed and all its properties required.

    :raises StrictSchemaError: for what cannot be closed: free-form mappings, ``Any`` values,
        or a top level that is not an object.
    """
    out = copy.deepcopy(dict(schema))
    if _kind(out, out) != "object":
        raise StrictSchemaError(
            "response_format",
            f"{name} must be an object at the top level (a model, dataclass or TypedDict); "
            "wrap a list or a scalar in a model",
        )
    for path, role, node in _nodes(out, "#"):
        _make_strict(node, path, role, name)
    return out


def _kind(node: Mapping[str, Any], root: Mapping[str, Any]) -> str | None:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if is_mapping(target) else {}
        return _kind(target, root) if is_mapping(target) else None
    kind = node.get("type")
    if kind is None and any(k in node for k in _OBJECT_KEYWORDS):
        return "object"
    return kind if isinstance(kind, str) else None


def _nodes(node: Any, path: str, role: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every schema object below (and including) ``node``: its path, and the keyword that led
    to it (``properties``, ``items``, ``anyOf``...)."""
    if not is_object(node):
        return
    yield path, role, node
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions") and is_object(value):
            for child, sub in value.items():
                yield from _nodes(sub, f"{path}/{key}/{child}", key)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and is_array(value):
            for index, sub in enumerate(value):
                yield from _nodes(sub, f"{path}/{key}/{index}", key)
        elif key in ("items", "not"):
            yield from _nodes(value, f"{path}/{key}", key)


def _make_strict(node: dict[str, Any], path: str, role: str, name: str) -> None:
    where = f"{name} at {path}"
    if role in ("properties", "items", "prefixItems") and not any(
        k in node for k in _TYPED_KEYWORDS
    ):
        raise StrictSchemaError(
            "response_format", f"{where} accepts any value (typing.Any); give it a type"
        )
    if node.get("type") != "object" and not any(k in node for k in _OBJECT_KEYWORDS):
        return
    extra = node.get("additionalProperties")
    if extra not in (None, False) or "patternProperties" in node:
        raise StrictSchemaError(
            "response_format",
            f"{where} is a mapping with free-form keys (dict[str, ...] or extra='allow'); "
            "a strict schema needs every key declared: use a model",
        )
    properties = node.get("properties")
    if not properties:
        raise StrictSchemaError(
            "response_format", f"{where} is an object with no declared properties"
        )
    node["additionalProperties"] = False
    node["required"] = list(properties)


class ParsedChatCompletionStream(ChatCompletionStream, Generic[ParsedT]):
    """A chat stream for structured output: text as it arrives, the parsed value at the end.

    Iterate it (or ``text_deltas()``) for the partial JSON text; ``await
    get_final_completion()`` reads the rest and returns a ``ParsedChatCompletion``, or raises
    the same typed errors as ``chat.parse``.
    """

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        output: OutputType[ParsedT],
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options, idle_timeout=idle_timeout)
        self._output = output

    async def get_final_completion(self) -> ParsedChatCompletion[ParsedT]:
        """Read the rest of the stream; return the completion with ``parsed`` set."""
        return self._output.parse(await super().get_final_completion())
