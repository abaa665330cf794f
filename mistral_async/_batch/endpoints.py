"""The endpoints a batch can run, and how a Batch API request body becomes an SDK call.

A Batch API line's ``body`` is the JSON body of the endpoint, with the API's field names (for
``/v1/audio/transcriptions``, whose request is a form, the form's fields as JSON: the audio by
``file_url`` or ``file_id``, never a ``file`` part). Each
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
    refused: Mapping[str, str] = field(default_factory=dict[str, str])
    """Body fields a JSONL line cannot carry → why (a transcription's ``file`` part)."""
    check: Callable[[Any], None] | None = None
    """The rules across fields the API enforces, run on the validated request model."""
    writes: bool = False
    """Replies hold generated tokens though the runner does not stream them (conversations)."""

    @property
    def generates(self) -> bool:
        """Whether replies hold generated tokens (a completion), beyond the prompt's: the
        endpoints that stream, and conversations."""
        return self.stream is not None or self.writes

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


async def _transcribe(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    return await client.audio.transcriptions.complete(**kwargs)


async def _converse(client: AsyncMistral, kwargs: dict[str, Any]) -> ResponseModel:
    # One step of a new conversation per line, as the Batch API runs /v1/conversations.
    return await client.beta.conversations.start(**kwargs)


def _check_transcription(request: Any) -> None:
    from ..types.audio_transcriptions import check_transcription_request

    check_transcription_request(request)


# A batch line is JSON: the audio goes by reference (an uploaded file's id, or a URL).
_NO_FILE_PART = {"file": "a JSONL line cannot carry a file part: give file_url or file_id"}


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
        Endpoint(
            "/v1/conversations", _converse, None, "conversations:ConversationRequest", writes=True
        ),
        Endpoint(
            "/v1/audio/transcriptions",
            _transcribe,
            None,
            "audio_transcriptions:AudioTranscriptionRequest",
            refused=_NO_FILE_PART,
            check=_check_transcription,
        ),
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
        if key in target.refused:
            raise ArgumentError(key, target.refused[key])
        if key == "stream":
            continue  # how a reply travels is the runner's choice, not the body's
        arguments[target.renames.get(key, key)] = value
    if "model" not in arguments and model is not None:
        arguments["model"] = model
    return arguments


def check_body(target: Endpoint, body: Any, model: str | None) -> None:
    """Validate a body as the SDK call would, without sending it (``ArgumentError`` if not):
    for a batch that another service runs, so that it fails the same way as a local one."""
    request = validate_params(target.request_model(), body_arguments(target, body, model))
    if target.check is not None:
        target.check(request)


def usage_of(response: ResponseModel) -> UsageInfo | None:
    """The token usage a reply reports, if it reports one."""
    usage = getattr(response, "usage", None)
    if isinstance(usage, UsageInfo):
        return usage
    if isinstance(usage, BaseModel):  # a conversation's usage, which counts connectors too
        usage = usage.model_dump(exclude_none=True)
    if is_mapping(usage):  # kept as an extra field by replies that do not declare it
        try:
            return UsageInfo.model_validate(usage)
        except ValidationError:
            return None
    return None


def response_body(response: ResponseModel) -> Any:
    """The reply as the API sent it (fields it did not send are left out)."""
    return response.model_dump(mode="json", by_alias=True, exclude_unset=True)
