"""The endpoints a batch can run, and how a Batch API request body becomes an SDK call.

A Batch API line's ``body`` is the JSON body of the endpoint, with the API's field names. Each
item is sent through the SDK's resource method for its endpoint, so that validation, typed
errors and reply models are those of a single call: a body the SDK refuses is an
``ArgumentError`` before anything is sent. Wire names that the SDK spells differently
(``input`` is the ``inputs`` argument) are renamed here, and only here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ValidationError

from .._core.errors import ArgumentError
from .._core.json_values import is_mapping
from .._core.options import REQUEST_OPTION_KEYS
from .._core.validate import validate_params
from ..types._base import ResponseModel
from ..types.chat import UsageInfo

if TYPE_CHECKING:
    from .._core.client import AsyncMistral
    from .._core.streaming import ChatCompletionStream

CHAT: Final = "/v1/chat/completions"

Call = Callable[["AsyncMistral", dict[str, Any]], Awaitable[ResponseModel]]
StreamCall = Callable[["AsyncMistral", dict[str, Any]], "ChatCompletionStream"]


@dataclass(frozen=True)
class Endpoint:
    path: str
    call: Call
    stream: StreamCall | None = None
    """For endpoints that can stream (chat, FIM): the stream whose final completion is the
    same reply as ``call``'s."""
    request: str = ""
    """``module:Class`` of the request model in ``types`` (imported when first needed)."""
    renames: Mapping[str, str] = field(default_factory=dict[str, str])
    """Wire name → SDK argument name."""

    @property
    def generates(self) -> bool:
        """Whether replies hold generated tokens (a completion), beyond the prompt's: the
        endpoints that stream are those."""
        return self.stream is not None

    def request_model(self) -> type[BaseModel]:
        module, _, name = self.request.partition(":")
        found: type[BaseModel] = getattr(import_module(f"mistral_async.types.{module}"), name)
        return found


async def _chat(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.chat.complete(**kwargs)


async def _fim(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.fim.complete(**kwargs)


async def _embeddings(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.embeddings.create(**kwargs)


async def _moderate(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.classifiers.moderate(**kwargs)


async def _moderate_chat(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.classifiers.moderate_chat(**kwargs)


async def _classify(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.classifiers.classify(**kwargs)


async def _classify_chat(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.classifiers.classify_chat(**kwargs)


async def _ocr(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.ocr.process(**kwargs)


def _chat_stream(client: AsyncMistral, kwargs: dict[str, Any]) -> ChatCompletionStream:
    return client.chat.stream(**kwargs)


def _fim_stream(client: AsyncMistral, kwargs: dict[str, Any]) -> ChatCompletionStream:
    return client.fim.stream(**kwargs)


_INPUTS = {"input": "inputs"}

ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    e.path: e
    for e in (
        Endpoint(CHAT, _chat, _chat_stream, "chat:ChatCompletionRequest"),
        Endpoint("/v1/fim/completions", _fim, _fim_stream, "fim:FIMCompletionRequest"),
        Endpoint("/v1/embeddings", _embeddings, None, "embeddings:EmbeddingRequest", _INPUTS),
        Endpoint("/v1/moderations", _moderate, None, "classifiers:ClassificationRequest", _INPUTS),
        Endpoint(
            "/v1/chat/moderations",
            _moderate_chat,
            None,
            "classifiers:ChatModerationRequest",
            _INPUTS,
        ),
        Endpoint(
            "/v1/classifications", _classify, None, "classifiers:ClassificationRequest", _INPUTS
        ),
        Endpoint(
            "/v1/chat/classifications",
            _classify_chat,
            None,
            "classifiers:ChatClassificationRequest",
            _INPUTS,
        ),
        Endpoint("/v1/ocr", _ocr, None, "ocr:OCRRequest"),
    )
}


def endpoint(path: str, argument: str = "endpoint") -> Endpoint:
    """The endpoint served at ``path``, or ``ArgumentError`` naming the ones there are."""
    found = ENDPOINTS.get(path)
    if found is None:
        known = ", ".join(ENDPOINTS)
        raise ArgumentError(argument, f"{path!r} is not an endpoint a batch can run ({known})")
    return found


def body_arguments(target: Endpoint, body: Any, model: str | None) -> dict[str, Any]:
    """The keyword arguments of the SDK call for one Batch API ``body``.

    ``model`` fills in a body that names none. Raises ``ArgumentError`` for a body that is not
    an object or that holds a name the API does not know (the SDK's per-call options such as
    ``timeout`` are not body fields).
    """
    if not is_mapping(body):
        raise ArgumentError("body", f"must be a JSON object, got {type(body).__name__}")
    arguments: dict[str, Any] = {}
    for key, value in body.items():
        if not isinstance(key, str) or key in REQUEST_OPTION_KEYS:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError(str(key), "unknown field (the API would reject it)")
        if key in target.renames.values():
            raise ArgumentError(key, "unknown field (the API would reject it)")
        if key == "stream":
            continue  # how a reply travels is the runner's choice, not the body's
        arguments[target.renames.get(key, key)] = value
    if "model" not in arguments and model is not None:
        arguments["model"] = model
    return arguments


def check_body(target: Endpoint, body: Any, model: str | None) -> None:
    """Validate a body as the SDK call would, without sending it (``ArgumentError`` if not):
    for a batch that another service runs, so that it fails the same way as a local one."""
    validate_params(target.request_model(), body_arguments(target, body, model))


def usage_of(response: ResponseModel) -> UsageInfo | None:
    """The token usage a reply reports, if it reports one."""
    usage = getattr(response, "usage", None)
    if isinstance(usage, UsageInfo):
        return usage
    if is_mapping(usage):  # kept as an extra field by replies that do not declare it
        try:
            return UsageInfo.model_validate(usage)
        except ValidationError:
            return None
    return None


def response_body(response: ResponseModel) -> Any:
    """The reply as the API sent it (fields it did not send are left out)."""
    return response.model_dump(mode="json", by_alias=True, exclude_unset=True)
