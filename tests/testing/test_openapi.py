"""The conformance checker itself: it passes what conforms and catches each kind of breach."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mistral_async.testing import (
    Exchange,
    OpenAPISpec,
    SpecViolation,
    assert_conforms,
    exchange_violations,
)
from mistral_async.testing._spec.openapi import SPEC_PATH, _yaml_loader
from mistral_async.testing._spec.sse import parse_event_stream

CHAT = "/v1/chat/completions"
JSON = "application/json"
SSE = "text/event-stream"
REQUEST: dict[str, Any] = {
    "model": "mistral-small-latest",
    "messages": [{"role": "user", "content": "Hello"}],
}
USAGE = {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
RESPONSE: dict[str, Any] = {
    "id": "0123",
    "object": "chat.completion",
    "created": 1,
    "model": "mistral-small-latest",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
    ],
    "usage": USAGE,
}


def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {"id": "0123", "model": "m", "created": 1, "choices": [choice], **extra}


def sse(*events: dict[str, Any] | str) -> bytes:
    return b"".join(
        f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events
    )


GOOD_STREAM = sse(
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hi"}),
    chunk({"content": ""}, "stop", usage=USAGE),
    "[DONE]",
)


@pytest.fixture(scope="module")
def spec() -> OpenAPISpec:
    return OpenAPISpec.default()


MISSING = object()  # as a change: remove the key


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with keys replaced, or removed where the value is MISSING."""
    changed = {**json.loads(json.dumps(base)), **changes}
    return {key: value for key, value in changed.items() if value is not MISSING}


# -- loading ------------------------------------------------------------------------------------


def test_vendored_spec_is_byte_identical_to_the_shared_copy() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "spec" / "mistral-openapi.yaml"
    if not shared.exists():
        pytest.skip(f"no shared spec at {shared}")
    assert SPEC_PATH.read_bytes() == shared.read_bytes()


def test_exponent_without_dot_loads_as_float(spec: OpenAPISpec) -> None:
    assert yaml.load("a: 1e-08\nb: 1.5e3\nc: '1e-08'\nd: 447e3e0d", Loader=_yaml_loader()) == {
        "a": 1e-08,
        "b": 1500.0,
        "c": "1e-08",
        "d": "447e3e0d",
    }
    # PyYAML's own loader is left as it was.
    assert yaml.safe_load("a: 1e-08") == {"a": "1e-08"}
    schemas = spec.document["components"]["schemas"]
    assert (
        schemas["ClassifierTrainingParameters"]["properties"]["learning_rate"]["minimum"] == 1e-08
    )


def test_learning_rate_bound_compares_as_a_number(spec: OpenAPISpec) -> None:
    pointer = "/components/schemas/ClassifierTrainingParameters"
    assert spec.schema_violations({"learning_rate": 0.001}, pointer) == []
    assert [v.keyword for v in spec.schema_violations({"learning_rate": 0}, pointer)] == ["minimum"]


def test_exactly_the_three_undefined_required_names_are_dropped(spec: OpenAPISpec) -> None:
    assert sorted(spec.dropped_required) == [
        ("ChatCompletionResponse", "data"),
        ("SharingDelete", "level"),
        ("WorkflowListResponse", "beta.workflows"),
    ]


def test_default_spec_is_loaded_once() -> None:
    assert OpenAPISpec.default() is OpenAPISpec.default()


# -- operations ---------------------------------------------------------------------------------


def test_find_operation_matches_templates_and_stream_variants(spec: OpenAPISpec) -> None:
    assert (
        spec.find_operation("post", CHAT).operation_id == "chat_completion_v1_chat_completions_post"
    )
    model = spec.find_operation("GET", "/v1/models/ft:open-mistral-7b:587a6b29:20240514:7e773925")
    assert (model.path, model.operation_id) == (
        "/v1/models/{model_id}",
        "retrieve_model_v1_models__model_id__get",
    )
    assert spec.find_operation("GET", "/v1/models?x=1").path == "/v1/models"
    plain = spec.find_operation("POST", "/v1/conversations")
    streaming = spec.find_operation("POST", "/v1/conversations", stream=True)
    assert (plain.fragment, streaming.fragment) == (None, "stream")
    assert streaming.path == plain.path == "/v1/conversations"
    with pytest.raises(LookupError):
        spec.find_operation("GET", "/v1/nothing")
    with pytest.raises(LookupError):
        spec.find_operation("PUT", CHAT)


