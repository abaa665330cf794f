"""The one request builder: an ``APIRequest`` and the call's options to an ``httpx.Request``.

Pure: the requests are built, never sent.
"""

from __future__ import annotations

import json

import httpx
import pytest
from typing_extensions import Unpack

from mistral_async import ArgumentError
from mistral_async._core.options import RequestOptions
from mistral_async._core.request import APIRequest, RequestBuilder

BASE = "http://127.0.0.1:8000"
TIMEOUT = httpx.Timeout(600.0, connect=5.0)
HEADERS = {"Accept": "application/json", "User-Agent": "ua", "Authorization": "Bearer k"}


@pytest.fixture
def http() -> httpx.AsyncClient:
    # Never sends: only its build_request is used, so it is not opened as a context.
    return httpx.AsyncClient()


def builder(http: httpx.AsyncClient) -> RequestBuilder:
    return RequestBuilder(http, base_url=BASE, headers=HEADERS, timeout=TIMEOUT)


def build(
    http: httpx.AsyncClient,
    request: APIRequest,
    stream: bool = False,
    **options: Unpack[RequestOptions],
) -> httpx.Request:
    return builder(http).build(request, options, stream=stream)


def test_a_json_request_gets_the_client_headers_and_a_compact_body(
    http: httpx.AsyncClient,
) -> None:
    built = build(http, APIRequest("POST", "/v1/chat/completions", json={"model": "m", "q": "é"}))
    assert built.method == "POST"
    assert str(built.url) == f"{BASE}/v1/chat/completions"
    assert built.headers["authorization"] == "Bearer k"
    assert built.headers["accept"] == "application/json"
    assert built.headers["content-type"] == "application/json"
    # compact and UTF-8, not ASCII-escaped
    assert built.content == '{"model":"m","q":"é"}'.encode()
    assert built.extensions["timeout"] == TIMEOUT.as_dict()


def test_header_layers_last_wins(http: httpx.AsyncClient) -> None:
    request = APIRequest("POST", "/v1/x", json={}, headers={"Content-Type": "text/plain"})
    built = build(http, request, stream=True, extra_headers={"User-Agent": "mine", "X-A": "1"})
    assert built.headers["accept"] == "text/event-stream"
    assert built.headers["user-agent"] == "mine"
    assert built.headers["x-a"] == "1"
    assert built.headers["content-type"] == "text/plain"  # the request's own header is last
    # a request without a body says nothing of its content type
    assert "content-type" not in build(http, APIRequest("GET", "/v1/models")).headers


def test_extra_body_is_merged_into_a_json_object_only(http: httpx.AsyncClient) -> None:
    body = {"model": "m", "n": 1}
    built = build(http, APIRequest("POST", "/v1/x", json=body), extra_body={"n": 2, "new": True})
    assert json.loads(built.content) == {"model": "m", "n": 2, "new": True}
    assert body == {"model": "m", "n": 1}  # the caller's body is not changed
    with pytest.raises(ArgumentError, match="extra_body"):
        build(http, APIRequest("GET", "/v1/models"), extra_body={"x": 1})


def test_query_merges_extra_query_and_drops_none(http: httpx.AsyncClient) -> None:
    request = APIRequest("GET", "/v1/files", params={"page": 0, "purpose": None, "sample": True})
    built = build(http, request, extra_query={"trace": 1, "page": 2})
    assert dict(built.url.params) == {"page": "2", "sample": "true", "trace": "1"}
    assert build(http, APIRequest("GET", "/v1/files", params={"a": None})).url.query == b""


def test_the_call_timeout_wins_and_none_disables_it(http: httpx.AsyncClient) -> None:
    request = APIRequest("GET", "/v1/models")
    assert build(http, request, timeout=3.0).extensions["timeout"] == httpx.Timeout(3.0).as_dict()
    assert build(http, request, timeout=None).extensions["timeout"] == httpx.Timeout(None).as_dict()


def test_a_callers_http_client_defaults_are_kept() -> None:
    http = httpx.AsyncClient(headers={"X-Team": "search"}, params={"tenant": "t1"})
    built = build(http, APIRequest("GET", "/v1/models", params={"page": 1}))
    assert built.headers["x-team"] == "search"
    assert dict(built.url.params) == {"tenant": "t1", "page": "1"}
    assert built.headers["authorization"] == "Bearer k"


def test_urls_are_parsed_once_and_the_cache_stays_bounded(http: httpx.AsyncClient) -> None:
    urls = builder(http)
    first = urls.url("/v1/models")
    assert urls.url("/v1/models") is first
    for index in range(300):
        urls.url(f"/v1/files/{index}")
    assert len(urls._urls) <= 256
    assert urls.url("/v1/models") == first
