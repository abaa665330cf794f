"""What the conversation and agent methods send, with every argument given, meets the spec:
the 24 operations tagged ``beta.conversations``, ``beta.agents`` and ``deprecated.agents``.

Requests are captured with a mock transport (no server): bodies against the operation's request
schema, query parameters against its declared ones, ``metadata`` as JSON in the query string.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mistral_async import AsyncMistral
from mistral_async.testing import OpenAPISpec
from tests._support import conversation_examples as ex

pytestmark = pytest.mark.anyio

SPEC = OpenAPISpec.default()
STREAM = "event: conversation.response.done\ndata: " + json.dumps(
    {"type": "conversation.response.done", "usage": ex.USAGE}
)
CHAT = {
    "id": "c",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


START = without(ex.CONVERSATION_REQUEST, "stream", "agent_id", "agent_version")
APPEND = without(ex.CONVERSATION_APPEND_REQUEST, "stream")
RESTART = without(ex.CONVERSATION_RESTART_REQUEST, "stream", "from_entry_id")
FILTERS: dict[str, Any] = {
    "page_size": 5,
    "deployment_chat": True,
    "sources": ["api", "playground"],
    "name": "weather",
    "search": "wea",
    "id": "ag_1",
    "metadata": ex.METADATA,
}
Call = Callable[[AsyncMistral], Any]


async def _consume(stream: Any) -> None:
    async with stream:
        async for _ in stream:
            pass


CALLS: list[tuple[str, Any, Call]] = [
    ("agents_api_v1_conversations_start", ex.CONVERSATION_RESPONSE,
     lambda c: c.beta.conversations.start(**START)),
    ("agents_api_v1_conversations_start_stream", STREAM,
     lambda c: _consume(c.beta.conversations.start_stream(**START))),
    ("agents_api_v1_conversations_list", [ex.MODEL_CONVERSATION, ex.AGENT_CONVERSATION],
     lambda c: c.beta.conversations.list(page=1, page_size=10, metadata=ex.METADATA)),
    ("agents_api_v1_conversations_get", ex.AGENT_CONVERSATION,
     lambda c: c.beta.conversations.get("conv_1")),
    ("agents_api_v1_conversations_delete", None,
     lambda c: c.beta.conversations.delete("conv_1")),
    ("agents_api_v1_conversations_append", ex.CONVERSATION_RESPONSE,
     lambda c: c.beta.conversations.append("conv_1", **APPEND)),
    ("agents_api_v1_conversations_append_stream", STREAM,
     lambda c: _consume(c.beta.conversations.append_stream("conv_1", **APPEND))),
    ("agents_api_v1_conversations_history", ex.CONVERSATION_HISTORY,
     lambda c: c.beta.conversations.get_history("conv_1")),
    ("agents_api_v1_conversations_messages", ex.CONVERSATION_MESSAGES,
     lambda c: c.beta.conversations.get_messages("conv_1")),
    ("agents_api_v1_conversations_restart", ex.CONVERSATION_RESPONSE,
     lambda c: c.beta.conversations.restart("conv_1", from_entry_id="msg_1", **RESTART)),
    ("agents_api_v1_conversations_restart_stream", STREAM,
     lambda c: _consume(
         c.beta.conversations.restart_stream("conv_1", from_entry_id="msg_1", **RESTART)
     )),
    ("agents_api_v1_agents_create", ex.AGENT,
     lambda c: c.beta.agents.create(**ex.AGENT_CREATION_REQUEST)),
    ("agents_api_v1_agents_list", [ex.AGENT],
     lambda c: c.beta.agents.list(page=2, **FILTERS)),
    ("agents_api_v1_agents_list_pages", {**ex.AGENT_LIST_PAGE, "next_page_token": None},
     lambda c: c.beta.agents.list_pages(page_token="cursor-1", **FILTERS).first_page()),
    ("agents_api_v1_agents_get", ex.AGENT,
     lambda c: c.beta.agents.get("ag_1", agent_version="production")),
    ("agents_api_v1_agents_update", ex.AGENT,
     lambda c: c.beta.agents.update("ag_1", **ex.AGENT_UPDATE_REQUEST)),
    ("agents_api_v1_agents_delete", None, lambda c: c.beta.agents.delete("ag_1")),
    ("agents_api_v1_agents_update_version", ex.AGENT,
     lambda c: c.beta.agents.update_version("ag_1", version=1)),
    ("agents_api_v1_agents_list_versions", [ex.AGENT],
     lambda c: c.beta.agents.list_versions("ag_1", page=0, page_size=100)),
    ("agents_api_v1_agents_get_version", ex.AGENT,
     lambda c: c.beta.agents.get_version("ag_1", 2)),
    ("agents_api_v1_agents_create_or_update_alias", ex.AGENT_ALIAS,
     lambda c: c.beta.agents.create_version_alias("ag_1", alias="production", version=2)),
    ("agents_api_v1_agents_list_version_aliases", [ex.AGENT_ALIAS],
     lambda c: c.beta.agents.list_version_aliases("ag_1")),
    ("agents_api_v1_agents_delete_alias", None,
     lambda c: c.beta.agents.delete_version_alias("ag_1", alias="production")),
    ("agents_completion_v1_agents_completions_post", CHAT,
     lambda c: c.agents.complete(**without(ex.AGENTS_COMPLETION_REQUEST, "stream"))),
]  # fmt: skip


def capturing(reply: Any) -> tuple[AsyncMistral, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if reply is None:
            return httpx.Response(204)
        if isinstance(reply, str):
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, content=reply.encode() + b"\n\n", headers=headers)
        return httpx.Response(200, json=reply)

    transport = httpx.MockTransport(handle)
    client = AsyncMistral(api_key="k", http_client=httpx.AsyncClient(transport=transport))
    return client, sent


def test_every_tagged_operation_is_called() -> None:
    tags = {"beta.conversations", "beta.agents", "deprecated.agents"}
    tagged = {
        op["operationId"]
        for item in SPEC.document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and tags & set(op.get("tags", []))
    }
    assert len(tagged) == 24
    assert {operation for operation, _, _ in CALLS} == tagged


@pytest.mark.parametrize(("operation", "reply", "call"), CALLS, ids=[c[0] for c in CALLS])
async def test_requests_with_every_argument_meet_the_spec(
    operation: str, reply: Any, call: Call
) -> None:
    client, sent = capturing(reply)
    async with client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # agents.list's own warning
            await call(client)
    (request,) = sent
    content_type = request.headers.get("content-type", "")
    body = request.content or None
    found = SPEC.find_operation(
        request.method, request.url.path, stream=b'"stream":true' in request.content
    )
    assert found.operation_id == operation
    assert SPEC.validate_request(request.method, request.url.path, body, content_type) == []
    spec_operation = SPEC.document["paths"][
        found.path + (f"#{found.fragment}" if found.fragment else "")
    ][found.method.lower()]
    declared = {p["name"] for p in spec_operation.get("parameters", []) if p["in"] == "query"}
    assert set(request.url.params) <= declared
    if "metadata" in request.url.params:
        assert json.loads(request.url.params["metadata"]) == ex.METADATA
    if "sources" in request.url.params:
        assert request.url.params.get_list("sources") == ["api", "playground"]
