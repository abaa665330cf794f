"""OpenTelemetry spans after the GenAI conventions, read back from the SDK's in-memory exporter:
one per call, streams ended on close with their time to first event, errors recorded, contents
only when asked for; and nothing at all when OpenTelemetry is absent or has no provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from mistral_async import (
    APIConnectionError,
    AsyncMistral,
    AuthenticationError,
    Mistral,
    ResponseCache,
    RetryPolicy,
    StreamError,
)
from mistral_async._core import tracing
from mistral_async._core.request import APIRequest

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Tell me about rivers"}
CHAT = "/v1/chat/completions"
FAST = RetryPolicy(initial_delay=0.01)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """A tracer provider for this test only (the global one can be set once per process, so
    the test sets the module's variable, which the fixture restores)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    yield exporter
    provider.shutdown()


def only(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = exporter.get_finished_spans()
    return span


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


@pytest.mark.anyio
async def test_a_chat_call_is_one_genai_span(
    client: AsyncMistral, spans: InMemorySpanExporter
) -> None:
    completion = await client.chat.complete(
        model=MODEL, messages=[USER], max_tokens=32, temperature=0.5
    )
    span = only(spans)
    assert span.name == f"chat {MODEL}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    got = attributes(span)
    assert got == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "mistral_ai",
        "gen_ai.system": "mistral_ai",
        "gen_ai.request.model": MODEL,
        "gen_ai.request.max_tokens": 32,
        "gen_ai.request.temperature": 0.5,
        "gen_ai.response.id": completion.id,
        "gen_ai.response.model": completion.model,
        "gen_ai.response.finish_reasons": (completion.choices[0].finish_reason,),
        "gen_ai.usage.input_tokens": completion.usage.prompt_tokens,
        "gen_ai.usage.output_tokens": completion.usage.completion_tokens,
        "http.request.method": "POST",
        "http.response.status_code": 200,
        "http.request.resend_count": 0,
        "server.address": "127.0.0.1",
        "server.port": httpx_port(client),
    }
    # No contents unless asked for.
    assert not any("messages" in name for name in got)


def httpx_port(client: AsyncMistral) -> int:
    import httpx

    port = httpx.URL(client.base_url).port
    assert port is not None
    return port


@pytest.mark.anyio
async def test_retries_errors_and_other_calls(server: Any, spans: InMemorySpanExporter) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, retry=FAST) as client:
        server.faults.add("status", status=503, times=1, path=CHAT)
        await client.chat.complete(model=MODEL, messages=[USER])
        server.faults.add("status", status=401, times=1, path=CHAT)
        with pytest.raises(AuthenticationError):
            await client.chat.complete(model=MODEL, messages=[USER])
        server.faults.add("disconnect", times=1, path=CHAT)
        with pytest.raises(APIConnectionError):
            await client.chat.complete(model=MODEL, messages=[USER], max_retries=0)
        await client.embeddings.create(model="mistral-embed", inputs=["a river"])
        await client.models.retrieve(MODEL)
    retried, refused, cut, embedded, model = spans.get_finished_spans()
    assert attributes(retried)["http.request.resend_count"] == 1
    assert attributes(retried)["http.response.status_code"] == 200
    for span, error, status in (
        (refused, "AuthenticationError", 401),
        (cut, "APIConnectionError", None),
    ):
        assert span.status.status_code is StatusCode.ERROR
        got = attributes(span)
        assert got["error.type"] == error
        assert got.get("http.response.status_code") == status
        assert [event.name for event in span.events] == ["exception"]
    assert embedded.name == "embeddings mistral-embed"
    assert attributes(embedded)["gen_ai.operation.name"] == "embeddings"
    assert attributes(embedded)["gen_ai.usage.input_tokens"] > 0
    # Not a GenAI operation: named by the area of its path, no operation name.
    assert model.name == "GET /v1/models"
    assert "gen_ai.operation.name" not in attributes(model)
    assert attributes(model)["gen_ai.provider.name"] == "mistral_ai"


@pytest.mark.anyio
async def test_a_stream_span_ends_when_the_stream_closes(
    server: Any, spans: InMemorySpanExporter
) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, retry=FAST) as client:
        server.faults.add("cut_stream", after_events=0, path=CHAT)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            async for _ in stream:
                assert not spans.get_finished_spans()  # open while the stream is
            final = stream.current_completion()
        span = only(spans)
        got = attributes(span)
        assert span.name == f"chat {MODEL}"
        assert got["mistral_async.stream"] is True
        assert got["http.request.resend_count"] == 1
        assert got["gen_ai.response.id"] == final.id
        assert got["gen_ai.usage.output_tokens"] == final.usage.completion_tokens
        assert got["gen_ai.response.finish_reasons"] == ("stop",)
        assert span.end_time is not None
        assert span.start_time is not None
        first = got["mistral_async.time_to_first_event"]
        assert 0 < first <= (span.end_time - span.start_time) / 1e9
        spans.clear()
        # An error event mid-stream: recorded on the span.
        server.faults.add("stream_error", after_events=1, message="failed", path=CHAT)
        with pytest.raises(StreamError):
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                async for _ in stream:
                    pass
        span = only(spans)
        assert span.status.status_code is StatusCode.ERROR
        assert attributes(span)["error.type"] == "StreamError"
        (event,) = span.events
        assert event.attributes is not None
        assert event.attributes["exception.type"].endswith("StreamError")
        spans.clear()
        # A break is a normal end.
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            async for _ in stream:
                break
        span = only(spans)
        assert span.status.status_code is StatusCode.UNSET
        assert "mistral_async.time_to_first_event" in attributes(span)


