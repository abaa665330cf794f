"""The local server's conversations, seen with plain httpx: steps with models and agents,
function calls, connectors, handoffs, confirmations, stored history, restarts, streams event by
event and the stream faults. Every exchange is checked against the spec at teardown (streams
event by event against ``ConversationEvents``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from mistral_async.testing import LocalServer
from mistral_async.testing._models.conversation_format import named_sse_event
from mistral_async.testing._spec.openapi import OpenAPISpec
from mistral_async.testing._spec.sse import parse_event_stream

MODEL = "mistral-small-latest"
AUTH = {"Authorization": "Bearer test-key"}
PATH = "/v1/conversations"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
        },
    },
}
CONNECTORS = [
    {"type": "web_search"},
    {"type": "web_search_premium"},
    {"type": "code_interpreter"},
    {"type": "image_generation"},
    {"type": "document_library", "library_ids": ["lib_1"]},
    {"type": "connector", "connector_id": "crm"},
]


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as plain:
        yield plain


def start(http: httpx.Client, inputs: Any = "Hello there", **fields: Any) -> dict[str, Any]:
    body = {"inputs": inputs, **fields}
    if "agent_id" not in body:
        body.setdefault("model", MODEL)
    reply = http.post(PATH, json=body)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def events(reply: httpx.Response) -> list[tuple[str | None, dict[str, Any]]]:
    assert reply.headers["content-type"].startswith("text/event-stream")
    parsed = parse_event_stream(reply.text)
    assert parsed.unterminated is None
    return [(e.event, json.loads(e.data)) for e in parsed.events]


def kinds(response: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in response["outputs"]]


def agent(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"model": MODEL, "name": f"agent-{uuid.uuid4().hex[:6]}", **fields}
    found: dict[str, Any] = http.post("/v1/agents", json=body).json()
    return found


def test_a_model_answers_as_chat_does_and_deterministically(http: httpx.Client) -> None:
    first = start(http, "Who is the best French painter?", instructions="Be brief.")
    assert first["object"] == "conversation.response"
    assert kinds(first) == ["message.output"]
    output = first["outputs"][0]
    assert output["content"].startswith('You said "Who is the best French painter?". Here is a ')
    assert (output["role"], output["model"], output["agent_id"]) == ("assistant", MODEL, None)
    again = start(http, "Who is the best French painter?", instructions="Be brief.")
    assert again["outputs"][0]["content"] == output["content"]
    assert again["conversation_id"] != first["conversation_id"]
    usage = first["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    chat = http.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Who is the best French painter?"},
            ],
        },
    ).json()
    assert chat["choices"][0]["message"]["content"] == output["content"]


def test_the_conversation_and_its_entries_are_kept(http: httpx.Client) -> None:
    tools = [WEATHER]
    args = {"temperature": 0.5}
    first = start(http, "Hi", tools=tools, completion_args=args, name="n", metadata={"a": 1})
    conversation_id = first["conversation_id"]
    got = http.get(f"{PATH}/{conversation_id}").json()
    assert got["id"] == conversation_id
    assert (got["object"], got["model"], got["tools"], got["completion_args"]) == (
        "conversation",
        MODEL,
        tools,
        args,
    )
    assert (got["name"], got["metadata"]) == ("n", {"a": 1})
    call = first["outputs"][0]
    result = {"type": "function.result", "tool_call_id": call["tool_call_id"], "result": "sunny"}
    second = http.post(f"{PATH}/{conversation_id}", json={"inputs": [result]}).json()
    assert second["conversation_id"] == conversation_id
    history = http.get(f"{PATH}/{conversation_id}/history").json()
    assert history["object"] == "conversation.history"
    assert [e["type"] for e in history["entries"]] == [
        "message.input",
        "function.call",
        "function.result",
        "message.output",
    ]
    assert history["entries"][1]["id"] == call["id"]
    messages = http.get(f"{PATH}/{conversation_id}/messages").json()
    assert messages["object"] == "conversation.messages"
    assert [(m["type"], m["role"]) for m in messages["messages"]] == [
        ("message.input", "user"),
        ("message.output", "assistant"),
    ]


def test_store_false_answers_but_keeps_nothing(http: httpx.Client) -> None:
    unstored = start(http, "Hi", store=False)
    assert kinds(unstored) == ["message.output"]
    missing = http.get(f"{PATH}/{unstored['conversation_id']}")
    assert (missing.status_code, missing.json()["type"]) == (404, "not_found_error")
    kept = start(http, "Hi")["conversation_id"]
    reply = http.post(f"{PATH}/{kept}", json={"inputs": "And now?", "store": False})
    assert reply.status_code == 200
    history = http.get(f"{PATH}/{kept}/history").json()
    assert len(history["entries"]) == 2


def test_function_tools_get_a_call_then_the_answer_uses_the_result(http: httpx.Client) -> None:
    first = start(http, "What is the weather in Paris?", tools=[WEATHER])
    assert kinds(first) == ["function.call"]
    call = first["outputs"][0]
    assert call["name"] == "get_weather"
    arguments = json.loads(call["arguments"])
    jsonschema.validate(arguments, WEATHER["function"]["parameters"])  # type: ignore[index]
    assert arguments["city"] == "Paris"
    assert len(call["tool_call_id"]) == 9
    result = {"type": "function.result", "tool_call_id": call["tool_call_id"], "result": "22C"}
    answer = http.post(f"{PATH}/{first['conversation_id']}", json={"inputs": [result]}).json()
    assert kinds(answer) == ["message.output"]
    assert answer["outputs"][0]["content"] == "Based on the tool results: get_weather returned 22C."
    # Deterministic: the same conversation gives the same call.
    assert (
        start(http, "What is the weather in Paris?", tools=[WEATHER])["outputs"][0]["tool_call_id"]
        == (call["tool_call_id"])
    )
    none = start(http, "Weather?", tools=[WEATHER], completion_args={"tool_choice": "none"})
    assert kinds(none) == ["message.output"]


@pytest.mark.parametrize("tool", CONNECTORS, ids=lambda t: str(t["type"]))
def test_connectors_run_then_the_model_answers(http: httpx.Client, tool: dict[str, Any]) -> None:
    reply = start(http, "Find news about Lyon", tools=[tool])
    assert kinds(reply) == ["tool.execution", "message.output"]
    execution, message = reply["outputs"]
    name = tool.get("connector_id", tool["type"])
    assert execution["name"] == name
    assert json.loads(execution["arguments"])
    assert execution["info"]["summary"]
    assert message["content"].startswith(f"Based on the tool results: {name} returned ")
    assert reply["usage"]["connectors"] == {name: 1}
    assert reply["usage"]["connector_tokens"] > 0
    assert (
        start(http, "Find news about Lyon", tools=[tool])["outputs"][0]["info"]
        == (execution["info"])
    )


def test_confirmations_allow_or_deny_a_connector(http: httpx.Client) -> None:
    tool = {"type": "web_search", "tool_configuration": {"requires_confirmation": ["web_search"]}}
    first = start(http, "Search Lyon", tools=[tool])
    assert kinds(first) == ["function.call"]
    pending = first["outputs"][0]
    assert (pending["name"], pending["confirmation_status"]) == ("web_search", "pending")
    conversation = f"{PATH}/{first['conversation_id']}"
    confirm = {"tool_call_id": pending["tool_call_id"], "confirmation": "allow"}
    allowed = http.post(conversation, json={"tool_confirmations": [confirm]}).json()
    assert kinds(allowed) == ["tool.execution", "message.output"]
    history = http.get(f"{conversation}/history").json()["entries"]
    assert history[1]["confirmation_status"] == "allowed"
    again = http.post(conversation, json={"tool_confirmations": [confirm]})
    assert again.status_code == 400
    denied_start = start(http, "Search Lyon", tools=[tool])
    call = denied_start["outputs"][0]
    deny = {"tool_call_id": call["tool_call_id"], "confirmation": "deny"}
    denied = http.post(
        f"{PATH}/{denied_start['conversation_id']}", json={"tool_confirmations": [deny]}
    ).json()
    assert kinds(denied) == ["message.output"]
    assert "denied" in denied["outputs"][0]["content"]
    empty = http.post(f"{PATH}/{denied_start['conversation_id']}", json={})
    assert empty.status_code == 400


def test_agents_answer_with_their_version_and_hand_off(http: httpx.Client) -> None:
    expert = agent(http, name="Weatherman", instructions="Talk weather.")
    triage = agent(http, name="Triage", handoffs=[expert["id"]])
    plain = start(http, "Hello", agent_id=triage["id"])
    assert kinds(plain) == ["message.output"]
    assert plain["outputs"][0]["agent_id"] == triage["id"]
    got = http.get(f"{PATH}/{plain['conversation_id']}").json()
    assert (got["agent_id"], got["agent_version"]) == (triage["id"], None)
    served = start(http, "Ask the weatherman", agent_id=triage["id"])
    assert kinds(served) == ["agent.handoff", "message.output"]
    handoff, message = served["outputs"]
    assert (handoff["previous_agent_id"], handoff["next_agent_id"]) == (triage["id"], expert["id"])
    assert (handoff["previous_agent_name"], handoff["next_agent_name"]) == ("Triage", "Weatherman")
    assert message["agent_id"] == expert["id"]
    client = start(http, "Ask the weatherman", agent_id=triage["id"], handoff_execution="client")
    assert kinds(client) == ["agent.handoff"]
    follow = http.post(f"{PATH}/{client['conversation_id']}", json={"inputs": "Rain?"}).json()
    assert follow["outputs"][0]["agent_id"] == expert["id"]
    versioned = start(http, "Hello", agent_id=triage["id"], agent_version=0)
    assert http.get(f"{PATH}/{versioned['conversation_id']}").json()["agent_version"] == 0
    assert http.post(PATH, json={"inputs": "x", "agent_id": "ag_nope"}).status_code == 404
    bad_version = http.post(
        PATH, json={"inputs": "x", "agent_id": triage["id"], "agent_version": 4}
    )
    assert bad_version.status_code == 404


def test_restart_makes_a_new_conversation_from_an_entry(http: httpx.Client) -> None:
    first = start(http, "One")
    conversation = f"{PATH}/{first['conversation_id']}"
    http.post(conversation, json={"inputs": "Two"})
    entries = http.get(f"{conversation}/history").json()["entries"]
    assert len(entries) == 4
    restarted = http.post(
        f"{conversation}/restart",
        json={"from_entry_id": entries[1]["id"], "inputs": "Three", "metadata": {"r": 1}},
    ).json()
    new_id = restarted["conversation_id"]
    assert new_id != first["conversation_id"]
    assert restarted["outputs"][0]["content"].startswith('You said "Three".')
    new_entries = http.get(f"{PATH}/{new_id}/history").json()["entries"]
    assert [e["id"] for e in new_entries[:2]] == [entries[0]["id"], entries[1]["id"]]
    assert len(new_entries) == 4
    assert http.get(f"{PATH}/{new_id}").json()["metadata"] == {"r": 1}
    assert len(http.get(f"{conversation}/history").json()["entries"]) == 4
    unknown = http.post(f"{conversation}/restart", json={"from_entry_id": "msg_nope"})
    assert unknown.status_code == 404


def test_list_pages_filters_and_delete(http: httpx.Client) -> None:
    tag = uuid.uuid4().hex
    ids = [start(http, f"n{k}", metadata={"tag": tag})["conversation_id"] for k in range(3)]
    query = {"metadata": json.dumps({"tag": tag})}
    listed = http.get(PATH, params=query).json()
    assert [c["id"] for c in listed] == ids[::-1]  # newest first
    paged = http.get(PATH, params={**query, "page": 1, "page_size": 2}).json()
    assert [c["id"] for c in paged] == [ids[0]]
    deleted = http.delete(f"{PATH}/{ids[0]}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert [c["id"] for c in http.get(PATH, params=query).json()] == ids[:0:-1]
    for reply in (
        http.get(f"{PATH}/{ids[0]}"),
        http.post(f"{PATH}/{ids[0]}", json={"inputs": "x"}),
        http.post(f"{PATH}/{ids[0]}/restart", json={"from_entry_id": "x"}),
        http.get(f"{PATH}/{ids[0]}/history"),
        http.get(f"{PATH}/{ids[0]}/messages"),
        http.delete(f"{PATH}/{ids[0]}"),
    ):
        assert reply.status_code == 404
        assert reply.json()["message"] == f"Conversation {ids[0]} not found"


def test_invalid_requests(http: httpx.Client) -> None:
    missing = http.post(PATH, json={"model": MODEL})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "inputs"]
    bad = http.post(PATH, json={"model": MODEL, "inputs": "x", "handoff_execution": "elsewhere"})
    assert bad.status_code == 422
    assert http.post(PATH, json={"inputs": "x"}).status_code == 400
    unknown_model = http.post(PATH, json={"model": "nope", "inputs": "x"})
    assert (unknown_model.status_code, unknown_model.json()["type"]) == (400, "invalid_model")
    both = http.post(PATH, json={"model": MODEL, "agent_id": "ag_1", "inputs": "x"})
    assert both.status_code in (400, 404)
    kept = start(http)["conversation_id"]
    extra = http.post(f"{PATH}/{kept}", json={"inputs": "x", "model": MODEL})
    assert extra.status_code == 422
    assert http.post(f"{PATH}/{kept}/restart", json={"inputs": "x"}).status_code == 422


def _reassembled(stream: list[tuple[str | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The outputs a stream's events describe, by output index (type, and content or call)."""
    outputs: dict[int, dict[str, Any]] = {}
    for _, data in stream:
        kind = data["type"]
        if "output_index" not in data:
            continue
        slot = outputs.setdefault(data["output_index"], {"id": data["id"]})
        if kind == "message.output.delta":
            slot["type"] = "message.output"
            slot["content"] = slot.get("content", "") + data["content"]
        elif kind == "function.call.delta":
            slot.update(type="function.call", name=data["name"], tool_call_id=data["tool_call_id"])
            slot["arguments"] = slot.get("arguments", "") + data["arguments"]
        elif kind.startswith("tool.execution."):
            slot.update(type="tool.execution", name=data["name"])
            if kind == "tool.execution.done":
                slot["info"] = data["info"]
            else:
                slot["arguments"] = slot.get("arguments", "") + data["arguments"]
        elif kind == "agent.handoff.started":
            slot.update(type="agent.handoff", previous_agent_id=data["previous_agent_id"])
        elif kind == "agent.handoff.done":
            slot["next_agent_id"] = data["next_agent_id"]
    return [outputs[k] for k in sorted(outputs)]


