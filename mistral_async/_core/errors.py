"""The one error tree of mistral_async, and the one place that builds it from lower layers.

Exception hierarchy::

    MistralError
    ├── ArgumentError (also ValueError)          a bad argument, raised before any request
    │   ├── ToolDefinitionError                  a tool function whose signature cannot be described
    │   └── StrictSchemaError                    a response type that cannot become a strict schema
    ├── MissingAPIKeyError                       no api_key and no MISTRAL_API_KEY
    ├── MissingResponseInfoError                 ``response_info`` of a model not read from a reply
    ├── ClientClosedError (also RuntimeError)    the client was closed
    ├── SyncInEventLoopError (also RuntimeError) the sync client called from inside an event loop
    ├── JobWaitTimeoutError (also TimeoutError)  ``jobs.wait(timeout=...)`` ran out; the job runs on
    ├── BatchInputError (also ValueError)        a bad batch input line, or a batch that cannot run
    │   └── DuplicateCustomIDError               the same custom_id twice in one batch input
    ├── BatchOutputError                         a batch output file that cannot be resumed
    ├── StructuredOutputError                    a reply without the parsed output asked for
    │   ├── LengthFinishReasonError              cut by the token limit (``finish_reason: length``)
    │   ├── ContentFilterFinishReasonError       withheld by content filtering
    │   └── ParseError (also ValueError)         not JSON, or does not validate against the type
    └── APIError                                 anything that went wrong talking to the API
        ├── APIConnectionError                   no usable HTTP response (DNS, refused, dropped)
        │   └── APITimeoutError                  connect, read, write or pool timeout
        │       └── StreamIdleTimeoutError       a stream sent no event for too long
        ├── APIResponseValidationError           a 2xx reply whose body is not what the API promises
        ├── ResponseTooLargeError                a reply, or one stream event, over its size bound
        ├── StreamError                          an error payload sent inside an event stream
        └── APIStatusError                       an HTTP error status; one subclass per status
            ├── BadRequestError                  400
            ├── AuthenticationError              401
            ├── PermissionDeniedError            403
            ├── NotFoundError                    404
            ├── ConflictError                    409
            ├── UnprocessableEntityError         422
            ├── RateLimitError                   429
            └── InternalServerError              5xx

Every ``APIError`` that came from a reply carries ``status_code``, ``body`` (parsed JSON when the
reply was JSON, else text), ``headers`` and ``request_id``. No error message ever includes the API
key: messages are built from the reply and the request's method and URL only. The request (or
response) an error keeps is a copy whose ``Authorization`` header reads ``Bearer ***``, so the key
is not in ``vars(error)`` or a pickle either; every error pickles, unpickles and copies.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .json_values import is_array, is_object
from .response_info import request_id


class MistralError(Exception):
    """Base of every exception this package raises on purpose.

    Errors travel: to logs, task queues, ``ProcessPoolExecutor`` and multiprocessing, which pickle
    them. Two rules, kept here once for every subclass: an attribute set to an httpx request or
    response holds a copy with the credentials masked (so ``vars()``, a pickle and
    ``error.request.headers`` never carry the API key), and an error is rebuilt from its ``args``
    and attributes without calling ``__init__`` (whose keyword-only arguments the default
    ``BaseException`` pickling, ``cls(*args)``, cannot pass).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, _redacted(value))

    def __reduce__(self) -> tuple[Any, ...]:
        # The state goes through __setstate__ -> __setattr__, so even an old pickle is masked.
        return _rebuild, (type(self), self.args), dict(self.__dict__)


def _rebuild(cls: type[MistralError], args: tuple[Any, ...]) -> MistralError:
    """Unpickle an error: ``args`` first, then the state sets the rest."""
    error = cls.__new__(cls, *args)
    error.args = args  # OSError's __new__ (under TimeoutError) leaves it to __init__
    return error


_SECRET_HEADERS = ("authorization", "proxy-authorization")