def test_stream_request_is_checked_against_the_stream_variant(spec: OpenAPISpec) -> None:
    body = {"inputs": "hi", "agent_id": "a", "stream": True}
    assert spec.validate_request("POST", "/v1/conversations", body, JSON) == []


# -- requests -----------------------------------------------------------------------------------


def test_valid_request_passes(spec: OpenAPISpec) -> None:
    assert spec.validate_request("POST", CHAT, REQUEST, JSON) == []
    assert spec.validate_request("POST", CHAT, json.dumps(REQUEST).encode(), JSON) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"model": MISSING}, "body/model: Field required"),
        ({"model": 7}, "body/model: 7 is not of type 'string'"),
        ({"temperature": 3}, "body/temperature: 3 is greater than the maximum of 1.5"),
        ({"top_p": -0.5}, "body/top_p: -0.5 is less than the minimum of 0"),
        ({"n": 0}, "body/n: 0 is less than the minimum of 1"),
        ({"messages": "hi"}, "body/messages: 'hi' is not of type 'array'"),
        ({"stream": "yes"}, "body/stream: 'yes' is not of type 'boolean'"),
        ({"colour": "red"}, "body/colour: Extra inputs are not permitted"),
        ({"tool_choice": "sometimes"}, "body/tool_choice: 'sometimes' is not one of"),
        ({"response_format": {"type": "xml"}}, "body/response_format/type: 'xml' is not one of"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "body/messages/0/role: 'robot'"),
        ({"messages": [{"content": "x"}]}, "body/messages/0/role: Field required"),
        ({"messages": [{"role": "user"}]}, "body/messages/0/content: Field required"),
        ({"messages": [{"role": "user", "content": "x", "x": 1}]}, "body/messages/0/x: Extra"),
    ],
)
def test_each_kind_of_bad_request_is_caught(
    spec: OpenAPISpec, change: dict[str, Any], expected: str
) -> None:
    body = with_changes(REQUEST, **change)
    violations = spec.validate_request("POST", CHAT, body, JSON)
    assert len(violations) == 1, violations
    assert violations[0].startswith(expected)


def test_request_violations_are_structured(spec: OpenAPISpec) -> None:
    [violation] = spec.request_violations("POST", CHAT, with_changes(REQUEST, temperature=2), JSON)
    assert violation.location == ("body", "temperature")
    assert (violation.keyword, violation.instance, violation.expected) == ("maximum", 2, 1.5)


def test_request_content_type_and_json_are_checked(spec: OpenAPISpec) -> None:
    assert spec.validate_request("POST", CHAT, REQUEST, "text/plain")[0].startswith(
        "body: content type 'text/plain'"
    )
    assert "JSON decode error" in spec.validate_request("POST", CHAT, b"{nope", JSON)[0]
    assert spec.validate_request("POST", CHAT, None, "") == ["body: Field required"]
    assert spec.validate_request("GET", "/v1/models", None, "") == []


def test_multipart_fields_are_typed_and_checked(spec: OpenAPISpec) -> None:
    ok = {"file": b"{}\n", "purpose": "batch", "expiry": "24"}
    assert spec.validate_request("POST", "/v1/files", ok, "multipart/form-data; boundary=x") == []
    bad_enum = {**ok, "purpose": "fun"}
    assert (
        "body/purpose: 'fun' is not one of"
        in spec.validate_request("POST", "/v1/files", bad_enum, "multipart/form-data")[0]
    )
    assert spec.validate_request(
        "POST", "/v1/files", {"purpose": "batch"}, "multipart/form-data"
    ) == ["body/file: Field required"]
    as_text = spec.validate_request(
        "POST", "/v1/files", {"file": "name.jsonl"}, "multipart/form-data"
    )
    assert as_text == ["body/file: a file is expected, text was sent"]
    bad_int = spec.validate_request(
        "POST", "/v1/files", {**ok, "expiry": "soon"}, "multipart/form-data"
    )
    assert bad_int[0].startswith("body/expiry: 'soon' is not of type 'integer'")