def _comparable(entry: dict[str, Any]) -> dict[str, Any]:
    keys = {
        "message.output": ("type", "content"),
        "function.call": ("type", "name", "tool_call_id", "arguments"),
        "tool.execution": ("type", "name", "arguments", "info"),
        "agent.handoff": ("type", "previous_agent_id", "next_agent_id"),
    }[entry["type"]]
    return {k: entry[k] for k in keys}


def test_streams_split_the_same_outputs_into_events(http: httpx.Client) -> None:
    expert = agent(http, name="Scout")
    lead = agent(http, name="Lead", handoffs=[expert["id"]], tools=[{"type": "web_search"}])
    cases: list[dict[str, Any]] = [
        {"model": MODEL, "inputs": "Tell me a story"},
        {"model": MODEL, "inputs": "Weather in Paris?", "tools": [WEATHER]},
        {"model": MODEL, "inputs": "Find Lyon", "tools": [{"type": "code_interpreter"}]},
        {"agent_id": lead["id"], "inputs": "Hello"},
        {"agent_id": lead["id"], "inputs": "Ask Scout please"},
    ]
    for body in cases:
        plain = http.post(PATH, json=body).json()
        stream = events(http.post(PATH, json={**body, "stream": True}))
        assert all(name == data["type"] for name, data in stream)
        assert stream[0][1]["type"] == "conversation.response.started"
        assert stream[-1][1]["type"] == "conversation.response.done"
        assert stream[-1][1]["usage"] == plain["usage"]
        rebuilt = _reassembled(stream)
        assert [_comparable(e) for e in rebuilt] == [_comparable(e) for e in plain["outputs"]]
    message = [d for _, d in stream if d["type"] == "message.output.delta"]
    assert len(message) > 3
    assert {d["content_index"] for d in message} == {0}
    assert {d["output_index"] for d in message} == {1}  # after the handoff at 0


