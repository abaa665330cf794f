"""OpenTelemetry spans, one per API call, after the GenAI semantic conventions.

On only when OpenTelemetry is in use: ``opentelemetry.trace`` has been imported (by the
application or its instrumentation; this package never imports it first) and a tracer provider
has been set. Otherwise :func:`start_span` returns ``None`` after one dictionary look-up, and
nothing else here runs. Install the API with ``pip install 'mistral-async[otel]'``.

A span starts when a call is made (before it waits for a concurrency slot) and ends when its
reply has been read into its model, or, for a stream or download, when it is closed. It holds:

- ``gen_ai.operation.name`` (``chat``, ``text_completion``, ``embeddings``; other calls have
  none and are named ``METHOD /v1/area``), ``gen_ai.provider.name`` and ``gen_ai.system``
  (``mistral_ai``), ``gen_ai.request.model`` and the sampling parameters sent;
- ``gen_ai.response.id``, ``gen_ai.response.model``, ``gen_ai.response.finish_reasons``,
  ``gen_ai.usage.input_tokens`` / ``output_tokens`` from the reply (a stream's from its
  assembled completion);
- ``http.response.status_code``, ``http.request.resend_count`` (the retries taken),
  ``server.address`` / ``server.port``, ``mistral_async.from_cache``, and for a stream
  ``mistral_async.time_to_first_event`` (seconds from the call to its first ``data:`` event);
- on failure ``error.type``, the exception as a span event, and an error status.

Prompts and completions are not recorded unless the client is made with
``trace_content=True`` (default: the ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
environment variable is ``true``); they are then ``gen_ai.input.messages`` and
``gen_ai.output.messages``, JSON text.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio
import httpx

from .._version import __version__
from .json_values import is_array, is_mapping

if TYPE_CHECKING:
    from .request import APIRequest
    from .response_info import ResponseInfo

CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
PROVIDER: Final = "mistral_ai"

# The calls that are GenAI operations; every other call is traced as a plain API call.
OPERATIONS: Final = {
    "/v1/chat/completions": "chat",
    "/v1/agents/completions": "chat",
    "/v1/fim/completions": "text_completion",
    "/v1/embeddings": "embeddings",
}

# Request body fields recorded as GenAI request attributes (never their contents).
_REQUEST_FIELDS: Final = (
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("random_seed", "gen_ai.request.seed"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
)

_tracers: tuple[Any, Any] | None = None  # (provider, its tracer), the last one used


def content_default() -> bool:
    """Whether prompts and completions are recorded when the client does not say."""
    return os.environ.get(CONTENT_ENV, "").strip().lower() == "true"


def _tracer() -> Any | None:
    """The tracer of the global provider, or ``None`` when tracing is off."""
    global _tracers
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:  # not imported (or blocked, as ``sys.modules[...] = None`` does)
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    cached = _tracers
    if cached is not None and cached[0] is provider:
        return cached[1]
    tracer = provider.get_tracer("mistral_async", __version__)
    _tracers = (provider, tracer)
    return tracer


def start_span(
    base_url: httpx.URL | str, request: APIRequest, *, stream: bool, content: bool
) -> CallSpan | None:
    """A span for one call, or ``None`` when tracing is off (the common case: cheap)."""
    tracer = _tracer()
    if tracer is None:
        return None
    return CallSpan(tracer, base_url, request, stream=stream, content=content)


def _text(value: Any) -> str:
    value = getattr(value, "value", value)  # an enum member
    return str(value)


class CallSpan:
    """The span of one call, from the call to its end (see the module)."""

    __slots__ = ("_content", "_ended", "_first_event", "_span", "_started")

    def __init__(
        self,
        tracer: Any,
        base_url: httpx.URL | str,
        request: APIRequest,
        *,
        stream: bool,
        content: bool,
    ) -> None:
        body: Mapping[str, Any] = request.json if is_mapping(request.json) else {}
        operation = OPERATIONS.get(request.path)
        model = body.get("model")
        attributes: dict[str, Any] = {
            "gen_ai.provider.name": PROVIDER,
            "gen_ai.system": PROVIDER,
            "http.request.method": request.method,
        }
        url = httpx.URL(base_url) if isinstance(base_url, str) else base_url
        attributes["server.address"] = url.host
        attributes["server.port"] = url.port or (443 if url.scheme == "https" else 80)
        if operation is not None:
            attributes["gen_ai.operation.name"] = operation
            name = f"{operation} {model}" if isinstance(model, str) else operation
        else:
            # Low cardinality: the area of the path, not the ids after it.
            name = f"{request.method} {'/'.join(request.path.split('/')[:3])}"
        if isinstance(model, str):
            attributes["gen_ai.request.model"] = model
        for field, attribute in _REQUEST_FIELDS:
            value = body.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                attributes[attribute] = value
        if stream:
            attributes["mistral_async.stream"] = True
        if content:
            messages = _input_messages(body)
            if messages is not None:
                attributes["gen_ai.input.messages"] = messages
        from opentelemetry.trace import SpanKind  # imported already: _tracer found it

        self._span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        self._started = time.perf_counter()
        self._first_event: float | None = None
        self._content = content
        self._ended = False

    @property
    def span(self) -> Any:
        """The OpenTelemetry span (for tests and for those who add attributes of their own)."""
        return self._span

    def watch(self, response: httpx.Response) -> None:
        """Note when the first event of an event stream arrives (the byte stream is wrapped;
        what the reader sees is unchanged)."""
        if self._first_event is None and response.headers.get("content-type", "").startswith(
            "text/event-stream"
        ):
            response.stream = _FirstEventStream(response.stream, self)

    def _event_arrived(self) -> None:
        if self._first_event is None:
            self._first_event = time.perf_counter() - self._started

    def finish(self, reply: Any, info: ResponseInfo | None) -> None:
        """End the span of a call that succeeded (``reply``: the model read, if any)."""
        if self._ended:
            return
        self._ended = True
        span = self._span
        if info is not None:
            span.set_attribute("http.response.status_code", info.status_code)
            span.set_attribute("http.request.resend_count", info.retries)
            if info.from_cache:
                span.set_attribute("mistral_async.from_cache", True)
        if self._first_event is not None:
            span.set_attribute("mistral_async.time_to_first_event", self._first_event)
        if reply is not None:
            self._reply_attributes(reply)
        span.end()

    def fail(self, error: BaseException, info: ResponseInfo | None = None) -> None:
        """End the span of a call that failed with ``error``."""
        if self._ended:
            return
        span = self._span
        status = getattr(error, "status_code", None)
        if isinstance(status, int) and status:
            span.set_attribute("http.response.status_code", status)
        retries = getattr(error, "retries", None)
        if isinstance(retries, int):
            span.set_attribute("http.request.resend_count", retries)
        cancelled = isinstance(error, anyio.get_cancelled_exc_class())
        span.set_attribute("error.type", "cancelled" if cancelled else type(error).__name__)
        if not cancelled:
            span.record_exception(error)
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        self.finish(None, info)

    def _reply_attributes(self, reply: Any) -> None:
        span = self._span
        for field, attribute in (("id", "gen_ai.response.id"), ("model", "gen_ai.response.model")):
            value = getattr(reply, field, None)
            if isinstance(value, str):
                span.set_attribute(attribute, value)
        usage = getattr(reply, "usage", None)
        if usage is not None:
            prompt = getattr(usage, "prompt_tokens", None)
            completion = getattr(usage, "completion_tokens", None)
            if isinstance(prompt, int):
                span.set_attribute("gen_ai.usage.input_tokens", prompt)
            if isinstance(completion, int):
                span.set_attribute("gen_ai.usage.output_tokens", completion)
        choices: Any = getattr(reply, "choices", None)
        if is_array(choices) and choices:
            reasons = [
                _text(getattr(c, "finish_reason", None))
                for c in choices
                if getattr(c, "finish_reason", None) is not None
            ]
            if reasons:
                span.set_attribute("gen_ai.response.finish_reasons", reasons)
            if self._content:
                span.set_attribute("gen_ai.output.messages", _output_messages(choices))


def _input_messages(body: Mapping[str, Any]) -> str | None:
    messages = body.get("messages")
    if messages is None and isinstance(body.get("prompt"), str):
        messages = [{"role": "user", "content": body["prompt"]}]
    if messages is None:
        return None
    return json.dumps(messages, ensure_ascii=False, default=str)


def _output_messages(choices: list[Any]) -> str:
    out: list[dict[str, Any]] = []
    for choice in choices:
        message = getattr(choice, "message", None)
        dumped: dict[str, Any] = (
            message.model_dump(mode="json", exclude_none=True) if message is not None else {}
        )
        if getattr(choice, "finish_reason", None) is not None:
            dumped["finish_reason"] = _text(choice.finish_reason)
        out.append(dumped)
    return json.dumps(out, ensure_ascii=False)


class _FirstEventStream(httpx.AsyncByteStream):
    """Passes an event stream's bytes through, telling the span when a ``data:`` line first
    arrives (what the decoder reads first as an event)."""

    def __init__(self, inner: Any, span: CallSpan) -> None:
        self._inner = inner
        self._span = span

    async def __aiter__(self) -> AsyncIterator[bytes]:
        waiting = True
        async for part in self._inner:
            if waiting and b"data:" in part:
                waiting = False
                self._span._event_arrived()
            yield part

    async def aclose(self) -> None:
        await self._inner.aclose()
