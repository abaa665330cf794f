"""``/v1/models`` (the fixed catalogue plus the store's fine-tuned models) and
``/v1/fine_tuning/models`` (renaming and archiving fine-tuned models).

Fine-tuned models are the cards in ``Store.fine_tuned_models`` (added when a fine-tuning job
succeeds, or by ``Store.add_fine_tuned_model``). Deleting a Mistral model is refused with 403:
the spec says only that fine-tuned models can be deleted, and the API refuses the rest as a
permission matter. The fine-tuning routes know only fine-tuned models: anything else is 404.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.catalog import MODELS, find_model
from ..._spec.error_bodies import ApiError
from ..._state.store import settled_store, store
from ._request import json_body

# The one workspace of the local server (a fine-tuned model's `workspace_id`).
WORKSPACE_ID = "00000000-0000-4000-8000-00000000c0de"
_FT_CAPABILITIES = ("completion_chat", "completion_fim", "function_calling", "fine_tuning")


def _fine_tuned(request: Request, model_id: str) -> dict[str, Any] | None:
    models = settled_store(request)
    with models.lock:
        card = models.fine_tuned_models.get(model_id)
        return dict(card) if card is not None else None


def _card(request: Request, model_id: str) -> dict[str, Any]:
    model = find_model(model_id)
    if model is not None:
        return model.card()
    card = _fine_tuned(request, model_id)
    if card is None:
        raise ApiError(404, f"Model {model_id!r} not found", param="model_id")
    return card


async def list_models(request: Request) -> Response:
    models = settled_store(request)
    with models.lock:
        fine_tuned = [dict(card) for card in models.fine_tuned_models.values()]
    cards = [model.card() for model in MODELS] + fine_tuned
    wanted, provider = request.query_params.get("model"), request.query_params.get("provider")
    if wanted:
        cards = [c for c in cards if wanted == c["id"] or wanted in c.get("aliases", ())]
    if provider:
        cards = [c for c in cards if c.get("owned_by") == provider]
    return JSONResponse({"object": "list", "data": cards})


async def retrieve_model(request: Request) -> Response:
    return JSONResponse(_card(request, request.path_params["model_id"]))


async def delete_model(request: Request) -> Response:
    model_id = request.path_params["model_id"]
    models = settled_store(request)
    with models.lock:
        removed = models.fine_tuned_models.pop(model_id, None)
    if removed is None:
        card = _card(request, model_id)  # 404 if it is no model at all
        raise ApiError(403, f"Model {card['id']!r} is not a fine-tuned model: it cannot be deleted")
    return JSONResponse({"id": model_id, "object": "model", "deleted": True})


# -- /v1/fine_tuning/models --------------------------------------------------------------------


def _fine_tuned_or_404(request: Request, model_id: str) -> dict[str, Any]:
    card = _fine_tuned(request, model_id)
    if card is None:
        raise ApiError(404, f"Fine-tuned model {model_id!r} not found", param="model_id")
    return card


def _update(request: Request, model_id: str, **changes: Any) -> dict[str, Any]:
    with store(request).lock:
        card = _fine_tuned_or_404(request, model_id)
        card.update(changes)
        store(request).fine_tuned_models[model_id] = card
    return card


def ft_model_out(card: dict[str, Any]) -> dict[str, Any]:
    """A fine-tuned model's card as the spec's ``CompletionFTModelOut`` or
    ``ClassifierFTModelOut``."""
    capabilities = card.get("capabilities", {})
    classifier = bool(capabilities.get("classification"))
    root = find_model(card["root"])
    version = root.aliases[0].rsplit("-", 1)[-1] if root is not None and root.aliases else "latest"
    out = {
        "id": card["id"],
        "object": "model",
        "created": card.get("created", 0),
        "owned_by": card.get("owned_by", "local-organization"),
        "workspace_id": WORKSPACE_ID,
        "root": card["root"],
        "root_version": version,
        "archived": bool(card.get("archived", False)),
        "name": card.get("name"),
        "description": card.get("description"),
        "capabilities": {
            "classification": classifier,
            **{name: bool(capabilities.get(name)) for name in _FT_CAPABILITIES},
        },
        "max_context_length": card.get("max_context_length", 32768),
        "aliases": list(card.get("aliases", [])),
        "job": card["job"],
        "model_type": "classifier" if classifier else "completion",
    }
    if classifier:
        out["classifier_targets"] = list(card.get("classifier_targets", []))
    return out


async def update_fine_tuned_model(request: Request) -> Response:
    body = await json_body(request)
    changes = {key: body[key] for key in ("name", "description") if key in body}
    card = _update(request, request.path_params["model_id"], **changes)
    return JSONResponse(ft_model_out(card))


async def archive_model(request: Request) -> Response:
    card = _update(request, request.path_params["model_id"], archived=True)
    return JSONResponse({"id": card["id"], "object": "model", "archived": True})


async def unarchive_model(request: Request) -> Response:
    card = _update(request, request.path_params["model_id"], archived=False)
    return JSONResponse({"id": card["id"], "object": "model", "archived": False})


routes: list[BaseRoute] = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id}", retrieve_model, methods=["GET"]),
    Route("/v1/models/{model_id}", delete_model, methods=["DELETE"]),
    Route("/v1/fine_tuning/models/{model_id}", update_fine_tuned_model, methods=["PATCH"]),
    Route("/v1/fine_tuning/models/{model_id}/archive", archive_model, methods=["POST"]),
    Route("/v1/fine_tuning/models/{model_id}/archive", unarchive_model, methods=["DELETE"]),
]