# -- responses ----------------------------------------------------------------------------------


def test_valid_json_response_passes(spec: OpenAPISpec) -> None:
    body = json.dumps(RESPONSE).encode()
    assert spec.validate_response("POST", CHAT, 200, JSON, body) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.pop("usage"), "response/usage: Field required"),
        (lambda r: r.update(created="now"), "response/created: 'now' is not of type 'integer'"),
        (
            lambda r: r["choices"][0].update(finish_reason="done"),
            "response/choices/0/finish_reason: 'done' is not one of",
        ),
        (
            lambda r: r["choices"][0]["message"].update(mood="happy"),
            "response/choices/0/message/mood: Extra inputs are not permitted",
        ),
        (
            lambda r: r["usage"].update(total_tokens=-1.5),
            "response/usage/total_tokens: -1.5 is not of type 'integer'",
        ),
    ],
)
def test_each_kind_of_bad_json_response_is_caught(
    spec: OpenAPISpec, mutate: Any, expected: str
) -> None:
    response = with_changes(RESPONSE)
    mutate(response)
    violations = spec.validate_response("POST", CHAT, 200, JSON, json.dumps(response).encode())
    assert len(violations) == 1, violations
    assert violations[0].startswith(expected)


def test_response_status_and_content_type_are_checked(spec: OpenAPISpec) -> None:
    assert spec.validate_response("POST", CHAT, 418, JSON, b"{}") == [
        "status: status 418 is not declared for POST /v1/chat/completions (200, 422)"
    ]
    assert spec.validate_response("POST", CHAT, 200, "text/html", b"<p>")[0].startswith(
        "response: content type 'text/html'"
    )
    assert spec.validate_response("POST", CHAT, 200, JSON, b"{")[0].startswith(
        "response: body is not JSON"
    )
    detail = {"detail": [{"type": "missing", "loc": ["body", "model"], "msg": "Field required"}]}
    assert spec.validate_response("POST", CHAT, 422, JSON, json.dumps(detail).encode()) == []
    assert spec.validate_response("POST", CHAT, 422, JSON, b'{"detail": [{"msg": 1}]}') != []


def test_undeclared_error_statuses_need_a_mistral_error_object(spec: OpenAPISpec) -> None:
    error = {
        "object": "error",
        "message": "slow down",
        "type": "rate_limit_error",
        "param": None,
        "code": None,
    }
    for status in (401, 403, 404, 409, 429, 500, 502, 503, 504):
        assert spec.validate_response("POST", CHAT, status, JSON, json.dumps(error).encode()) == []
    # The gateway's own shapes pass for the statuses it sends them with, and only for those.
    for status, body in [
        (401, b'{"detail": "Unauthorized"}'),
        (401, b'{"message": "Unauthorized", "request_id": "0f"}'),
        (429, b'{"message": "Requests rate limit exceeded"}'),
    ]:
        assert spec.validate_response("POST", CHAT, status, JSON, body) == []
    assert spec.validate_response("POST", CHAT, 429, JSON, b'{"detail": "Unauthorized"}') == [
        "response/object: Field required",
        "response/message: Field required",
        "response/type: Field required",
    ]
    assert spec.validate_response("POST", CHAT, 503, "text/plain", b"busy")[0].startswith(
        "response: error body is not JSON"
    )


def test_valid_stream_passes(spec: OpenAPISpec) -> None:
    assert spec.validate_response("POST", CHAT, 200, SSE + "; charset=utf-8", GOOD_STREAM) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            GOOD_STREAM.replace(b"data: [DONE]\n\n", b""),
            "events: stream does not end with data: [DONE]",
        ),
        (sse({"model": "m", "choices": []}, "[DONE]"), "events/0/data/id: Field required"),
        (
            sse(chunk({"content": "x"}, "finished"), "[DONE]"),
            "events/0/data/choices/0/finish_reason: 'finished' is not one of",
        ),
        (
            sse(chunk({"content": 5}), "[DONE]"),
            "events/0/data/choices/0/delta/content: 5 is not of type 'string'",
        ),
        (sse("{not json", "[DONE]"), "events/0: data is not JSON"),
        (GOOD_STREAM + sse(chunk({"content": "late"})), "events/4: event after data: [DONE]"),
        (GOOD_STREAM[:-2] + b"data: {", "events: stream ends inside an event"),
        (
            sse(
                chunk({"content": "x"}), {"object": "error", "message": "boom", "type": "api_error"}
            ),
            "events/1: error event mid-stream: 'boom'",
        ),
        (b"", "events: stream does not end with data: [DONE]"),
    ],
)
def test_each_kind_of_bad_stream_is_caught(spec: OpenAPISpec, body: bytes, expected: str) -> None:
    violations = spec.validate_response("POST", CHAT, 200, SSE, body)
    assert any(v.startswith(expected) for v in violations), violations


