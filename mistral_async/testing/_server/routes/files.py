"""``/v1/files``: upload, list, retrieve, delete, download and signed URLs.

Files live in the app's :class:`~..._state.store.Store` (other routes read them: fine-tuning and
batch jobs take their input there, batch jobs write their results there). A signed URL is
``/v1/files/{id}/content?expires=...&signature=...``: the same download, allowed without an API
key (the auth middleware lets such a request through) because the HMAC proves the server issued
it; a wrong or expired signature gets 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._spec.error_bodies import ApiError
from ..._spec.multipart import FormValue, multipart_files, parse_multipart
from ..._state.store import StoredFile, settled_store, store
from ._request import bool_query, check_body, enum_query, int_query, invalid, page

PATH = "/v1/files"
PURPOSES = ("fine-tune", "batch", "ocr")
SOURCES = ("upload", "repository", "mistral")
SAMPLE_TYPES = ("pretrain", "instruct", "batch_request", "batch_result", "batch_error")
DEFAULT_URL_EXPIRY_HOURS = 24
# Per process: a signed URL is only good on a server of the process that signed it.
_SIGNING_KEY = secrets.token_bytes(32)


def file_json(stored: StoredFile) -> dict[str, Any]:
    """A stored file as the spec's ``FileSchema``."""
    return {
        "id": stored.id,
        "object": "file",
        "bytes": len(stored.content),
        "created_at": stored.created_at,
        "filename": stored.filename,
        "purpose": stored.purpose,
        "sample_type": stored.sample_type or sample_type(stored),
        "num_lines": stored.num_lines,
        "mimetype": stored.mimetype,
        "source": stored.source,
        "signature": None,
        "expires_at": stored.expires_at,
        "visibility": stored.visibility,
    }


def sample_type(stored: StoredFile) -> str:
    """What the API reports for a file: batch inputs and outputs by who wrote them, fine-tuning
    data by its first record (``text`` → pretrain, otherwise instruct)."""
    if stored.purpose == "batch":
        if stored.source == "upload":
            return "batch_request"
        return "batch_error" if "error" in stored.filename else "batch_result"
    first = stored.content.split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:
        record = None
    if isinstance(record, dict) and "text" in record and "messages" not in record:
        return "pretrain"
    # Also for OCR files: the spec's SampleType has no value for them.
    return "instruct"


def found_file(request: Request, file_id: str) -> StoredFile:
    """The live file ``file_id`` names, or 404 (a malformed id is unknown too)."""
    stored = settled_store(request).get_file(file_id)
    if stored is None:
        raise ApiError(404, f"File {file_id} not found", param="file_id")
    return stored


# -- upload ------------------------------------------------------------------------------------


def _form_text(form: dict[str, list[FormValue]], name: str) -> str | None:
    values = form.get(name) or []
    return values[0] if values and isinstance(values[0], str) else None


async def upload_file(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise invalid(("body",), "expected a multipart/form-data body", content_type, "media")
    body = await request.body()
    form = parse_multipart(body, content_type)
    check_body(request, form, content_type)
    part = multipart_files(body, content_type).get("file")
    if part is None:
        raise invalid(("body", "file"), "Field required", None, "required")
    purpose = _form_text(form, "purpose") or "fine-tune"
    if purpose not in PURPOSES:
        raise invalid(("body", "purpose"), f"Input should be one of {PURPOSES}", purpose, "enum")
    expiry = _form_text(form, "expiry")
    if expiry is not None and not expiry.lstrip("-").isdigit():
        raise invalid(("body", "expiry"), "Input should be a valid integer", expiry, "type")
    created = int(time.time())
    stored = store(request).add_file(
        part.filename,
        purpose,
        part.content,
        mimetype=part.content_type,
        visibility=_form_text(form, "visibility") or "workspace",
        # Hours, as for signed URLs: the spec does not say, and hours is what the API uses there.
        expires_at=created + int(expiry) * 3600 if expiry else None,
    )
    return JSONResponse(file_json(stored))


# -- list, retrieve, delete ----------------------------------------------------------------------


def _filter(request: Request) -> Callable[[StoredFile], bool]:
    """The list's filters: each one given must match (a list filter: any of its values)."""
    purposes = enum_query(request, "purpose", PURPOSES)
    sources = enum_query(request, "source", SOURCES)
    sample_types = enum_query(request, "sample_type", SAMPLE_TYPES)
    mimetypes = request.query_params.getlist("mimetypes")
    search = (request.query_params.get("search") or "").lower()

    def matches(stored: StoredFile) -> bool:
        return (
            not stored.deleted
            and (not purposes or stored.purpose in purposes)
            and (not sources or stored.source in sources)
            and (not sample_types or (stored.sample_type or sample_type(stored)) in sample_types)
            and (not mimetypes or stored.mimetype in mimetypes)
            and search in stored.filename.lower()
        )

    return matches


async def list_files(request: Request) -> Response:
    include_total = bool_query(request, "include_total", True)
    matches = _filter(request)
    files_store = settled_store(request)
    with files_store.lock:
        files = list(files_store.files.values())
    # Newest first; dict order is upload order.
    matching = [file_json(f) for f in reversed(files) if matches(f)]
    return JSONResponse(page(request, matching, include_total=include_total))


async def retrieve_file(request: Request) -> Response:
    stored = found_file(request, request.path_params["file_id"])
    return JSONResponse({**file_json(stored), "deleted": False})


async def delete_file(request: Request) -> Response:
    files = store(request)
    with files.lock:
        stored = found_file(request, request.path_params["file_id"])
        stored.deleted = True
    return JSONResponse({"id": stored.id, "object": "file", "deleted": True})


# -- content and signed URLs ---------------------------------------------------------------------


def _signature(file_id: str, expires: int) -> str:
    message = f"{file_id}:{expires}".encode()
    return hmac.new(_SIGNING_KEY, message, hashlib.sha256).hexdigest()


def _check_signature(request: Request, file_id: str) -> None:
    query = request.query_params
    expires, signature = query.get("expires", ""), query.get("signature", "")
    valid = expires.isdigit() and hmac.compare_digest(signature, _signature(file_id, int(expires)))
    if not valid:
        raise ApiError(403, "Invalid signature for this file URL")
    if int(expires) < time.time():
        raise ApiError(403, "This signed URL has expired")


async def download_file(request: Request) -> Response:
    file_id = request.path_params["file_id"]
    if "signature" in request.query_params:
        _check_signature(request, file_id)
    stored = found_file(request, file_id)
    # The spec declares only application/octet-stream, whatever the file's own type.
    disposition = f"attachment; filename*=UTF-8''{quote(stored.filename, safe='')}"
    return Response(
        stored.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": disposition},
    )


async def signed_url(request: Request) -> Response:
    stored = found_file(request, request.path_params["file_id"])
    hours = int_query(request, "expiry", DEFAULT_URL_EXPIRY_HOURS, 1)
    expires = int(time.time()) + hours * 3600
    url = (
        f"{str(request.base_url).rstrip('/')}{PATH}/{stored.id}/content"
        f"?expires={expires}&signature={_signature(stored.id, expires)}"
    )
    return JSONResponse({"url": url})


routes: list[BaseRoute] = [
    Route(PATH, upload_file, methods=["POST"]),
    Route(PATH, list_files, methods=["GET"]),
    Route(PATH + "/{file_id}", retrieve_file, methods=["GET"]),
    Route(PATH + "/{file_id}", delete_file, methods=["DELETE"]),
    Route(PATH + "/{file_id}/content", download_file, methods=["GET"]),
    Route(PATH + "/{file_id}/url", signed_url, methods=["GET"]),
]
