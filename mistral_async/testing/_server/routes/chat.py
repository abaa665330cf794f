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
from ..._models.message_order import check_message_order
from ._request import RequestInvalid, bounded_generation, json_body, served_model, settings


async def chat_completions(request: Request) -> Response:
    body = await json_body(request)
    model = served_model(request, body, "completion_chat")
    bounded_generation(body, model)
    messages = body.get("messages")
    if isinstance(messages, list):
        if not messages:
            raise _empty_messages()
        check_message_order([m for m in messages if isinstance(m, dict)])
    return completion_reply(complete_chat(body, seed=settings(request).seed), body)


def _empty_messages() -> RequestInvalid:
    # The spec sets no minItems, but the API's pydantic model refuses an empty list so.
    return RequestInvalid(
        [
            {
                "type": "too_short",
                "loc": ["body", "messages"],
                "msg": "List should have at least 1 item after validation, not 0",
                "input": [],
                "ctx": {"field_type": "List", "min_length": 1, "actual_length": 0},
            }
        ]
    )


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
