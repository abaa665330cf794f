"""Inputs found by fuzzing the server against the spec: each is answered, quickly, as the API
would, and the server keeps serving."""

from __future__ import annotations

import time

import httpx

from mistral_async.testing import LocalServer

AUTH = {"Authorization": "Bearer sk-test"}
USER = [{"role": "user", "content": "hi"}]


def _post(server: LocalServer, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers=AUTH, timeout=10)


def test_integral_float_output_dimension_is_an_integer(server: LocalServer) -> None:
    body = {"model": "codestral-embed", "input": "x", "output_dimension": 1.0}
    reply = _post(server, "/v1/embeddings", body)
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["data"][0]["embedding"]) == 1
    fractional = _post(server, "/v1/embeddings", {**body, "output_dimension": 1.5})
    assert fractional.status_code == 422


def test_huge_n_and_max_tokens_are_refused_at_once(server: LocalServer) -> None:
    started = time.monotonic()
    body = {"model": "mistral-small-latest", "messages": USER}
    huge = _post(server, "/v1/chat/completions", {**body, "n": 17387143, "max_tokens": 5865116})
    assert huge.status_code == 400
    assert huge.json()["object"] == "error"
    long = _post(server, "/v1/chat/completions", {**body, "max_tokens": 5865116})
    assert (long.status_code, long.json()["param"]) == (400, "max_tokens")
    fim = {"model": "codestral-latest", "prompt": "x", "min_tokens": 10**9}
    assert _post(server, "/v1/fim/completions", fim).status_code == 400
    assert time.monotonic() - started < 5
    ok = _post(server, "/v1/chat/completions", {**body, "n": 2.0, "max_tokens": 3})
    assert ok.status_code == 200
    assert len(ok.json()["choices"]) == 2
