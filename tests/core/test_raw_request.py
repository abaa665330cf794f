"""``client.request``: any endpoint through the pipeline, on the local server (spec-checked) and
on a scripted one for the reply shapes it does not send (204, bare arrays, text)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mistral_async import (
    APIResponseValidationError,
    ArgumentError,
    AsyncMistral,
    Mistral,
    NotFoundError,
)
from mistral_async._core import upload as upload_module
from mistral_async.testing import LocalServer
from mistral_async.types.models import ModelList
from tests._support.asgi_server import serve_asgi
from tests._support.scripted_app import ScriptedApp

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"


# -- on the local server ------------------------------------------------------------------------


async def test_a_get_reads_parsed_json_or_a_model(client: AsyncMistral) -> None:
    listed = await client.request("GET", "/v1/models")
    assert isinstance(listed, dict)
    assert listed["object"] == "list"
    typed = await client.request("GET", "/v1/models", cast_to=ModelList)
    assert isinstance(typed, ModelList)
    assert typed.response_info is not None
    assert typed.response_info.request_id


async def test_a_post_with_a_json_body_and_options(
    client: AsyncMistral, server: LocalServer
) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    reply = await client.request(
        "POST", "/v1/chat/completions", json=body, extra_headers={"X-Trace": "t1"}
    )
    assert reply["object"] == "chat.completion"
    sent = server.exchanges.snapshot()[-1]
    assert sent.request_headers["x-trace"] == "t1"
    assert client.usage_tracker is not None
    assert client.usage_tracker.records == []  # parsed JSON is not a reply model: not tracked


async def test_errors_are_typed_and_retries_apply(
    client: AsyncMistral, server: LocalServer
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.request("GET", "/v1/models/no-such-model")
    assert caught.value.status_code == 404
    server.faults.add("status", status=503, path="/v1/models")
    assert (await client.request("GET", "/v1/models", cast_to=ModelList)).response_info.retries == 1


async def test_a_multipart_upload_opens_the_path_only_while_sent(
    client: AsyncMistral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []

    def tracking_open(*args: Any, **kwargs: Any) -> Any:
        handle = open(*args, **kwargs)  # noqa: SIM115 - the code under test closes it
        opened.append(handle)
        return handle

    monkeypatch.setattr(upload_module, "open", tracking_open, raising=False)
    path = tmp_path / "input.jsonl"
    path.write_bytes(b'{"custom_id": "1", "body": {"messages": []}}\n')
    uploaded = await client.request(
        "POST", "/v1/files", files={"file": path}, data={"purpose": "batch"}
    )
    assert uploaded["filename"] == "input.jsonl"
    assert uploaded["purpose"] == "batch"
    assert [h.closed for h in opened] == [True]
    content = await client.request("GET", f"/v1/files/{uploaded['id']}/content", cast_to=bytes)
    assert content == path.read_bytes()


async def test_a_raw_stream_of_chat_chunks(client: AsyncMistral) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with client.request_stream("POST", "/v1/chat/completions", json=body) as stream:
        events = [event async for event in stream]
    assert events
    assert all(e.data["object"] == "chat.completion.chunk" for e in events)


def test_the_blocking_client(sync_client: Mistral) -> None:
    assert sync_client.request("GET", "/v1/models", cast_to=ModelList).data
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with sync_client.request_stream("POST", "/v1/chat/completions", json=body) as stream:
        assert next(e.data["object"] for e in stream) == "chat.completion.chunk"


# -- reply shapes ---------------------------------------------------------------------------------


class Item(BaseModel):
    id: str


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[ScriptedApp, str]]:
    app = ScriptedApp()
    app.script("/v1/empty", status=204)
    app.script("/v1/array", json_body=[{"id": "a"}, {"id": "b"}])
    app.script("/v1/string", json_body="https://files.example/signed")
    app.script("/v1/text", body=b"plain", media_type="text/plain")
    with serve_asgi(app.app) as url:
        yield app, url


@pytest.fixture
async def scripted_client(scripted: tuple[ScriptedApp, str]) -> Any:
    async with AsyncMistral(api_key="sk-test", base_url=scripted[1], max_retries=0) as client:
        yield client


async def test_a_204_reads_as_none(scripted_client: AsyncMistral) -> None:
    assert await scripted_client.request("DELETE", "/v1/empty", cast_to=None) is None
    assert await scripted_client.request("DELETE", "/v1/empty") is None
    with pytest.raises(APIResponseValidationError, match="no body"):
        await scripted_client.request("DELETE", "/v1/empty", cast_to=dict)


async def test_a_bare_array_and_a_bare_string(scripted_client: AsyncMistral) -> None:
    assert await scripted_client.request("GET", "/v1/array") == [{"id": "a"}, {"id": "b"}]
    items = await scripted_client.request("GET", "/v1/array", cast_to=list[Item])
    assert items == [Item(id="a"), Item(id="b")]
    with pytest.raises(APIResponseValidationError, match="JSON object"):
        await scripted_client.request("GET", "/v1/array", cast_to=dict)
    with pytest.raises(APIResponseValidationError, match="Item"):
        await scripted_client.request("GET", "/v1/array", cast_to=Item)
    signed = await scripted_client.request("GET", "/v1/string", cast_to=str)
    assert signed == "https://files.example/signed"
    assert await scripted_client.request("GET", "/v1/text", cast_to=str) == "plain"
    assert await scripted_client.request("GET", "/v1/text", cast_to=bytes) == b"plain"


# -- argument errors, before anything is sent ---------------------------------------------------

BAD_CALLS: list[tuple[dict[str, Any], str]] = [
    ({"method": "FETCH", "path": "/v1/models"}, "method"),
    ({"method": "GET", "path": "v1/models"}, "path"),
    ({"method": "GET", "path": "https://elsewhere.example/v1/models"}, "path"),
    ({"method": "GET", "path": "//elsewhere.example/v1/models"}, "path"),
    ({"method": "GET", "path": "/v1/../admin"}, "path"),
    ({"method": "GET", "path": "/v1/models#x"}, "path"),
    ({"method": "GET", "path": "/v1/mo dels"}, "path"),
    ({"method": "GET", "path": "/v1/\ud800"}, "path"),
    ({"method": "GET", "path": "/v1/models", "params": ["a"]}, "params"),
    ({"method": "GET", "path": "/v1/models", "params": {"a": math.nan}}, "params['a']"),
    ({"method": "GET", "path": "/v1/models", "params": {"a": object()}}, "params['a']"),
    ({"method": "POST", "path": "/v1/x", "json": {"a": math.inf}}, "json['a']"),
    ({"method": "POST", "path": "/v1/x", "json": {"a": 1}, "data": {"b": "c"}}, "json"),
    ({"method": "POST", "path": "/v1/x", "files": {"file": "/no/such/file"}}, "files['file']"),
    ({"method": "POST", "path": "/v1/x", "files": {"file": 3}}, "files['file']"),
    ({"method": "POST", "path": "/v1/x", "files": "file"}, "files"),
    ({"method": "POST", "path": "/v1/x", "data": {"a": {"nested": 1}}}, "data['a']"),
    ({"method": "GET", "path": "/v1/models", "timeout": -1}, "timeout"),
    ({"method": "GET", "path": "/v1/models", "model": MODEL}, "model"),
    ({"method": "GET", "path": "/v1/models", "cast_to": 42}, "cast_to"),
]


@pytest.mark.parametrize(("call", "argument"), BAD_CALLS)
async def test_bad_arguments_fail_before_sending(
    scripted_client: AsyncMistral,
    scripted: tuple[ScriptedApp, str],
    call: dict[str, Any],
    argument: str,
) -> None:
    app = scripted[0]
    before = len(app.requests)
    call = dict(call)
    method, path = call.pop("method"), call.pop("path")
    with pytest.raises(ArgumentError) as caught:
        await scripted_client.request(method, path, **call)
    assert caught.value.argument == argument
    if "cast_to" not in call:
        with pytest.raises(ArgumentError):
            scripted_client.request_stream(method, path, **call)
    assert len(app.requests) == before
