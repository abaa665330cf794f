"""Moderation and classification of texts and conversations (see :mod:`..._models.moderation`).

``POST /v1/moderations`` and ``/v1/classifications`` take texts; ``/v1/chat/moderations``
takes a conversation or a list of them, ``/v1/chat/classifications`` ``{"messages": [...]}``
or a list of them. Each answers one result per text or conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.moderation import classification, conversation_text, moderation
from ._request import json_body, known_model, settings


def _texts(body: dict[str, Any]) -> list[str]:
    texts = body["input"]
    return [texts] if isinstance(texts, str) else list(texts)


def _conversations(body: dict[str, Any]) -> list[str]:
    chats: Any = body["input"]
    if isinstance(chats, dict):  # one {"messages": [...]}
        chats = [chats]
    if chats and all(isinstance(c, dict) and "messages" in c for c in chats):
        return [conversation_text(c["messages"]) for c in chats]
    if chats and all(isinstance(c, list) for c in chats):  # a list of conversations
        return [conversation_text(c) for c in chats]
    return [conversation_text(chats)]  # one conversation


def _route(
    path: str,
    capability: str,
    inputs: Callable[[dict[str, Any]], list[str]],
    result: Callable[..., dict[str, Any]],
) -> Route:
    async def endpoint(request: Request) -> Response:
        body = await json_body(request)
        known_model(body, capability)
        seed = settings(request).seed
        results = [result(text, seed=seed) for text in inputs(body)]
        return JSONResponse({"id": uuid.uuid4().hex, "model": body["model"], "results": results})

    return Route(path, endpoint, methods=["POST"])


routes: list[BaseRoute] = [
    _route("/v1/moderations", "moderation", _texts, moderation),
    _route("/v1/chat/moderations", "moderation", _conversations, moderation),
    _route("/v1/classifications", "classification", _texts, classification),
    _route("/v1/chat/classifications", "classification", _conversations, classification),
]