def test_append_and_restart_stream_too(http: httpx.Client) -> None:
    first = start(http, "Weather in Rome?", tools=[WEATHER])
    conversation = f"{PATH}/{first['conversation_id']}"
    call = first["outputs"][0]
    result = {"type": "function.result", "tool_call_id": call["tool_call_id"], "result": "warm"}
    appended = events(http.post(conversation, json={"inputs": [result], "stream": True}))
    assert appended[0][1]["conversation_id"] == first["conversation_id"]
    text = "".join(d["content"] for _, d in appended if d["type"] == "message.output.delta")
    assert text == "Based on the tool results: get_weather returned warm."
    entries = http.get(f"{conversation}/history").json()["entries"]
    assert entries[-1]["content"] == text  # a streamed step is stored as well
    restarted = events(
        http.post(
            f"{conversation}/restart",
            json={"from_entry_id": entries[0]["id"], "stream": True},
        )
    )
    assert restarted[0][1]["conversation_id"] != first["conversation_id"]
    assert [d["type"] for _, d in restarted][1] == "function.call.delta"


def test_every_event_validates_against_conversation_events(http: httpx.Client) -> None:
    spec = OpenAPISpec.default()
    stream = events(
        http.post(PATH, json={"model": MODEL, "inputs": "x", "tools": [WEATHER], "stream": True})
    )
    for name, data in stream:
        event = {"event": name, "data": data}
        assert spec.schema_violations(event, "/components/schemas/ConversationEvents") == []


