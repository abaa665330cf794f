"""``/v1/libraries``: libraries, their documents and accesses (the ``beta.libraries*`` tags).

State and processing are in :mod:`..._state.libraries`. Documents are uploaded as a form and
processed asynchronously (``todo`` → ``in_progress`` → ``done`` on a short timeline). A signed
URL is a bare JSON string pointing at ``/_local/documents/{id}``, served here without an API key
(the auth middleware lets such a request through) because its HMAC proves the server issued it,
as the live API's storage serves its signed URLs; it expires after 30 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._spec.conformance import LOCAL_PATH_PREFIX
from ..._spec.error_bodies import ApiError
from ..._spec.multipart import multipart_files, parse_multipart
from ..._state.libraries import (
    LOCAL_ORG_ID,
    Libraries,
    access_json,
    add_document,
    document_json,
    libraries,
    library_json,
    reprocess,
    settle_document,
)
from ..._state.voices import LOCAL_USER_ID, iso_now
from ._request import check_body, int_query, invalid, invalid_query, json_body

PATH = "/v1/libraries"
DOCUMENTS = PATH + "/{library_id}/documents"
DOCUMENT = DOCUMENTS + "/{document_id}"
SIGNED_PATH = LOCAL_PATH_PREFIX + "documents"
SIGNED_URL_SECONDS = 30 * 60  # "The url will expire after 30 minutes"
SORTABLE = ("created_at", "name", "size", "last_processed_at", "mime_type", "extension")
_SIGNING_KEY = secrets.token_bytes(32)  # per process, as for signed file URLs


def _store(request: Request) -> Libraries:
    return libraries(request)


def _library(request: Request) -> dict[str, Any]:
    return _store(request).get(request.path_params["library_id"])


def _document(request: Request) -> dict[str, Any]:
    params = request.path_params
    return _store(request).document(params["library_id"], params["document_id"])


# -- libraries ---------------------------------------------------------------------------------


async def list_libraries(request: Request) -> Response:
    store = _store(request)
    with store.lock:
        listed = [library_json(library) for library in reversed(store.items.values())]
    return JSONResponse({"data": listed})


async def create_library(request: Request) -> Response:
    body = await json_body(request)
    library = _store(request).create(body)
    return JSONResponse(library_json(library), status_code=201)


async def get_library(request: Request) -> Response:
    return JSONResponse(library_json(_library(request)))


async def update_library(request: Request) -> Response:
    body = await json_body(request)
    store = _store(request)
    with store.lock:
        library = _library(request)
        library.update({k: body[k] for k in ("name", "description") if body.get(k) is not None})
        library["updated_at"] = iso_now()
        return JSONResponse(library_json(library))


async def delete_library(request: Request) -> Response:
    library = _store(request).delete(request.path_params["library_id"])
    return JSONResponse(library_json(library))


# -- documents ---------------------------------------------------------------------------------


async def upload_document(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise invalid(("body",), "expected a multipart/form-data body", content_type, "media")
    raw = await request.body()
    check_body(request, parse_multipart(raw, content_type), content_type)
    part = multipart_files(raw, content_type).get("file")
    if part is None:
        raise invalid(("body", "file"), "Field required", None, "required")
    _library(request)  # 404 before the work of extracting the text
    document, new = add_document(
        _store(request),
        request.app.state,
        request.path_params["library_id"],
        part.filename,
        part.content,
        part.content_type,
        time.time(),
    )
    return JSONResponse(document_json(document, time.time()), status_code=201 if new else 200)


def _filters(request: Request) -> Callable[[dict[str, Any]], bool]:
    """``search`` (in the name and the text, case ignored) and ``filters_attributes``: a JSON
    object of attribute → value, or → a list of values any of which matches."""
    search = (request.query_params.get("search") or "").lower()
    raw = request.query_params.get("filters_attributes")
    wanted: Any = {}
    if raw:
        try:
            wanted = json.loads(raw)
        except ValueError:
            wanted = None
        if not isinstance(wanted, dict):
            message = "Input should be a JSON object of attribute names to values"
            raise invalid_query("filters_attributes", message, raw, "type")

    def matches(document: dict[str, Any]) -> bool:
        attributes = document.get("attributes") or {}
        found = search in document["name"].lower() or search in document["_text"].lower()
        for name, value in wanted.items():
            options = value if isinstance(value, list) else [value]
            found = found and name in attributes and attributes[name] in options
        return found

    return matches


def _sort_key(request: Request) -> tuple[str, bool]:
    sort_by = request.query_params.get("sort_by", "created_at")
    if sort_by not in SORTABLE:
        raise invalid_query("sort_by", f"Input should be one of {SORTABLE}", sort_by, "enum")
    order = request.query_params.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_query("sort_order", "Input should be 'asc' or 'desc'", order, "enum")
    return sort_by, order == "desc"


async def list_documents(request: Request) -> Response:
    _library(request)
    size = int_query(request, "page_size", 100, 1)
    if size > 100:
        message = "Input should be less than or equal to 100"
        raise invalid_query("page_size", message, size, "maximum")
    number = int_query(request, "page", 0, 0)
    matches = _filters(request)
    sort_by, descending = _sort_key(request)
    now = time.time()
    listed = _store(request).documents(request.path_params["library_id"])
    matching = [document_json(d, now) for d in listed if matches(d)]
    # Upload order breaks ties (reversed with the order), None sorts first.
    matching.sort(key=lambda d: (d[sort_by] is not None, d[sort_by] or 0), reverse=descending)
    pages = math.ceil(len(matching) / size)
    return JSONResponse(
        {
            "pagination": {
                "total_items": len(matching),
                "total_pages": pages,
                "current_page": number,
                "page_size": size,
                "has_more": number + 1 < pages,
            },
            "data": matching[number * size : (number + 1) * size],
        }
    )


async def get_document(request: Request) -> Response:
    return JSONResponse(document_json(_document(request), time.time()))


async def update_document(request: Request) -> Response:
    body = await json_body(request)
    store = _store(request)
    with store.lock:
        document = _document(request)
        document.update({k: body[k] for k in ("name", "attributes") if body.get(k) is not None})
        return JSONResponse(document_json(document, time.time()))


async def delete_document(request: Request) -> Response:
    store = _store(request)
    with store.lock:
        document = _document(request)
        del _library(request)["_documents"][document["id"]]
    return Response(status_code=204)


def _processed(request: Request) -> dict[str, Any]:
    """The document, once processed; 404 while it has no text yet."""
    document = settle_document(_document(request), time.time())
    if document["process_status"] != "done":
        message = f"Document {document['id']} has no text content yet: it is being processed"
        raise ApiError(404, message, param="document_id")
    return document


async def text_content(request: Request) -> Response:
    return JSONResponse({"text": _processed(request)["_text"]})


async def document_status(request: Request) -> Response:
    document = settle_document(_document(request), time.time())
    return JSONResponse(
        {
            "document_id": document["id"],
            "process_status": document["process_status"],
            "processing_status": document["processing_status"],
        }
    )


async def reprocess_document(request: Request) -> Response:
    with _store(request).lock:
        reprocess(_document(request), request.app.state, time.time())
    return Response(status_code=204)


# -- signed URLs -------------------------------------------------------------------------------


def _signature(document_id: str, part: str, expires: int) -> str:
    message = f"{document_id}:{part}:{expires}".encode()
    return hmac.new(_SIGNING_KEY, message, hashlib.sha256).hexdigest()


def _signed_url(request: Request, document: dict[str, Any], part: str) -> str:
    expires = int(time.time()) + SIGNED_URL_SECONDS
    signature = _signature(document["id"], part, expires)
    base = str(request.base_url).rstrip("/")
    return (
        f"{base}{SIGNED_PATH}/{document['id']}?part={part}&expires={expires}&signature={signature}"
    )


async def signed_url(request: Request) -> Response:
    return JSONResponse(_signed_url(request, _document(request), "content"))


async def extracted_text_signed_url(request: Request) -> Response:
    return JSONResponse(_signed_url(request, _processed(request), "text"))


async def signed_download(request: Request) -> Response:
    """What a signed URL serves: the document's bytes, or its extracted text."""
    document_id = request.path_params["document_id"]
    query = request.query_params
    part, expires, signature = (
        query.get("part", ""),
        query.get("expires", ""),
        query.get("signature", ""),
    )
    valid = expires.isdigit() and hmac.compare_digest(
        signature, _signature(document_id, part, int(expires))
    )
    if not valid:
        raise ApiError(403, "Invalid signature for this document URL")
    if int(expires) < time.time():
        raise ApiError(403, "This signed URL has expired")
    store = _store(request)
    with store.lock:
        found = next(
            (
                library["_documents"][document_id]
                for library in store.items.values()
                if document_id in library["_documents"]
            ),
            None,
        )
    if found is None:
        raise ApiError(404, f"Document {document_id} not found")
    if part == "text":
        return Response(found["_text"].encode(), media_type="text/plain; charset=utf-8")
    return Response(found["_content"], media_type=found["mime_type"] or "application/octet-stream")


