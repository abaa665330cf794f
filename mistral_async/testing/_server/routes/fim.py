"""``POST /v1/fim/completions``: JSON, or an SSE stream when ``"stream": true``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..._models.fim import complete_fim
from ._request import bounded_generation, json_body, served_model, settings
from .chat import completion_reply


async def fim_completions(request: Request) -> Response:
    body = await json_body(request)
    model = served_model(request, body, "completion_fim")
    bounded_generation(body, model)
    return completion_reply(complete_fim(body, seed=settings(request).seed), body)


routes: list[BaseRoute] = [Route("/v1/fim/completions", fim_completions, methods=["POST"])]