def test_the_checker_catches_misnamed_and_unfinished_conversation_streams() -> None:
    spec = OpenAPISpec.default()
    started = {"type": "conversation.response.started", "conversation_id": "c"}
    done = {"type": "conversation.response.done", "usage": {}}
    good = named_sse_event(started) + named_sse_event(done)
    assert spec.validate_response("POST", PATH, 200, "text/event-stream", good) == []
    misnamed = good.replace(b"event: conversation.response.done", b"event: message.output.delta")
    problems = spec.validate_response("POST", PATH, 200, "text/event-stream", misnamed)
    expected = (
        "event name 'message.output.delta' is not the data's type 'conversation.response.done'"
    )
    assert any(expected in p for p in problems)
    unfinished = named_sse_event(started)
    problems = spec.validate_response("POST", PATH, 200, "text/event-stream", unfinished)
    assert any("stream does not end with conversation.response.done" in p for p in problems)


def test_cut_stream_and_stall_act_on_conversation_streams(
    server: LocalServer, http: httpx.Client
) -> None:
    body = {"model": MODEL, "inputs": "Tell me a long story please", "stream": True}
    server.faults.add("cut_stream", path=PATH, after_events=3)
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError), http.stream("POST", PATH, json=body) as reply:
        received.extend(line for line in reply.iter_lines() if line.startswith("event: "))
    assert received[0] == "event: conversation.response.started"
    assert len(received) == 3
    assert "event: conversation.response.done" not in received
    server.faults.add("stall", path=PATH, after_events=2, seconds=0.05)
    stalled = events(http.post(PATH, json=body))
    assert stalled[-1][1]["type"] == "conversation.response.done"
    server.faults.add("disconnect", path=PATH)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(PATH, json=body)


def test_stream_error_is_the_in_band_conversation_error(
    server: LocalServer, http: httpx.Client
) -> None:
    body = {"model": MODEL, "inputs": "Tell me a story", "stream": True}
    server.faults.add("stream_error", path=PATH, after_events=2, message="boom", code="3000")
    stream = events(http.post(PATH, json=body))
    assert len(stream) == 3
    name, data = stream[-1]
    assert name == "conversation.response.error"
    assert (data["type"], data["message"], data["code"]) == (name, "boom", 3000)
    spec = OpenAPISpec.default()
    violations = spec.schema_violations(
        {"event": name, "data": data}, "/components/schemas/ConversationEvents"
    )
    assert violations == []
    # Chat streams keep the error object of a failed generation.
    server.faults.add("stream_error", path="/v1/chat/completions", after_events=1)
    chat = http.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": "x"}], "stream": True},
    )
    last = parse_event_stream(chat.text).events[-1]
    assert (last.event, json.loads(last.data)["object"]) == (None, "error")
