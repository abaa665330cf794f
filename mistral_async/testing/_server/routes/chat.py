"""``POST /v1/chat/completions``: JSON, or an SSE stream when ``"stream": true``."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..._models.chat import Completion, complete_chat
from ..._models.completion_format import completion_chunks, completion_response, sse_event
from ._request import json_body, known_model, settings


async def chat_completions(request: Request) -> Response:
    body = await json_body(request)
    known_model(body, "completion_chat")
    return completion_reply(complete_chat(body, seed=settings(request).seed), body)


def completion_reply(completion: Completion, body: dict[str, Any]) -> Response:
    """The reply to a completion request: JSON, or an SSE stream when ``"stream": true``.

    Shared with FIM, whose reply and stream have the chat shapes.
    """
    ids = {"completion_id": uuid.uuid4().hex, "created": int(time.time()), "model": body["model"]}
    if body.get("stream"):
        return StreamingResponse(
            _events(completion, **ids),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )
    return JSONResponse(completion_response(completion, **ids))


async def _events(
    completion: Completion, *, completion_id: str, created: int, model: str
) -> AsyncIterator[bytes]:
    for chunk in completion_chunks(
        completion, completion_id=completion_id, created=created, model=model
    ):
        yield sse_event(chunk)
    yield sse_event("[DONE]")


routes: list[BaseRoute] = [Route("/v1/chat/completions", chat_completions, methods=["POST"])]