# -- accesses ----------------------------------------------------------------------------------


def _entity(body: dict[str, Any]) -> tuple[str, str]:
    org = body.get("org_id")
    if org is not None and org != LOCAL_ORG_ID:
        raise ApiError(400, "A library cannot be shared outside of the organization")
    return str(body["share_with_type"]), str(body["share_with_uuid"])


def _is_owner(kind: str, entity: str) -> bool:
    return kind == "User" and entity == LOCAL_USER_ID


async def list_accesses(request: Request) -> Response:
    return JSONResponse({"data": [dict(a) for a in _library(request)["_accesses"]]})


async def share_library(request: Request) -> Response:
    body = await json_body(request)
    kind, entity = _entity(body)
    if _is_owner(kind, entity):
        raise ApiError(400, "An owner cannot change their own role")
    with _store(request).lock:
        library = _library(request)
        access = access_json(library["id"], str(body["level"]), kind, entity)
        accesses: list[dict[str, Any]] = library["_accesses"]
        kept = [
            a for a in accesses if (a["share_with_type"], a["share_with_uuid"]) != (kind, entity)
        ]
        library["_accesses"] = [*kept, access]
    return JSONResponse(access)


async def unshare_library(request: Request) -> Response:
    body = await json_body(request)
    kind, entity = _entity(body)
    if _is_owner(kind, entity):
        raise ApiError(400, "An owner cannot delete their own access")
    with _store(request).lock:
        library = _library(request)
        accesses: list[dict[str, Any]] = library["_accesses"]
        found = next(
            (a for a in accesses if (a["share_with_type"], a["share_with_uuid"]) == (kind, entity)),
            None,
        )
        if found is None:
            raise ApiError(404, f"{kind} {entity} has no access to this library")
        accesses.remove(found)
    return JSONResponse(found)


