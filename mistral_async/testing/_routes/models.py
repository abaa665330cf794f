"""``GET /v1/models`` and ``GET /v1/models/{model_id}``: the fixed catalogue of known models."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .._catalog import MODELS, find_model
from ._request import ApiError


async def list_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [model.card() for model in MODELS]})


async def retrieve_model(request: Request) -> Response:
    model_id = request.path_params["model_id"]
    model = find_model(model_id)
    if model is None:
        raise ApiError(404, f"Model {model_id!r} not found", param="model_id")
    return JSONResponse(model.card())


routes: list[BaseRoute] = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id}", retrieve_model, methods=["GET"]),
]
