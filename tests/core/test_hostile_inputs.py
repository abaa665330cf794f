"""Hostile input: every bad argument is an ``ArgumentError`` naming it, before anything is sent.

The client's transport fails the test if it is ever called, so each row also proves that
nothing went out (and, for streams, that the error comes when the stream is created).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"
BAD = "caf\udce9"  # a lone surrogate, as os.fsdecode makes of a Latin-1 file name
NAN = math.nan
INF = math.inf
LONG_ID = "a" * 70_000  # over httpx's 65,536-character URL limit


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _cyclic() -> dict[str, Any]:
    value: dict[str, Any] = {"type": "object"}
    value["properties"] = value
    return value


def _tool(parameters: Any) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": "f", "parameters": parameters}}]


def _sent_nothing(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


def _client() -> AsyncMistral:
    http = httpx.AsyncClient(transport=httpx.MockTransport(_sent_nothing))
    return AsyncMistral(api_key="sk-test", base_url="http://127.0.0.1:9", http_client=http)


def _chat(**over: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **over}


# (id, method, arguments, the name the error must carry)
CALLS: list[tuple[str, str, dict[str, Any], str]] = [
    ("content", "chat", _chat(messages=[{"role": "user", "content": BAD}]), "messages"),
    ("model", "chat", _chat(model=BAD), "model"),
    ("tool-param-surrogate", "chat", _chat(tools=_tool({"d": BAD})), "tools"),
    ("tool-param-nan", "chat", _chat(tools=_tool({"x": NAN})), "tools"),
    ("tool-param-inf", "chat", _chat(tools=_tool({"x": -INF})), "tools"),
    ("tool-param-deep", "chat", _chat(tools=_tool(_nested(100_000))), "tools"),
    ("tool-param-cyclic", "chat", _chat(tools=_tool(_cyclic())), "tools"),
    (
        "json-schema-nan",
        "chat",
        _chat(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "s", "schema": {"maximum": NAN}},
            }
        ),
        "response_format",
    ),
    ("extra_body-nan", "chat", _chat(extra_body={"x": NAN}), "extra_body"),
    ("extra_body-surrogate", "chat", _chat(extra_body={"x": BAD}), "extra_body"),
    ("extra_body-key", "chat", _chat(extra_body={BAD: 1}), "extra_body"),
    ("extra_body-list", "chat", _chat(extra_body=[1]), "extra_body"),
    ("extra_body-str", "chat", _chat(extra_body="x"), "extra_body"),
    ("extra_body-object", "chat", _chat(extra_body=object()), "extra_body"),
    ("extra_body-deep", "chat", _chat(extra_body=_nested(100_000)), "extra_body"),
    ("extra_body-value", "chat", _chat(extra_body={"x": object()}), "extra_body"),
    ("extra_query-list", "chat", _chat(extra_query=[1]), "extra_query"),
    ("extra_query-surrogate", "chat", _chat(extra_query={"q": BAD}), "extra_query"),
    ("extra_query-object", "chat", _chat(extra_query={"q": object()}), "extra_query"),
    ("extra_query-nan", "chat", _chat(extra_query={"q": NAN}), "extra_query"),
    ("extra_headers-int", "chat", _chat(extra_headers={"X-A": 1}), "extra_headers"),
    ("extra_headers-key", "chat", _chat(extra_headers={1: "a"}), "extra_headers"),
    ("extra_headers-crlf", "chat", _chat(extra_headers={"X-A": "a\r\nB: c"}), "extra_headers"),
    ("extra_headers-list", "chat", _chat(extra_headers=["a"]), "extra_headers"),
    ("timeout-str", "chat", _chat(timeout="abc"), "timeout"),
    ("timeout-list", "chat", _chat(timeout=[1]), "timeout"),
    ("timeout-nan", "chat", _chat(timeout=NAN), "timeout"),
    ("timeout-negative", "chat", _chat(timeout=-1), "timeout"),
    ("timeout-bool", "chat", _chat(timeout=True), "timeout"),
    ("inputs", "embeddings", {"model": "mistral-embed", "inputs": [BAD]}, "inputs"),
    (
        "inputs-nan-extra",
        "embeddings",
        {"model": "mistral-embed", "inputs": "a", "extra_body": {"x": INF}},
        "extra_body",
    ),
    ("filename", "upload", {"file": b"{}", "filename": BAD}, "filename"),
    ("file-id-surrogate", "retrieve_file", {"file_id": BAD}, "file_id"),
    ("file-id-long", "retrieve_file", {"file_id": LONG_ID}, "file_id"),
    ("model-id-surrogate", "retrieve_model", {"model_id": BAD}, "model_id"),
    ("model-id-long", "retrieve_model", {"model_id": LONG_ID}, "model_id"),
    ("job-id-surrogate", "get_job", {"job_id": BAD}, "job_id"),
    ("job-id-long", "get_job", {"job_id": LONG_ID}, "job_id"),
    ("job-timeout", "get_job", {"job_id": "j", "timeout": NAN}, "timeout"),
]

STREAM_ONLY: list[tuple[str, dict[str, Any], str]] = [
    ("idle_timeout-str", {"idle_timeout": "abc"}, "idle_timeout"),
    ("idle_timeout-list", {"idle_timeout": [1]}, "idle_timeout"),
    ("idle_timeout-nan", {"idle_timeout": NAN}, "idle_timeout"),
    ("idle_timeout-negative", {"idle_timeout": -1}, "idle_timeout"),
]


def _call(client: AsyncMistral, method: str, arguments: dict[str, Any]) -> Any:
    calls: dict[str, Callable[..., Any]] = {
        "chat": client.chat.complete,
        "embeddings": client.embeddings.create,
        "upload": client.files.upload,
        "retrieve_file": client.files.retrieve,
        "retrieve_model": client.models.retrieve,
        "get_job": client.fine_tuning.jobs.get,
    }
    return calls[method](**arguments)


def _assert_names(error: ArgumentError, name: str) -> None:
    assert name in error.argument, (error.argument, str(error))
    assert name in str(error)


@pytest.mark.parametrize(
    ("method", "arguments", "name"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS]
)
async def test_a_hostile_argument_is_refused_before_sending(
    method: str, arguments: dict[str, Any], name: str
) -> None:
    async with _client() as client:
        with pytest.raises(ArgumentError) as info:
            await _call(client, method, dict(arguments))
        _assert_names(info.value, name)
        assert client._limiter.in_flight == 0


STREAMED = [c for c in CALLS if c[1] == "chat"]


@pytest.mark.parametrize(
    ("arguments", "name"),
    [c[2:] for c in STREAMED] + [(_chat(**a), n) for _, a, n in STREAM_ONLY],
    ids=[c[0] for c in STREAMED] + [s[0] for s in STREAM_ONLY],
)
async def test_a_hostile_stream_argument_is_refused_when_the_stream_is_created(
    arguments: dict[str, Any], name: str
) -> None:
    async with _client() as client:
        with pytest.raises(ArgumentError) as info:
            client.chat.stream(**arguments)  # not entered: the error comes at creation
        _assert_names(info.value, name)


KEY = "sk-secret-Zq8"

CONSTRUCTOR: list[tuple[str, dict[str, Any], str]] = [
    ("api_key-int", {"api_key": 123}, "api_key"),
    ("api_key-bytes", {"api_key": b"key"}, "api_key"),
    ("api_key-accent", {"api_key": "cl\u00e9" + KEY}, "api_key"),
    ("api_key-space", {"api_key": KEY + " b"}, "api_key"),
    ("api_key-newline", {"api_key": KEY + "\n"}, "api_key"),
    ("api_key-empty", {"api_key": ""}, "api_key"),
    ("base_url-int", {"base_url": 123}, "base_url"),
    ("base_url-port", {"base_url": "http://127.0.0.1:99999"}, "base_url"),
    ("base_url-bad-port", {"base_url": "http://127.0.0.1:x"}, "base_url"),
    ("base_url-surrogate", {"base_url": "http://127.0.0.1/" + BAD}, "base_url"),
    ("timeout-str", {"timeout": "abc"}, "timeout"),
    ("timeout-nan", {"timeout": NAN}, "timeout"),
    ("timeout-negative", {"timeout": -2.0}, "timeout"),
    ("default_headers-int", {"default_headers": {"X-A": 1}}, "default_headers"),
    ("default_headers-bytes-key", {"default_headers": {b"X": "a"}}, "default_headers"),
    ("default_headers-crlf", {"default_headers": {"X-A": "a\nb"}}, "default_headers"),
    ("default_headers-accent", {"default_headers": {"X-A": "cl\u00e9"}}, "default_headers"),
    ("cache", {"cache": object()}, "cache"),
    ("usage_tracker", {"usage_tracker": 1}, "usage_tracker"),
]


@pytest.mark.parametrize("client_type", [AsyncMistral, Mistral])
@pytest.mark.parametrize(
    ("options", "name"), [c[1:] for c in CONSTRUCTOR], ids=[c[0] for c in CONSTRUCTOR]
)
def test_a_hostile_constructor_argument_is_refused(
    client_type: type[Any], options: dict[str, Any], name: str
) -> None:
    arguments = {"api_key": KEY, "base_url": "http://127.0.0.1:9", **options}
    with pytest.raises(ArgumentError) as info:
        client_type(**arguments)
    _assert_names(info.value, name)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


@pytest.mark.parametrize("option", ["poll_interval", "max_poll_interval", "timeout"])
@pytest.mark.parametrize("value", [NAN, INF, -1.0, "abc"])
async def test_jobs_wait_refuses_bad_numbers_before_polling(option: str, value: Any) -> None:
    async with _client() as client:
        with pytest.raises(ArgumentError) as info:
            await client.fine_tuning.jobs.wait("job-1", **{option: value})
        _assert_names(info.value, option)


def test_a_body_is_strict_json() -> None:
    from mistral_async._core.request import encode_json

    assert encode_json({"a": [1, 2.5, "caf\u00e9", None]}) == '{"a":[1,2.5,"café",null]}'.encode()
    for bad in (NAN, INF, -INF):
        with pytest.raises(ArgumentError):
            encode_json({"x": bad})


# -- a server that asks for a wait of NaN --------------------------------------------------

CHAT = "/v1/chat/completions"
NAN_WAITS = [{"Retry-After": "nan"}, {"retry-after-ms": "nan"}, {"Retry-After": "inf"}]


def _fast_backoff(client: AsyncMistral) -> None:
    from mistral_async._core.retry import RetryPolicy

    client._policy = lambda options: RetryPolicy(  # type: ignore[method-assign]
        max_retries=options.get("max_retries", client.max_retries), initial_delay=0.01
    )


@pytest.mark.parametrize("headers", NAN_WAITS)
async def test_a_nan_retry_after_falls_back_to_backoff(
    client: AsyncMistral, server: Any, headers: dict[str, str]
) -> None:
    _fast_backoff(client)
    server.faults.add("status", status=429, headers=headers, times=2, path=CHAT)
    completion = await client.chat.complete(**_chat())
    assert completion.response_info is not None
    assert completion.response_info.retries == 2
    server.faults.add("status", status=503, headers=headers, path=CHAT)
    async with client.chat.stream(**_chat()) as stream:
        assert [chunk async for chunk in stream]


async def test_a_batch_run_survives_nan_retry_after(client: AsyncMistral, server: Any) -> None:
    from mistral_async import BatchRunner

    _fast_backoff(client)  # the runner retries by the client's policy
    count = 50
    for headers in NAN_WAITS * 4:
        server.faults.add("status", status=429, headers=headers, path=CHAT)
    runner = BatchRunner(client, model=MODEL, concurrency=8, max_retries=6)
    items = (
        {"custom_id": f"q{n}", "body": {"messages": [{"role": "user", "content": f"q{n}"}]}}
        for n in range(count)
    )
    with anyio.fail_after(20):
        async with runner.run(items) as results:
            done = [result async for result in results]
    assert sorted(r.custom_id for r in done) == sorted(f"q{n}" for n in range(count))
    assert all(r.ok for r in done), [r.error for r in done if not r.ok]
    assert sum(r.retries for r in done) == len(NAN_WAITS) * 4