routes: list[BaseRoute] = [
    Route(PATH, list_libraries, methods=["GET"]),
    Route(PATH, create_library, methods=["POST"]),
    Route(PATH + "/{library_id}", get_library, methods=["GET"]),
    Route(PATH + "/{library_id}", update_library, methods=["PUT"]),
    Route(PATH + "/{library_id}", delete_library, methods=["DELETE"]),
    Route(DOCUMENTS, list_documents, methods=["GET"]),
    Route(DOCUMENTS, upload_document, methods=["POST"]),
    Route(DOCUMENT, get_document, methods=["GET"]),
    Route(DOCUMENT, update_document, methods=["PUT"]),
    Route(DOCUMENT, delete_document, methods=["DELETE"]),
    Route(DOCUMENT + "/text_content", text_content, methods=["GET"]),
    Route(DOCUMENT + "/status", document_status, methods=["GET"]),
    Route(DOCUMENT + "/signed-url", signed_url, methods=["GET"]),
    Route(DOCUMENT + "/extracted-text-signed-url", extracted_text_signed_url, methods=["GET"]),
    Route(DOCUMENT + "/reprocess", reprocess_document, methods=["POST"]),
    Route(PATH + "/{library_id}/share", list_accesses, methods=["GET"]),
    Route(PATH + "/{library_id}/share", share_library, methods=["PUT"]),
    Route(PATH + "/{library_id}/share", unshare_library, methods=["DELETE"]),
    Route(SIGNED_PATH + "/{document_id}", signed_download, methods=["GET"]),
]
