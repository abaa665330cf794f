"""The local server's agents, seen with plain httpx: versions, aliases, lists, deletes, errors,
and the deprecated agents completions. Every exchange is checked against the spec at teardown.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mistral_async.testing import LocalServer

MODEL = "mistral-small-latest"
AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as plain:
        yield plain


def new_agent(http: httpx.Client, name: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"model": MODEL, "name": name or f"agent-{uuid.uuid4().hex[:8]}", **fields}
    reply = http.post("/v1/agents", json=body)
    assert reply.status_code == 200, reply.text
    agent: dict[str, Any] = reply.json()
    return agent


def test_create_then_every_update_makes_a_version(http: httpx.Client) -> None:
    agent = new_agent(http, instructions="Be brief.", metadata={"team": "a"})
    assert (agent["object"], agent["version"], agent["versions"]) == ("agent", 0, [0])
    assert (agent["source"], agent["deployment_chat"], agent["instructions"]) == (
        "api",
        False,
        "Be brief.",
    )
    path = f"/v1/agents/{agent['id']}"
    first = http.patch(path, json={"instructions": "Be kind.", "version_message": "kinder"}).json()
    assert (first["version"], first["versions"], first["instructions"]) == (1, [0, 1], "Be kind.")
    assert (first["metadata"], first["version_message"]) == ({"team": "a"}, "kinder")
    second = http.patch(path, json={"description": "helps"}).json()
    assert (second["version"], second["instructions"], second["description"]) == (
        2,
        "Be kind.",
        "helps",
    )
    assert second["version_message"] is None
    assert http.get(path).json()["version"] == 2
    old = http.get(path, params={"agent_version": 0}).json()
    assert (old["version"], old["instructions"], old["versions"]) == (0, "Be brief.", [0, 1, 2])
    assert http.get(f"{path}/versions/1").json()["instructions"] == "Be kind."
    listed = http.get(f"{path}/versions").json()
    assert [v["version"] for v in listed] == [2, 1, 0]
    paged = http.get(f"{path}/versions", params={"page": 1, "page_size": 2}).json()
    assert [v["version"] for v in paged] == [0]
    switched = http.patch(f"{path}/version", params={"version": 0}).json()
    assert (switched["version"], switched["instructions"]) == (0, "Be brief.")
    assert http.get(path).json()["version"] == 0


def test_aliases_name_versions_and_can_move(http: httpx.Client) -> None:
    agent = new_agent(http)
    path = f"/v1/agents/{agent['id']}"
    http.patch(path, json={"instructions": "v1"})
    made = http.put(f"{path}/aliases", params={"alias": "prod", "version": 0})
    assert made.status_code == 200
    assert (made.json()["alias"], made.json()["version"]) == ("prod", 0)
    assert http.get(path, params={"agent_version": "prod"}).json()["version"] == 0
    assert http.get(f"{path}/versions/prod").json()["version"] == 0
    moved = http.put(f"{path}/aliases", params={"alias": "prod", "version": 1}).json()
    assert (moved["version"], moved["created_at"]) == (1, made.json()["created_at"])
    http.put(f"{path}/aliases", params={"alias": "canary-1", "version": 0})
    aliases = http.get(f"{path}/aliases").json()
    assert {(a["alias"], a["version"]) for a in aliases} == {("prod", 1), ("canary-1", 0)}
    deleted = http.delete(f"{path}/aliases", params={"alias": "prod"})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert [a["alias"] for a in http.get(f"{path}/aliases").json()] == ["canary-1"]
    gone = http.delete(f"{path}/aliases", params={"alias": "prod"})
    assert (gone.status_code, gone.json()["type"]) == (404, "not_found_error")
    unknown = http.put(f"{path}/aliases", params={"alias": "x", "version": 9})
    assert unknown.status_code == 404


def test_list_filters_and_pages(http: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    made = [new_agent(http, f"{tag}-{k}", metadata={"tag": tag, "k": k}) for k in range(5)]
    ids = [a["id"] for a in made]
    listed = http.get("/v1/agents", params={"search": tag, "page_size": 1000}).json()
    assert [a["id"] for a in listed] == ids
    page = http.get("/v1/agents", params={"search": tag, "page": 1, "page_size": 2}).json()
    assert [a["id"] for a in page] == ids[2:4]
    by_name = http.get("/v1/agents", params={"name": f"{tag}-3"}).json()
    assert [a["id"] for a in by_name] == [ids[3]]
    by_meta = http.get("/v1/agents", params={"metadata": json.dumps({"tag": tag, "k": 1})})
    assert [a["id"] for a in by_meta.json()] == [ids[1]]
    by_id = http.get("/v1/agents", params={"id": ids[4], "sources": "api"}).json()
    assert [a["id"] for a in by_id] == [ids[4]]
    seen: list[str] = []
    params: dict[str, Any] = {"search": tag, "page_size": 2}
    tokens = []
    for _ in range(5):
        reply = http.get("/v1/agents/pages", params=params).json()
        assert reply["object"] == "list"
        seen += [a["id"] for a in reply["data"]]
        tokens.append(reply["next_page_token"])
        if reply["next_page_token"] is None:
            break
        params["page_token"] = reply["next_page_token"]
    assert seen == ids
    assert tokens[-1] is None
    assert len(tokens) == 3
    # A cursor names the last agent of its page: deleting that agent shifts nothing.
    first = http.get("/v1/agents/pages", params={"search": tag, "page_size": 2}).json()
    http.delete(f"/v1/agents/{ids[1]}")
    rest = http.get(
        "/v1/agents/pages",
        params={"search": tag, "page_size": 10, "page_token": first["next_page_token"]},
    ).json()
    assert [a["id"] for a in rest["data"]] == ids[2:]


def test_delete_answers_204_then_the_agent_is_gone(http: httpx.Client) -> None:
    agent = new_agent(http)
    deleted = http.delete(f"/v1/agents/{agent['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    for reply in (
        http.get(f"/v1/agents/{agent['id']}"),
        http.patch(f"/v1/agents/{agent['id']}", json={"name": "x"}),
        http.delete(f"/v1/agents/{agent['id']}"),
        http.get(f"/v1/agents/{agent['id']}/versions"),
        http.get(f"/v1/agents/{agent['id']}/aliases"),
    ):
        assert reply.status_code == 404
        assert reply.json() == {
            "object": "error",
            "message": f"Agent {agent['id']} not found",
            "type": "not_found_error",
            "param": "agent_id",
            "code": None,
        }


def test_unknown_versions_and_invalid_requests(http: httpx.Client) -> None:
    agent = new_agent(http)
    path = f"/v1/agents/{agent['id']}"
    assert http.get(path, params={"agent_version": 7}).status_code == 404
    assert http.get(path, params={"agent_version": "nope"}).status_code == 404
    assert http.get(f"{path}/versions/3").status_code == 404
    assert http.patch(f"{path}/version", params={"version": 5}).status_code == 404
    missing = http.post("/v1/agents", json={"model": MODEL})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "name"]
    bad_model = http.post("/v1/agents", json={"model": "nope", "name": "n"})
    assert (bad_model.status_code, bad_model.json()["type"]) == (400, "invalid_model")
    extra = http.patch(path, json={"colour": "red"})
    assert extra.status_code == 422
    too_big = http.get("/v1/agents", params={"page_size": 1001})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["loc"] == ["query", "page_size"]
    no_version = http.patch(f"{path}/version")
    assert no_version.status_code == 422
    assert no_version.json()["detail"][0]["type"] == "missing"
    bad_alias = http.put(f"{path}/aliases", params={"alias": "Prod!", "version": 0})
    assert bad_alias.status_code == 422
    assert bad_alias.json()["detail"][0]["type"] == "string_pattern_mismatch"
    bad_token = http.get("/v1/agents/pages", params={"page_token": "???"})
    assert bad_token.status_code == 422


def test_agents_completion_answers_as_chat_with_the_agents_settings(http: httpx.Client) -> None:
    agent = new_agent(http, instructions="Answer like a pirate.")
    body = {"agent_id": agent["id"], "messages": [{"role": "user", "content": "Hello there"}]}
    reply = http.post("/v1/agents/completions", json=body)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert (answer["object"], answer["model"]) == ("chat.completion", MODEL)
    text = answer["choices"][0]["message"]["content"]
    assert text.startswith('You said "Hello there".')
    # The agent's instructions are a system message: they count as prompt tokens.
    plain = http.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": body["messages"]}
    ).json()
    assert answer["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"]
    streamed = http.post("/v1/agents/completions", json={**body, "stream": True})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    payloads = [line[6:] for line in streamed.text.splitlines() if line.startswith("data: ")]
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == text
    unknown = http.post("/v1/agents/completions", json={**body, "agent_id": "ag_nope"})
    assert (unknown.status_code, unknown.json()["type"]) == (404, "not_found_error")


def test_agents_completion_calls_the_agents_function_tools(http: httpx.Client) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    agent = new_agent(http, tools=[tool, {"type": "web_search"}])
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    reply = http.post(
        "/v1/agents/completions", json={"agent_id": agent["id"], "messages": messages}
    )
    calls = reply.json()["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather"]
