"""The local server refuses chat conversations in the order the live API refuses them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mistral_async.testing import LocalServer

_CALL = {"id": "call1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
_ASSISTANT_CALL = {"role": "assistant", "content": "", "tool_calls": [_CALL]}
_TOOL = {"role": "tool", "content": "42", "tool_call_id": "call1", "name": "f"}


def _chat(server: LocalServer, messages: list[dict[str, Any]]) -> httpx.Response:
    body = {"model": "mistral-small-latest", "messages": messages}
    headers = {"Authorization": "Bearer sk-test"}
    return httpx.post(f"{server.url}/v1/chat/completions", json=body, headers=headers)


def _order_error(message: str) -> dict[str, Any]:
    return {
        "object": "error",
        "message": message,
        "type": "invalid_request_message_order",
        "param": None,
        "code": "3230",
    }


def test_user_after_tool_is_refused_as_live(server: LocalServer) -> None:
    messages = [{"role": "user", "content": "hi"}, _ASSISTANT_CALL, _TOOL]
    reply = _chat(server, [*messages, {"role": "user", "content": "and?"}])
    assert reply.status_code == 400
    assert reply.json() == _order_error("Unexpected role 'user' after role 'tool'")


def test_tool_after_user_is_refused_as_live(server: LocalServer) -> None:
    reply = _chat(
        server, [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}, _TOOL]
    )
    assert reply.status_code == 400
    assert reply.json() == _order_error("Unexpected role 'tool' after role 'user'")


def test_tool_answering_no_call_is_refused(server: LocalServer) -> None:
    other = {**_TOOL, "tool_call_id": "nope"}
    reply = _chat(server, [{"role": "user", "content": "hi"}, _ASSISTANT_CALL, other])
    assert reply.status_code == 400
    assert reply.json()["type"] == "invalid_request_message_order"
    assert "nope" in reply.json()["message"]


def test_last_assistant_without_prefix_is_refused_as_live(server: LocalServer) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Yes"}]
    reply = _chat(server, messages)
    assert reply.status_code == 400
    assert reply.json() == {
        "object": "error",
        "message": "Expected last role User or Tool (or Assistant with prefix True) for serving"
        " but got assistant",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    prefixed = [messages[0], {**messages[1], "prefix": True}]
    assert _chat(server, prefixed).status_code == 200


def test_valid_tool_run_is_served(server: LocalServer) -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]
    reply = _chat(server, [*messages, _ASSISTANT_CALL, _TOOL])
    assert reply.status_code == 200


@pytest.mark.parametrize("messages", [[]])
def test_empty_messages_is_a_422(server: LocalServer, messages: list[dict[str, Any]]) -> None:
    reply = _chat(server, messages)
    assert reply.status_code == 422
    (item,) = reply.json()["detail"]
    assert item["type"] == "too_short"
    assert item["loc"] == ["body", "messages"]
    assert item["ctx"]["min_length"] == 1