def _redacted(value: Any) -> Any:
    """``value``, or for an httpx request or response carrying credentials, a copy without them.

    The copy is closed and unattached (httpx's own copy semantics) but keeps the method, URL,
    headers and any body already read, which is what an error is inspected for.
    """
    if isinstance(value, httpx.Response):
        try:
            request = value.request
        except RuntimeError:  # a response built without a request
            return value
        masked = _redacted(request)
        if masked is request:
            return value
        clone = copy.copy(value)
        clone.request = masked
        return clone
    if isinstance(value, httpx.Request):
        present = [name for name in _SECRET_HEADERS if name in value.headers]
        if not present:
            return value
        request_clone = copy.copy(value)
        headers = value.headers.copy()
        for name in present:
            scheme, _, secret = headers[name].partition(" ")
            headers[name] = f"{scheme} ***" if secret else "***"
        request_clone.headers = headers
        return request_clone
    return value


class ArgumentError(MistralError, ValueError):
    """An argument the API would reject; raised before anything is sent.

    :param argument: the dotted path of the offending argument, e.g. ``messages[1].content``.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"invalid argument {argument!r}: {message}")
        self.argument = argument


class MissingAPIKeyError(MistralError):
    """No API key was given and ``MISTRAL_API_KEY`` is not set."""


class MissingResponseInfoError(MistralError):
    """``response_info`` was read on a model that was not read from a reply: one built in code
    (``ChatCompletionResponse(...)``, ``model_validate``) or one nested inside another reply."""


class ClientClosedError(MistralError, RuntimeError):
    """The client was used after ``aclose()`` / ``close()``."""


class SyncInEventLoopError(MistralError, RuntimeError):
    """The blocking client was called from a thread that is running an event loop."""


class BatchInputError(MistralError, ValueError):
    """A batch input that cannot be run as given.

    A bad line of a JSONL input (not JSON, no ``body``, an unknown field) becomes a failed
    item carrying this error, with its ``line`` number, and the run goes on; an input that
    cannot run at all (a missing file) raises it before anything is sent.
    """

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        where = f"{path or 'input'}, line {line}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line
        self.path = path


class DuplicateCustomIDError(BatchInputError):
    """The same ``custom_id`` appears twice in one batch input; refused before anything is sent,
    since results are matched (and runs resumed) by ``custom_id``."""


class BatchOutputError(MistralError):
    """A batch output file that cannot be resumed: a complete line in it is not a result line.
    Nothing is written to it; move it aside or fix the line."""


class ToolDefinitionError(ArgumentError):
    """A tool function whose signature or docstring cannot be described as a JSON schema
    (``*args``, a parameter without a type annotation, a type with no JSON form...)."""


class StrictSchemaError(ArgumentError):
    """A ``response_format`` type that cannot become a strict JSON schema (free-form mappings,
    ``Any`` fields, a top level that is not an object...)."""


class StructuredOutputError(MistralError):
    """The reply did not give the parsed output that was asked for.

    :param raw_text: the text the model wrote, kept so nothing is lost.
    :param completion: the whole completion the text came from (``None`` if unknown).
    """

    def __init__(self, message: str, *, raw_text: str, completion: Any = None) -> None:
        super().__init__(message)
        self.raw_text = raw_text
        self.completion = completion


class LengthFinishReasonError(StructuredOutputError):
    """The answer was cut by the token limit (``finish_reason`` ``length``) before it was whole."""


class ContentFilterFinishReasonError(StructuredOutputError):
    """The answer was withheld or cut by content filtering (``finish_reason: content_filter``)."""


class ParseError(StructuredOutputError, ValueError):
    """The answer is not JSON, or does not validate against the requested type.

    ``errors`` lists pydantic's validation errors (empty when the text was not JSON at all).
    """

    def __init__(
        self,
        message: str,
        *,
        raw_text: str,
        completion: Any = None,
        errors: list[Any] | None = None,
    ) -> None:
        super().__init__(message, raw_text=raw_text, completion=completion)
        self.errors: list[Any] = errors or []


class JobWaitTimeoutError(MistralError, TimeoutError):
    """``jobs.wait(..., timeout=...)`` gave up; the job itself keeps running.

    :param job: the last state of the job that was read.
    """

    def __init__(self, message: str, job: object) -> None:
        super().__init__(message)
        self.job = job


class APIError(MistralError):
    """Something went wrong talking to the API.

    :param message: human-readable summary.
    :param request: the request that failed, when known (method and URL only are shown).
    """

    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retries: int = 0,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.request = request
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.request_id: str | None = request_id(self.headers)
        self.retries = retries
        """How many retries were made before this error was raised."""


class APIConnectionError(APIError):
    """No usable HTTP response: the connection failed, was refused or was dropped."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class StreamIdleTimeoutError(APITimeoutError):
    """A stream sent no event within its ``idle_timeout``."""