@pytest.mark.anyio
async def test_contents_only_when_asked_for(
    server: Any, spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, trace_content=True) as client:
        completion = await client.chat.complete(model=MODEL, messages=[USER])
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            streamed = await stream.get_final_completion()
    plain, flowing = spans.get_finished_spans()
    for span, reply in ((plain, completion), (flowing, streamed)):
        got = attributes(span)
        assert json.loads(got["gen_ai.input.messages"]) == [USER]
        (message,) = json.loads(got["gen_ai.output.messages"])
        assert message["content"] == reply.text
        assert message["finish_reason"] == "stop"
    spans.clear()
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    async with AsyncMistral(api_key="k", base_url=server.url) as client:
        assert client.trace_content
        assert not client.with_options(trace_content=False).trace_content
        await client.fim.complete(model="codestral-latest", prompt="def f(")
    span = only(spans)
    assert span.name == "text_completion codestral-latest"
    assert json.loads(attributes(span)["gen_ai.input.messages"])[0]["content"] == "def f("


@pytest.mark.anyio
async def test_a_cached_reply_and_a_parent_span(server: Any, spans: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("test")
    async with AsyncMistral(api_key="k", base_url=server.url, cache=ResponseCache()) as client:
        with tracer.start_as_current_span("parent") as parent:
            await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
            await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
    first, second, outer = spans.get_finished_spans()
    assert outer.name == "parent"
    for span in (first, second):
        assert span.parent is not None
        assert span.parent.span_id == parent.get_span_context().span_id
    assert "mistral_async.from_cache" not in attributes(first)
    assert attributes(second)["mistral_async.from_cache"] is True


def test_the_blocking_client_traces_too(server: Any, spans: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("test")
    with (
        Mistral(api_key="k", base_url=server.url) as client,
        tracer.start_as_current_span("p") as parent,
    ):
        client.chat.complete(model=MODEL, messages=[USER])
        with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert [chunk for chunk in stream]
    plain, flowing, _ = spans.get_finished_spans()
    # The portal carries the caller's context to the loop thread: the spans are children.
    for span in (plain, flowing):
        assert span.parent is not None
        assert span.parent.span_id == parent.get_span_context().span_id
    assert plain.name == flowing.name == f"chat {MODEL}"
    assert "mistral_async.time_to_first_event" in attributes(flowing)


def test_off_without_a_provider_or_without_opentelemetry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = APIRequest("POST", CHAT, json={"model": MODEL})
    # Imported, but no provider set: the proxy provider means off.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    assert tracing.start_span("http://h", request, stream=False, content=False) is None
    # Not importable: blocked, as an absent package would be.
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    assert tracing.start_span("http://h", request, stream=False, content=False) is None


def test_the_package_works_and_never_imports_opentelemetry_when_it_is_absent() -> None:
    """In a fresh interpreter where ``import opentelemetry`` fails: calls work, streams too,
    and nothing tries to import it."""
    code = textwrap.dedent(
        """
        import sys, importlib.abc

        tried = []

        class Absent(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "opentelemetry":
                    tried.append(name)
                    raise ImportError(f"blocked: {name}")
                return None

        sys.meta_path.insert(0, Absent())
        import anyio, httpx
        from mistral_async import AsyncMistral

        REPLY = {
            "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        CHUNK = ('data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, '
                 '"model": "m", "choices": [{"index": 0, "delta": {"content": "hi"}, '
                 '"finish_reason": "stop"}]}\\n\\ndata: [DONE]\\n\\n')

        def reply(request):
            if b'"stream":true' in request.content:
                return httpx.Response(200, content=CHUNK.encode(),
                                      headers={"content-type": "text/event-stream"})
            return httpx.Response(200, json=REPLY)

        ASK = {"model": "m", "messages": [{"role": "user", "content": "x"}]}

        async def main():
            http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
            async with AsyncMistral(api_key="k", http_client=http) as client:
                assert (await client.chat.complete(**ASK)).text == "hi"
                async with client.chat.stream(**ASK) as s:
                    assert (await s.get_final_completion()).text == "hi"
            await http.aclose()

        anyio.run(main)
        assert not tried, tried
        assert not [m for m in sys.modules if m.startswith("opentelemetry")]
        print("OK")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the aiohttp transport is asyncio only
@pytest.mark.anyio
async def test_spans_on_the_aiohttp_transport(server: Any, spans: InMemorySpanExporter) -> None:
    pytest.importorskip("httpx_aiohttp")
    async with AsyncMistral(api_key="k", base_url=server.url, transport="aiohttp") as client:
        await client.chat.complete(model=MODEL, messages=[USER])
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            await stream.get_final_completion()
    plain, flowing = spans.get_finished_spans()
    assert attributes(plain)["gen_ai.usage.output_tokens"] > 0
    assert attributes(flowing)["mistral_async.time_to_first_event"] > 0
