"""``POST /v1/embeddings``: hashed bag-of-words vectors (see :mod:`..._models.embeddings`)."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.embeddings import DEFAULT_DIMENSIONS, MAX_DIMENSION, embed, wire_embedding
from ..._models.text import count_tokens
from ..._spec.error_bodies import ApiError
from ._request import integers, json_body, known_model, settings


async def embeddings(request: Request) -> Response:
    body = await json_body(request)
    model = known_model(body, "embedding")
    integers(body, "output_dimension")  # 1.0 is 1, as the API's pydantic model reads it
    texts: list[str] = [body["input"]] if isinstance(body["input"], str) else body["input"]
    if not texts:
        raise ApiError(400, "input must hold at least one text", param="input")
    dimension = body.get("output_dimension") or DEFAULT_DIMENSIONS.get(model.id, 1024)
    if dimension > MAX_DIMENSION:
        message = f"output_dimension must be at most {MAX_DIMENSION}"
        raise ApiError(400, message, param="output_dimension")
    dtype = body.get("output_dtype") or "float"
    encoding = body.get("encoding_format") or "float"
    seed = settings(request).seed
    data = [
        {
            "object": "embedding",
            "embedding": wire_embedding(embed(text, dimension, seed=seed), dtype, encoding),
            "index": index,
        }
        for index, text in enumerate(texts)
    ]
    tokens = sum(count_tokens(text) for text in texts)
    usage = {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens}
    reply = {"id": uuid.uuid4().hex, "object": "list", "model": body["model"], "data": data}
    return JSONResponse({**reply, "usage": usage})


routes: list[BaseRoute] = [Route("/v1/embeddings", embeddings, methods=["POST"])]