class APIResponseValidationError(APIError):
    """The API answered with a success status but a body this SDK cannot read as promised."""

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code


class ResponseTooLargeError(APIError):
    """A reply body (``max_response_bytes``) or one stream line or event (``max_event_bytes``)
    was larger than its bound; reading stopped there and the connection was closed.

    :param limit: the bound, in bytes, that was crossed.
    """

    def __init__(self, message: str, *, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class StreamError(APIError):
    """The API sent an error object inside an event stream, after the 200 status line."""

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.type: str | None = _field(self.body, "type")
        self.code: Any = self.body.get("code") if is_object(self.body) else None


class APIStatusError(APIError):
    """The API answered with an HTTP error status.

    ``type``, ``message`` and ``detail`` are read from Mistral's error object when the body is one
    (``{"object": "error", "type": ..., "message": ...}`` or a validation ``{"detail": [...]}``).

    Every shape the live API answers with is read the same way (see :func:`error_fields`):
    ``type`` (``invalid_model``, ``invalid_request_message_order``, ``rate_limited``...),
    ``code`` (a string of digits such as ``"1500"``, or ``None``), ``param``, ``message`` (the
    body's own words; the whole summary when the body has none) and ``raw_status_code``. The
    gateway's ``{"detail": "Unauthorized"}`` and ``{"message": ..., "request_id": ...}`` have
    only a message; ``type``, ``code`` and ``param`` are then ``None``.
    """

    # Narrowed: a status error always has one (set once, in __init__).
    status_code: int  # pyright: ignore[reportIncompatibleVariableOverride]

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code  # pyright: ignore[reportIncompatibleVariableOverride]
        self.type: str | None = _field(self.body, "type")
        self.detail: Any = self.body.get("detail") if is_object(self.body) else None
        retry_after = self.headers.get("retry-after")
        self.retry_after: str | None = retry_after
        fields = error_fields(self.body)
        self.type = fields.type
        self.code: str | None = fields.code
        self.param: str | None = fields.param
        self.raw_status_code: int | None = fields.raw_status_code
        if fields.message is not None:
            self.message = fields.message


class BadRequestError(APIStatusError):
    """400: the request was malformed or refused."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, invalid or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model or resource."""


class NotFoundError(APIStatusError):
    """404: the model, file, job or path does not exist."""


class ConflictError(APIStatusError):
    """409: the resource is in a state that conflicts with the request."""


class UnprocessableEntityError(APIStatusError):
    """422: the API's request validation failed; ``detail`` lists each problem."""


class RateLimitError(APIStatusError):
    """429: too many requests or tokens; see ``retry_after`` and the rate limit headers."""


class InternalServerError(APIStatusError):
    """5xx: the API failed; usually worth retrying later."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


@dataclass(frozen=True)
class ErrorFields:
    """What an error body says, whatever its shape; ``None`` for what it does not say."""

    type: str | None = None
    code: str | None = None
    param: str | None = None
    message: str | None = None
    raw_status_code: int | None = None


def error_fields(body: Any) -> ErrorFields:
    """Read an error body of any shape the API sends.

    Mistral's error object (``{"object": "error", "message", "type", "param", "code",
    "raw_status_code"}``), the same nested under ``"error"`` (as the user's notes show it),
    FastAPI's ``{"detail": "..."}`` and ``{"detail": [...]}``, and the gateway's
    ``{"message": "...", "request_id": "..."}``. ``code`` is read as text (``1500`` and
    ``"1500"`` are both ``"1500"``).
    """
    if not is_object(body):
        return ErrorFields(message=body.strip()[:500] or None if isinstance(body, str) else None)
    nested = body.get("error")
    if is_object(nested) and "message" not in body:
        return error_fields(nested)
    code = body.get("code")
    raw = body.get("raw_status_code")
    message = _field(body, "message")
    if message is None and "detail" in body:
        message = _summary(body)
    return ErrorFields(
        type=_field(body, "type"),
        code=str(code) if isinstance(code, (str, int)) and not isinstance(code, bool) else None,
        param=_field(body, "param"),
        message=message,
        raw_status_code=raw if isinstance(raw, int) and not isinstance(raw, bool) else None,
    )


def _field(body: Any, name: str) -> str | None:
    if is_object(body):
        value = body.get(name)
        if isinstance(value, str):
            return value
    return None


def parse_body(content: bytes, content_type: str | None) -> Any:
    """Best-effort body for an error: JSON when it parses, else the text."""
    text = content.decode("utf-8", errors="replace")
    if content and (content_type is None or "json" in content_type or text[:1] in "{["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _summary(body: Any) -> str:
    """The most useful one-line description that a Mistral error body offers."""
    if is_object(body):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
        detail = body.get("detail")
        if is_array(detail) and detail:
            parts: list[str] = []
            for item in detail[:5]:
                if is_object(item):
                    loc = ".".join(str(p) for p in item.get("loc", ()))
                    parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
            if parts:
                return "; ".join(parts)
        if isinstance(detail, str):
            return detail
        error = body.get("error")
        if is_object(error):
            return _summary(error)
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return "no error message in the reply"


def status_error(
    status_code: int,
    *,
    content: bytes,
    headers: Mapping[str, str],
    request: httpx.Request | None,
    retries: int = 0,
) -> APIStatusError:
    """Build the typed error for an HTTP error reply."""
    body = parse_body(content, headers.get("content-type"))
    cls = _STATUS_ERRORS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    message = f"Error code: {status_code} - {_summary(body)}"
    index = _offending_message(body, request)
    if index is not None:
        message += f" (messages[{index}])"
    found = request_id(headers)
    if found:
        message += f" (request id {found})"
    return cls(
        message,
        status_code=status_code,
        request=request,
        body=body,
        headers=headers,
        retries=retries,
    )


_ORDER = re.compile(r"Unexpected role '(\w+)' after role '(\w+)'")


def _offending_message(body: Any, request: httpx.Request | None) -> int | None:
    """For a role-order 400, the index of the message the API refused, found in the request
    this SDK sent (the API names only the two roles); ``None`` when it cannot tell."""
    found = _ORDER.search(_field(body, "message") or "")
    if found is None or request is None:
        return None
    try:
        sent = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):
        return None
    messages = sent.get("messages") if is_object(sent) else None
    if not is_array(messages):
        return None
    role, after = found.groups()
    previous = None
    for index, item in enumerate(messages):
        current = item.get("role") if is_object(item) else None
        if current == "system":
            continue
        if (previous, current) == (after, role):
            return index
        previous = current
    return None


def stream_error(
    body: Any,
    *,
    status_code: int,
    headers: Mapping[str, str],
    request: httpx.Request | None,
    retries: int = 0,
) -> StreamError:
    """Build the error for an error object that arrived inside an event stream."""
    return StreamError(
        f"Error in stream: {_summary(body)}",
        status_code=status_code,
        request=request,
        body=body,
        headers=headers,
        retries=retries,
    )


def transport_error(exc: Exception, request: httpx.Request | None, retries: int) -> APIError:
    """Map an httpx transport exception to this package's tree.

    The message names the method and URL, never a header, so the API key cannot leak through it.
    """
    where = f"{request.method} {request.url}" if request is not None else "request"
    kind = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        # httpx's own text says which phase timed out (connect, read, the pool being full).
        detail = f": {exc}" if str(exc) else ""
        return APITimeoutError(
            f"{kind}: {where} timed out{detail}", request=request, retries=retries
        )
    return APIConnectionError(
        f"{kind}: connection error on {where}: {exc}", request=request, retries=retries
    )
