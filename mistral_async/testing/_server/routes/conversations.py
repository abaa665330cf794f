"""``/v1/conversations``: start, append, restart (JSON, or an event stream with
``"stream": true``), list, get, delete, history and messages.

Conversations live in the store (:mod:`..._state.conversations`). A stream is the
``ConversationEvents`` of :mod:`..._models.conversation_format`: ``event: <type>`` and ``data:``
per event, ending after ``conversation.response.done``, no ``[DONE]``. Lists are newest first;
``metadata`` (JSON in the query string) keeps the conversations whose metadata has all its
pairs. An unknown conversation is a 404 in the API's error shape; a delete answers 204.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..._models.conversation import DocumentSearch
from ..._models.conversation_format import conversation_events, named_sse_event
from ..._spec.error_bodies import ApiError
from ..._state.agents import now_iso
from ..._state.conversations import (
    StepReply,
    append,
    delete_conversation,
    find_conversation,
    restart,
    start,
)
from ..._state.libraries import search_documents
from ..._state.store import Store, store
from ._request import int_query, invalid_query, json_body, json_query, served_model, settings

PATH = "/v1/conversations"
_MESSAGES = ("message.input", "message.output")


def _reply(step: StepReply, body: dict[str, Any]) -> Response:
    conversation_id = step.conversation.id
    if body.get("stream"):
        events = conversation_events(conversation_id, step.outputs, step.usage, now_iso())
        return StreamingResponse(
            _stream(events), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )
    return JSONResponse(
        {
            "object": "conversation.response",
            "conversation_id": conversation_id,
            "outputs": step.outputs,
            "usage": step.usage,
        }
    )


async def _stream(events: Any) -> AsyncIterator[bytes]:
    for event in events:
        yield named_sse_event(event)


def _search(request: Request) -> DocumentSearch:
    """The ``document_library`` connector's search: this server's own libraries."""
    state = request.app.state

    def search(library_ids: Sequence[str], query: str) -> list[dict[str, Any]]:
        return [asdict(hit) for hit in search_documents(state, library_ids, query)]

    return search


async def _run(
    request: Request, step: Callable[[Store, dict[str, Any], int, DocumentSearch], StepReply]
) -> Response:
    body = await json_body(request)
    return _reply(step(store(request), body, settings(request).seed, _search(request)), body)


async def start_conversation(request: Request) -> Response:
    body = await json_body(request)
    if body.get("agent_id") is None:
        if body.get("model") is None:
            raise ApiError(400, "Give a model or an agent_id", param="model")
        served_model(request, body, "completion_chat")
    reply = start(store(request), body, settings(request).seed, search=_search(request))
    return _reply(reply, body)


async def append_conversation(request: Request) -> Response:
    conversation_id = request.path_params["conversation_id"]
    return await _run(
        request,
        lambda found, body, seed, search: append(found, conversation_id, body, seed, search),
    )


async def restart_conversation(request: Request) -> Response:
    conversation_id = request.path_params["conversation_id"]
    return await _run(
        request,
        lambda found, body, seed, search: restart(found, conversation_id, body, seed, search),
    )


async def list_conversations(request: Request) -> Response:
    number = int_query(request, "page", 0, 0)
    size = int_query(request, "page_size", 100, 1)
    metadata = json_query(request, "metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise invalid_query("metadata", "Input should be a valid dictionary", metadata, "type")
    found = store(request)
    with found.lock:
        listed = [c.json() for c in reversed(found.conversations.values())]
    if metadata:
        listed = [
            c
            for c in listed
            if isinstance(c.get("metadata"), dict)
            and all(c["metadata"].get(k) == v for k, v in metadata.items())
        ]
    return JSONResponse(listed[number * size : (number + 1) * size])


async def get_conversation(request: Request) -> Response:
    found = store(request)
    conversation = find_conversation(found, request.path_params["conversation_id"])
    with found.lock:
        return JSONResponse(conversation.json())


async def delete(request: Request) -> Response:
    delete_conversation(store(request), request.path_params["conversation_id"])
    return Response(status_code=204)


def _entries(request: Request, kinds: tuple[str, ...] | None) -> tuple[str, list[dict[str, Any]]]:
    found = store(request)
    conversation = find_conversation(found, request.path_params["conversation_id"])
    with found.lock:
        entries = [dict(e) for e in conversation.entries if kinds is None or e["type"] in kinds]
    return conversation.id, entries


async def history(request: Request) -> Response:
    conversation_id, entries = _entries(request, None)
    body = {
        "object": "conversation.history",
        "conversation_id": conversation_id,
        "entries": entries,
    }
    return JSONResponse(body)


async def messages(request: Request) -> Response:
    conversation_id, entries = _entries(request, _MESSAGES)
    body = {
        "object": "conversation.messages",
        "conversation_id": conversation_id,
        "messages": entries,
    }
    return JSONResponse(body)


routes: list[BaseRoute] = [
    Route(PATH, start_conversation, methods=["POST"]),
    Route(PATH, list_conversations, methods=["GET"]),
    Route(f"{PATH}/{{conversation_id}}", get_conversation, methods=["GET"]),
    Route(f"{PATH}/{{conversation_id}}", append_conversation, methods=["POST"]),
    Route(f"{PATH}/{{conversation_id}}", delete, methods=["DELETE"]),
    Route(f"{PATH}/{{conversation_id}}/history", history, methods=["GET"]),
    Route(f"{PATH}/{{conversation_id}}/messages", messages, methods=["GET"]),
    Route(f"{PATH}/{{conversation_id}}/restart", restart_conversation, methods=["POST"]),
]