def test_sse_parser_follows_the_event_stream_rules() -> None:
    parsed = parse_event_stream(
        ": comment\r\nevent: x\r\ndata: a\r\ndata:b\r\nid: 7\r\nretry: 10\r\n\r\ndata: c\n\n"
    )
    assert [(e.event, e.data, e.id, e.retry) for e in parsed.events] == [
        ("x", "a\nb", "7", 10),
        (None, "c", "7", None),
    ]
    assert parsed.unterminated is None
    assert parse_event_stream("data: a\n\ndata: b\n").unterminated == "data: b"


# -- exchanges ----------------------------------------------------------------------------------


def exchange(**changes: Any) -> Exchange:
    fields: dict[str, Any] = {
        "method": "POST",
        "path": CHAT,
        "query": "",
        "request_headers": {"content-type": JSON},
        "request_body": json.dumps(REQUEST).encode(),
        "status": 200,
        "response_headers": {"content-type": JSON, "x-request-id": "abc"},
        "response_body": json.dumps(RESPONSE).encode(),
        "complete": True,
        "disconnected": False,
        "fault": None,
        "request_id": "abc",
    }
    return Exchange(**{**fields, **changes})


def test_assert_conforms_passes_good_and_raises_on_bad_exchanges() -> None:
    assert_conforms(exchange())
    bad = exchange(response_body=b'{"id": 1}')
    with pytest.raises(SpecViolation) as caught:
        assert_conforms(bad)
    assert caught.value.exchange is bad
    assert "POST /v1/chat/completions -> 200 (x-request-id abc)" in str(caught.value)
    assert "response/id: 1 is not of type 'string'" in caught.value.violations


def test_exchange_checks_skip_faults_and_refused_requests() -> None:
    assert exchange_violations(exchange(response_body=b"{", fault="malformed")) == []
    assert (
        exchange_violations(exchange(response_body=b"{", complete=False, disconnected=True)) == []
    )
    assert exchange_violations(exchange(complete=False)) == ["the response was not sent to its end"]
    assert exchange_violations(exchange(status=None)) == ["no response was sent"]
    # A successful response to a bad request means the server accepted what it should refuse.
    accepted = exchange(request_body=json.dumps({**REQUEST, "n": 0}).encode())
    assert exchange_violations(accepted) == ["request body/n: 0 is less than the minimum of 1"]
    error = {"object": "error", "message": "bad", "type": "invalid_request_error"}
    refused = exchange(
        request_body=b'{"n": 0}', status=400, response_body=json.dumps(error).encode()
    )
    assert exchange_violations(refused) == []


def test_multipart_exchange_request_is_parsed() -> None:
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n{{}}\r\n--{boundary}--\r\n"
    ).encode()
    upload = {
        "id": "00000000-0000-4000-8000-000000000000",
        "object": "file",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.jsonl",
        "purpose": "batch",
        "sample_type": "batch_request",
        "source": "upload",
    }
    sent = exchange(
        path="/v1/files",
        request_headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        request_body=body,
        response_body=json.dumps(upload).encode(),
    )
    request_problems = [v for v in exchange_violations(sent) if v.startswith("request")]
    assert request_problems == []
    wrong = exchange(
        path="/v1/files",
        request_headers=sent.request_headers,
        request_body=body.replace(b"batch", b"party"),
        response_body=sent.response_body,
    )
    assert any("body/purpose: 'party' is not one of" in v for v in exchange_violations(wrong))
