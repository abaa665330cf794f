"""The local server over real sockets, seen as a client sees it (plain httpx, no SDK).

Every exchange these tests make through the ``server`` fixture is checked against the OpenAPI
spec at teardown, unless a fault broke it on purpose.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
import trio

from mistral_async.testing import Exchange, LocalServer, create_app
from mistral_async.testing._models.instances import generate_instance

MODEL = "mistral-small-latest"
CHAT = "/v1/chat/completions"
AUTH = {"Authorization": "Bearer test-key"}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "details": {
                    "type": "object",
                    "properties": {"hourly": {"type": "boolean"}},
                    "required": ["hourly"],
                    "additionalProperties": False,
                },
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            },
            "required": ["city", "unit", "days", "details", "tags"],
            "additionalProperties": False,
        },
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Tell the local time in a timezone",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
        },
    },
}


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    """A plain httpx client for the test's server (not the SDK's ``client`` fixture)."""
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as plain:
        yield plain


def chat(text: str = "Who is the best French painter?", **options: Any) -> dict[str, Any]:
    """A chat request body."""
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **options}


def events(body: str) -> list[str]:
    """The ``data`` payloads of an event-stream body, in order."""
    return [line[len("data: ") :] for line in body.splitlines() if line.startswith("data: ")]


def stream_chunks(body: str) -> list[dict[str, Any]]:
    payloads = events(body)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def last_exchange(server: LocalServer) -> Exchange:
    server.exchanges.wait_idle()
    return server.exchanges[-1]


# -- the server itself --------------------------------------------------------------------------


def test_listens_on_loopback_with_an_os_chosen_port(server: LocalServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert server.port > 0
    assert server.running


def test_start_stop_and_api_key() -> None:
    local = LocalServer(api_key="secret")
    local.start()
    try:
        url = f"{local.url}/v1/models"
        assert httpx.get(url, headers={"Authorization": "Bearer secret"}).status_code == 200
        wrong = httpx.get(url, headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
        assert wrong.json() == {"detail": "Unauthorized"}
    finally:
        local.stop()
    assert not local.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
    local.stop()  # stopping twice is harmless
    with local:  # and it starts again, on a new port
        assert httpx.get(f"{local.url}/v1/models", headers={"Authorization": "Bearer secret"})


def test_serves_while_the_caller_runs_asyncio_or_trio(server: LocalServer) -> None:
    async def ask() -> str:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
            answers = [http.post(CHAT, json=chat(f"question {i}")) for i in range(3)]
            responses = await asyncio.gather(*answers)
        return str(responses[2].json()["choices"][0]["message"]["content"])

    async def ask_with_trio() -> int:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
            return (await http.get("/v1/models")).status_code

    assert "question 2" in asyncio.run(ask())
    assert trio.run(ask_with_trio) == 200


def test_in_process_app_without_request_validation() -> None:
    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(validate_requests=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as http:
            return await http.post(CHAT, headers=AUTH, json=chat(temperature=5, extra_field=1))

    response = asyncio.run(ask())
    assert response.status_code == 200
    assert response.json()["choices"][0]["finish_reason"] == "stop"


def test_run_server_serves_until_terminated() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "from mistral_async.testing import run_server; "
        f"run_server(port={port}, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/models", headers=AUTH)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "run_server did not start"
                assert process.poll() is None, "run_server exited"
                time.sleep(0.05)
        assert response.status_code == 200
    finally:
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(10) in (0, -signal.SIGTERM)


# -- auth, headers, errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcg=="}],
)
def test_requests_without_a_bearer_token_get_401(
    server: LocalServer, headers: dict[str, str]
) -> None:
    response = httpx.post(f"{server.url}{CHAT}", headers=headers, json=chat())
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}  # the live gateway's answer
    assert response.headers["x-request-id"]


def test_every_response_has_a_request_id_and_rate_limit_headers(http: httpx.Client) -> None:
    first, second = http.get("/v1/models"), http.post(CHAT, json=chat())
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    for name in ("req-minute", "tokens-minute"):
        limit = int(first.headers[f"x-ratelimit-limit-{name}"])
        before = int(first.headers[f"x-ratelimit-remaining-{name}"])
        after = int(second.headers[f"x-ratelimit-remaining-{name}"])
        assert limit > before > after >= 0


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"temperature": 3}, ["body", "temperature"], "less_than_equal"),
        ({"max_tokens": -1}, ["body", "max_tokens"], "greater_than_equal"),
        ({"model": 3}, ["body", "model"], "string_type"),
        ({"stream": "yes"}, ["body", "stream"], "bool_type"),
        ({"messages": "hello"}, ["body", "messages"], "list_type"),
        ({"unknown_option": True}, ["body", "unknown_option"], "extra_forbidden"),
        ({"tool_choice": "maybe"}, ["body", "tool_choice"], "enum"),
        (
            {"messages": [{"role": "bot", "content": "x"}]},
            ["body", "messages", 0, "role"],
            "union_tag_invalid",
        ),
        ({"messages": [{"role": "user"}]}, ["body", "messages", 0, "content"], "missing"),
    ],
)
def test_invalid_requests_get_422_naming_the_field(
    http: httpx.Client, change: dict[str, Any], loc: list[Any], kind: str
) -> None:
    response = http.post(CHAT, json={**chat(), **change})
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert (detail["loc"], detail["type"]) == (loc, kind)
    assert detail["msg"]
    assert "input" in detail


def test_missing_model_and_bad_json_get_422(http: httpx.Client) -> None:
    missing = http.post(CHAT, json={"messages": [{"role": "user", "content": "x"}]})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "model"]
    assert missing.json()["detail"][0]["type"] == "missing"
    broken = http.post(CHAT, content=b'{"model": ', headers={"content-type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"


def _invalid_model(name: str) -> dict[str, Any]:
    # As the live API answers (shared/reference/live-api-observations.md).
    message = f"Invalid model: {name}"
    return {"object": "error", "message": message, "type": "invalid_model", "param": None,
            "code": "1500"}  # fmt: skip


def test_unknown_model_gets_the_live_400(http: httpx.Client) -> None:
    response = http.post(CHAT, json={**chat(), "model": "gpt-nothing"})
    assert response.status_code == 400
    assert response.json() == _invalid_model("gpt-nothing")


def test_model_without_chat_gets_the_live_400(http: httpx.Client) -> None:
    response = http.post(CHAT, json={**chat(), "model": "mistral-embed"})
    assert response.status_code == 400
    assert response.json() == _invalid_model("mistral-embed")


def test_unknown_path_gets_a_mistral_404(local_server: LocalServer) -> None:
    # Not through the `server` fixture: the spec has no such path, so this cannot conform.
    response = httpx.get(f"{local_server.url}/v1/nowhere", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    wrong_method = httpx.delete(f"{local_server.url}{CHAT}", headers=AUTH)
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"detail": "Method Not Allowed"}
    assert wrong_method.headers["allow"] == "POST"
    local_server.exchanges.wait_idle()
    local_server.reset()


# -- models ---------------------------------------------------------------------------------------


def test_models_list_and_retrieve(http: httpx.Client) -> None:
    listed = http.get("/v1/models").json()
    assert listed["object"] == "list"
    ids = {card["id"] for card in listed["data"]}
    assert {MODEL, "codestral-latest", "mistral-embed"} <= ids
    card = http.get(f"/v1/models/{MODEL}").json()
    assert card["capabilities"]["completion_chat"] is True
    assert http.get("/v1/models/mistral-small-2506").json()["id"] == MODEL  # an alias
    missing = http.get("/v1/models/ft:nothing:1")
    assert missing.status_code == 404
    assert "ft:nothing:1" in missing.json()["message"]


# -- the simulated model ----------------------------------------------------------------------


def test_chat_answer_echoes_the_prompt_and_is_deterministic(http: httpx.Client) -> None:
    first = http.post(CHAT, json=chat("Tell me about Monet")).json()
    again = http.post(CHAT, json=chat("Tell me about Monet")).json()
    other = http.post(CHAT, json=chat("Tell me about Renoir")).json()
    content = first["choices"][0]["message"]["content"]
    assert "Tell me about Monet" in content
    assert content == again["choices"][0]["message"]["content"]
    assert content != other["choices"][0]["message"]["content"]
    assert first["id"] != again["id"]
    assert first["model"] == MODEL
    assert first["object"] == "chat.completion"
    usage = first["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] > 0


def test_random_seed_varies_the_answer_unless_temperature_is_zero(http: httpx.Client) -> None:
    def answers(**options: Any) -> set[str]:
        return {
            http.post(CHAT, json=chat("Same prompt", random_seed=seed, **options)).json()[
                "choices"
            ][0]["message"]["content"]
            for seed in range(6)
        }

    assert len(answers()) > 1
    assert len(answers(temperature=0)) == 1


def test_n_gives_distinct_choices(http: httpx.Client) -> None:
    choices = http.post(CHAT, json=chat(n=3)).json()["choices"]
    assert [c["index"] for c in choices] == [0, 1, 2]
    greedy = http.post(CHAT, json=chat(n=2, temperature=0)).json()["choices"]
    assert greedy[0]["message"]["content"] == greedy[1]["message"]["content"]


def test_max_tokens_truncates_with_finish_reason_length(http: httpx.Client) -> None:
    body = http.post(CHAT, json=chat(max_tokens=3)).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3
    assert body["choices"][0]["message"]["content"] == 'You said "'


def test_stop_sequence_cuts_the_answer(http: httpx.Client) -> None:
    body = http.post(CHAT, json=chat("Paint a sunset", stop=["sunset", "never"])).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == 'You said "Paint a '


def test_assistant_prefix_starts_the_answer(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "Name a colour"},
        {"role": "assistant", "content": "Certainly:", "prefix": True},
    ]
    body = http.post(CHAT, json={"model": MODEL, "messages": messages}).json()
    assert body["choices"][0]["message"]["content"].startswith(
        'Certainly: You said "Name a colour"'
    )


def test_tool_call_arguments_satisfy_the_tool_schema(http: httpx.Client) -> None:
    body = http.post(
        CHAT, json=chat("What's the weather in Paris?", tools=[TIME_TOOL, WEATHER_TOOL])
    ).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert re.fullmatch(r"[A-Za-z0-9]{9}", call["id"])
    assert call["function"]["name"] == "get_weather"  # shares "weather" with the prompt
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, WEATHER_TOOL["function"]["parameters"])
    assert arguments["city"] == "Paris"
    assert arguments["unit"] == "celsius"


def test_tool_choice_controls_the_call(http: httpx.Client) -> None:
    tools = [WEATHER_TOOL, TIME_TOOL]
    forced = {"type": "function", "function": {"name": "get_time"}}
    named = http.post(CHAT, json=chat("Weather please", tools=tools, tool_choice=forced)).json()
    assert named["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_time"
    none = http.post(CHAT, json=chat("Weather please", tools=tools, tool_choice="none")).json()
    assert none["choices"][0]["message"]["tool_calls"] is None
    assert none["choices"][0]["finish_reason"] == "stop"
    unknown = {"type": "function", "function": {"name": "launch"}}
    refused = http.post(CHAT, json=chat("x", tools=tools, tool_choice=unknown))
    assert refused.status_code == 400
    assert refused.json()["param"] == "tool_choice"


def test_parallel_tool_calls_when_the_prompt_names_several_tools(http: httpx.Client) -> None:
    prompt = "Call get_weather for Rome and get_time for Rome"
    tools = [WEATHER_TOOL, TIME_TOOL]
    calls = http.post(CHAT, json=chat(prompt, tools=tools)).json()["choices"][0]["message"][
        "tool_calls"
    ]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert len({c["id"] for c in calls}) == 2
    single = http.post(CHAT, json=chat(prompt, tools=tools, parallel_tool_calls=False)).json()
    assert len(single["choices"][0]["message"]["tool_calls"]) == 1


def test_answer_after_tool_results_uses_them(http: httpx.Client) -> None:
    first = http.post(CHAT, json=chat("Weather in Lyon?", tools=[WEATHER_TOOL])).json()
    assistant = first["choices"][0]["message"]
    call = assistant["tool_calls"][0]
    messages = [
        {"role": "user", "content": "Weather in Lyon?"},
        assistant,
        {
            "role": "tool",
            "name": "get_weather",
            "tool_call_id": call["id"],
            "content": "21 degrees, sunny",
        },
    ]
    body = http.post(
        CHAT, json={"model": MODEL, "messages": messages, "tools": [WEATHER_TOOL]}
    ).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert "21 degrees, sunny" in choice["message"]["content"]


def test_json_object_mode_returns_a_json_object(http: httpx.Client) -> None:
    body = http.post(
        CHAT, json=chat("List colours", response_format={"type": "json_object"})
    ).json()
    content = json.loads(body["choices"][0]["message"]["content"])
    assert isinstance(content, dict)
    assert "List colours" in content["answer"]


def test_json_schema_mode_returns_a_valid_instance(http: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3},
            "year": {"type": "integer", "minimum": 1800, "maximum": 2100},
            "genre": {"enum": ["novel", "poem"]},
            "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}, "minItems": 1},
            "rating": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}]},
        },
        "required": ["title", "year", "genre", "authors"],
        "additionalProperties": False,
        "$defs": {
            "author": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "alive": {"type": "boolean"}},
                "required": ["name", "alive"],
                "additionalProperties": False,
            }
        },
    }
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "book", "schema": schema, "strict": True},
    }
    body = http.post(
        CHAT, json=chat("A book by Victor Hugo", response_format=response_format)
    ).json()
    content = json.loads(body["choices"][0]["message"]["content"])
    jsonschema.validate(content, schema)
    assert content["title"] in ("Victor", "Hugo", "book")


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 5, "minimum": 7}}},
        {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True},
        {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
        {"oneOf": [{"type": "number"}, {"type": "integer"}]},
        {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 2}]},
        {"type": ["null", "boolean"]},
        {"const": {"fixed": [1, 2]}},
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "number", "exclusiveMaximum": 0}}, "required": ["b"]},
            ]
        },
        {
            "$ref": "#/$defs/tree",
            "$defs": {
                "tree": {
                    "type": "object",
                    "properties": {
                        "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}
                    },
                    "required": ["children"],
                }
            },
        },
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "format": "uuid"},
                "code": {"type": "string", "minLength": 12, "maxLength": 12},
            },
            "required": ["when", "id", "code"],
            "additionalProperties": False,
        },
    ],
)
def test_generated_instances_satisfy_their_schema(schema: dict[str, Any]) -> None:
    instance = generate_instance(schema, ["Lisbon", "Porto"])
    jsonschema.validate(instance, schema, format_checker=jsonschema.FormatChecker())


# -- streaming ----------------------------------------------------------------------------------


def test_stream_has_the_same_answer_in_word_chunks(http: httpx.Client) -> None:
    whole = http.post(CHAT, json=chat()).json()
    response = http.post(CHAT, json=chat(stream=True))
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = stream_chunks(response.text)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert len(chunks) > 5
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == whole["choices"][0]["message"]["content"]
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"] == whole["usage"]


def test_streamed_tool_calls_arrive_as_fragments(http: httpx.Client) -> None:
    body = chat("Weather in Nice", tools=[WEATHER_TOOL])
    whole = http.post(CHAT, json=body).json()["choices"][0]["message"]["tool_calls"][0]
    chunks = stream_chunks(http.post(CHAT, json={**body, "stream": True}).text)
    fragments = [tc for c in chunks for tc in c["choices"][0]["delta"].get("tool_calls") or []]
    assert len(fragments) >= 3  # the head, then at least two pieces of arguments
    assert {f["index"] for f in fragments} == {0}
    assert fragments[0]["id"] == whole["id"]
    assert fragments[0]["function"] == {"name": "get_weather", "arguments": ""}
    assert all("id" not in f for f in fragments[1:])
    assert "".join(f["function"]["arguments"] for f in fragments) == whole["function"]["arguments"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_with_n_choices_and_max_tokens(http: httpx.Client) -> None:
    chunks = stream_chunks(http.post(CHAT, json=chat(n=2, max_tokens=4, stream=True)).text)
    finals = [c["choices"][0] for c in chunks if c["choices"][0]["finish_reason"]]
    assert [(f["index"], f["finish_reason"]) for f in finals] == [(0, "length"), (1, "length")]
    assert chunks[-1]["usage"]["completion_tokens"] == 8


# -- faults ---------------------------------------------------------------------------------------


def test_status_fault_can_answer_with_the_gateway_shape(
    server: LocalServer, http: httpx.Client
) -> None:
    server.faults.add("status", status=429, gateway=True)
    response = http.post(CHAT, json=chat())
    assert response.status_code == 429
    assert response.json() == {"message": "Requests rate limit exceeded"}


def test_status_fault_with_retry_after_then_normal_again(
    server: LocalServer, http: httpx.Client
) -> None:
    date = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.faults.add("status", status=429, headers={"Retry-After": "1"})
    server.faults.add("status", status=429, headers={"Retry-After": date})
    server.faults.add("status", status=503, headers={"retry-after-ms": "250"})
    first, second, third = (http.post(CHAT, json=chat()) for _ in range(3))
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert first.json() == {
        "object": "error",
        "message": "Rate limit exceeded",
        "type": "rate_limited",
        "param": None,
        "code": "1300",
    }
    assert (second.status_code, second.headers["retry-after"]) == (429, date)
    assert (third.status_code, third.headers["retry-after-ms"]) == (503, "250")
    assert third.json()["object"] == "error"
    assert third.headers["x-request-id"]
    assert http.post(CHAT, json=chat()).status_code == 200
    assert [e.fault for e in server.exchanges] == ["status", "status", "status", None]


@pytest.mark.parametrize("status", [400, 401, 403, 409, 500, 502, 504])
def test_status_fault_any_status(server: LocalServer, http: httpx.Client, status: int) -> None:
    server.faults.add("status", status=status)
    response = http.get("/v1/models")
    assert response.status_code == status
    assert response.json()["object"] == "error"


def test_status_fault_with_a_custom_body(server: LocalServer, http: httpx.Client) -> None:
    page = "<html><body>502 Bad Gateway</body></html>"
    server.faults.add("status", status=502, headers={"Content-Type": "text/html"}, body=page)
    response = http.get("/v1/models")
    assert (response.status_code, response.text) == (502, page)
    assert response.headers.get_list("content-type") == ["text/html"]


def test_faults_match_path_and_method_in_fifo_order(
    server: LocalServer, http: httpx.Client
) -> None:
    server.faults.add("status", status=502, path="/v1/models/*", times=2)
    server.faults.add("status", status=500, method="POST")
    server.faults.add("status", status=503, method="POST")
    assert http.get("/v1/models").status_code == 200  # the path does not match
    assert http.get(f"/v1/models/{MODEL}").status_code == 502
    assert http.post(CHAT, json=chat()).status_code == 500
    assert http.post(CHAT, json=chat()).status_code == 503
    assert http.get(f"/v1/models/{MODEL}").status_code == 502
    assert len(server.faults) == 0
    server.faults.add("status", status=500, times=None)
    assert http.get("/v1/models").status_code == 500
    assert http.get("/v1/models").status_code == 500
    server.faults.clear()
    assert http.get("/v1/models").status_code == 200


def test_fault_arguments_are_checked(server: LocalServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        server.faults.add("explode")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes no seconds"):
        server.faults.add("status", seconds=1)
    with pytest.raises(ValueError, match="times"):
        server.faults.add("status", times=0)
    assert server.faults.pending() == []


def test_unauthenticated_requests_do_not_take_faults(
    server: LocalServer, http: httpx.Client
) -> None:
    server.faults.add("status", status=500)
    assert httpx.get(f"{server.url}/v1/models").status_code == 401
    assert http.get("/v1/models").status_code == 500


def test_disconnect_drops_the_connection_mid_body(server: LocalServer, http: httpx.Client) -> None:
    server.faults.add("disconnect")
    with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
        http.post(CHAT, json=chat())
    exchange = last_exchange(server)
    assert (exchange.fault, exchange.status, exchange.complete) == ("disconnect", 200, False)
    assert 0 < len(exchange.response_body) < int(exchange.response_headers["content-length"])
    assert http.post(CHAT, json=chat()).status_code == 200  # the client reconnects


def test_cut_stream_sends_some_events_then_drops(server: LocalServer, http: httpx.Client) -> None:
    server.faults.add("cut_stream", after_events=3)
    received: list[str] = []

    def read_stream() -> None:
        with http.stream("POST", CHAT, json=chat(stream=True)) as response:
            assert response.status_code == 200
            received.extend(line for line in response.iter_lines() if line.startswith("data: "))

    with pytest.raises(httpx.RemoteProtocolError):
        read_stream()
    assert len(received) == 3
    assert "[DONE]" not in received[-1]
    exchange = last_exchange(server)
    assert (exchange.fault, exchange.complete) == ("cut_stream", False)
    assert exchange.response_body.count(b"data: ") == 3


def test_stream_error_sends_an_error_event_and_ends(
    server: LocalServer, http: httpx.Client
) -> None:
    server.faults.add(
        "stream_error",
        after_events=2,
        message="model overloaded",
        error_type="api_error",
        code="3000",
    )
    payloads = events(http.post(CHAT, json=chat(stream=True)).text)
    assert len(payloads) == 3
    assert json.loads(payloads[-1]) == {
        "object": "error",
        "message": "model overloaded",
        "type": "api_error",
        "param": None,
        "code": "3000",
    }
    assert last_exchange(server).complete


def test_stall_delays_the_response_without_blocking_others(
    server: LocalServer, http: httpx.Client
) -> None:
    server.faults.add("stall", seconds=0.5, path=CHAT)
    started = time.monotonic()
    result: dict[str, float] = {}

    def slow() -> None:
        with httpx.Client(base_url=server.url, headers=AUTH) as other:
            assert other.post(CHAT, json=chat()).status_code == 200
        result["slow"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    assert http.get("/v1/models").status_code == 200
    result["fast"] = time.monotonic() - started
    thread.join()
    assert result["fast"] < 0.4
    assert 0.5 <= result["slow"] < 2


def test_stall_trips_the_client_read_timeout(server: LocalServer) -> None:
    server.faults.add("stall", seconds=5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.url}/v1/models", headers=AUTH, timeout=0.2)
    # The server notices the client left and ends the stall; nothing is answered.
    assert server.exchanges.wait_idle(2)
    assert time.monotonic() - started < 2
    exchange = server.exchanges[-1]
    assert (exchange.fault, exchange.status) == ("stall", None)


def test_stall_between_stream_events(server: LocalServer, http: httpx.Client) -> None:
    server.faults.add("stall", seconds=0.3, after_events=2)
    arrivals: list[float] = []
    with http.stream("POST", CHAT, json=chat(stream=True)) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert gaps[1] >= 0.25  # the pause (0.3 s, less what the client took for the events before)
    assert max(gaps[:1] + gaps[2:]) < 0.2
    server.faults.add("stall", seconds=2, after_events=1)
    impatient = httpx.Client(base_url=server.url, headers=AUTH, timeout=0.2)
    with impatient, pytest.raises(httpx.ReadTimeout):
        impatient.post(CHAT, json=chat(stream=True))


def test_malformed_body_is_not_json(server: LocalServer, http: httpx.Client) -> None:
    server.faults.add("malformed")
    response = http.post(CHAT, json=chat())
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    server.faults.add("malformed", body={"unexpected": "shape"})
    assert http.post(CHAT, json=chat()).json() == {"unexpected": "shape"}


# -- recording ------------------------------------------------------------------------------------


def test_exchanges_record_what_went_over_the_wire(server: LocalServer, http: httpx.Client) -> None:
    request = chat("Record me")
    response = http.post(f"{CHAT}?trace=1", json=request, headers={"x-custom": "yes"})
    streamed = http.post(CHAT, json={**request, "stream": True})
    server.exchanges.wait_idle()
    first, second = server.exchanges
    assert (first.method, first.path, first.query) == ("POST", CHAT, "trace=1")
    assert "authorization" not in first.request_headers
    assert first.request_headers["x-custom"] == "yes"
    assert first.request_json() == request
    assert first.status == 200
    assert first.response_body == response.content
    assert first.json() == response.json()
    assert first.request_id == response.headers["x-request-id"]
    assert first.response_headers["x-request-id"] == first.request_id
    assert (first.fault, first.complete, first.disconnected) == (None, True, False)
    assert second.response_body == streamed.content
    assert second.response_body.endswith(b"data: [DONE]\n\n")
    assert second.content_type.startswith("text/event-stream")
    server.exchanges.clear()
    assert len(server.exchanges) == 0


def test_client_leaving_a_stream_early_is_recorded(server: LocalServer, http: httpx.Client) -> None:
    # The stall keeps the stream open long enough for the client to leave in the middle.
    server.faults.add("stall", seconds=5, after_events=1)
    started = time.monotonic()
    with http.stream("POST", CHAT, json=chat(stream=True)) as response:
        assert next(response.iter_lines()).startswith("data: ")
    assert server.exchanges.wait_idle(2)
    assert time.monotonic() - started < 2  # the server stopped waiting when the client left
    exchange = server.exchanges[-1]
    assert (exchange.complete, exchange.disconnected) == (False, True)
    assert exchange.response_body.count(b"data: ") == 1


def test_reset_clears_exchanges_and_faults(local_server: LocalServer) -> None:
    local_server.faults.add("status", status=500)
    httpx.get(f"{local_server.url}/v1/models", headers=AUTH)
    local_server.faults.add("status", status=500)
    local_server.exchanges.wait_idle()
    assert len(local_server.exchanges) >= 1
    local_server.reset()
    assert len(local_server.exchanges) == 0
    assert len(local_server.faults) == 0
