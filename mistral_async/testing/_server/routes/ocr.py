"""``POST /v1/ocr``: the simulated OCR model (:mod:`..._models.ocr`) on a URL or an uploaded
file."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.ocr import Document, document_from_url, run_ocr
from ._request import json_body, known_model
from .files import found_file

DEFAULT_MODEL = "mistral-ocr-latest"  # `model` may be null in the spec


def _document(request: Request, document: dict[str, Any]) -> Document:
    if "file_id" in document:
        stored = found_file(request, document["file_id"])
        return Document(stored.filename, stored.content)
    if "document_url" in document:
        return document_from_url(document["document_url"], document.get("document_name"))
    image = document.get("image_url")
    url = image.get("url", "") if isinstance(image, dict) else str(image or "")
    return document_from_url(url, is_image=True)


async def ocr(request: Request) -> Response:
    body = await json_body(request)
    model = known_model({**body, "model": body.get("model") or DEFAULT_MODEL}, "ocr")
    document = _document(request, body["document"])
    return JSONResponse(run_ocr(document, body, model.id))


routes: list[BaseRoute] = [Route("/v1/ocr", ocr, methods=["POST"])]
