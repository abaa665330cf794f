"""Document libraries (``/v1/libraries``): libraries, their documents and who may use them.

A document is processed as a job is (:mod:`.timeline`): ``todo`` when uploaded, ``in_progress``
after ``store.job_timings.queued`` seconds, ``done`` ``job_timings.running`` seconds later (0.05
and 0.2 by default), each read asking the plan where it is at that moment. Its text is extracted
at upload, as the OCR route would: a UTF-8 text file is its own text, a PDF or an image (or any
other binary) is read by the simulated OCR model (:func:`..._models.ocr.run_ocr`), its pages'
markdown joined. Only processed documents are searched.

:func:`search_documents` is the search a conversation's ``document_library`` tool runs.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import re
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from .._models.ocr import Document, run_ocr
from .._models.text import STOPWORDS, count_tokens
from .._spec.error_bodies import ApiError
from .store import state_object, state_store
from .timeline import Plan, Step
from .voices import LOCAL_USER_ID, iso_now

LOCAL_ORG_ID = "00000000-0000-4000-8000-0000000000a9"
"""The organization of the local server's one user."""
_KEY = "mistral_libraries"
DEFAULT_CHUNK_WORDS = 200
# ProcessStatus → the readOnly `processing_status` words the API shows beside it.
PROCESSING_WORDS = {"todo": "Queued", "in_progress": "Running", "done": "Completed"}
FINAL_STATUSES = frozenset({"done", "error", "noop", "missing_content", "self_managed"})
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-ndjson")
_WORD = re.compile(r"\w+")


@dataclass
class Libraries:
    """Library id → library (the spec's ``LibraryOut`` fields, plus private ``_`` keys:
    ``_documents``, document id → document; ``_accesses``, the ``SharingOut`` list)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        now = iso_now()
        library_id = str(uuid.uuid4())
        library: dict[str, Any] = {
            "id": library_id,
            "name": body["name"],
            "created_at": now,
            "updated_at": now,
            "owner_id": LOCAL_USER_ID,
            "owner_type": "User",
            "total_size": 0,
            "nb_documents": 0,
            "chunk_size": body.get("chunk_size"),
            "emoji": None,
            "description": body.get("description"),
            "generated_description": None,
            "explicit_user_members_count": 0,
            "explicit_workspace_members_count": 0,
            "org_sharing_role": None,
            "generated_name": None,
            "_documents": {},
            "_accesses": [access_json(library_id, "Owner", "User", LOCAL_USER_ID)],
        }
        with self.lock:
            self.items[library_id] = library
        return library

    def get(self, library_id: str) -> dict[str, Any]:
        """The library ``library_id`` names, or 404."""
        with self.lock:
            found = self.items.get(library_id)
        if found is None:
            raise ApiError(404, f"Library {library_id} not found", param="library_id")
        return found

    def delete(self, library_id: str) -> dict[str, Any]:
        with self.lock:
            library = self.get(library_id)
            del self.items[library_id]
        return library

    def document(self, library_id: str, document_id: str) -> dict[str, Any]:
        """The document of that library, or 404."""
        found: dict[str, Any] | None = self.get(library_id)["_documents"].get(document_id)
        if found is None:
            message = f"Document {document_id} not found in library {library_id}"
            raise ApiError(404, message, param="document_id")
        return found

    def documents(self, library_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.get(library_id)["_documents"].values())


def access_json(library_id: str, role: str, kind: str, entity: str) -> dict[str, Any]:
    """An access as the spec's ``SharingOut``, granted by the local user."""
    return {
        "library_id": library_id,
        "user_id": LOCAL_USER_ID,
        "org_id": LOCAL_ORG_ID,
        "role": role,
        "share_with_type": kind,
        "share_with_uuid": entity,
    }


def libraries(request: Request) -> Libraries:
    """The libraries of the app serving ``request``."""
    return libraries_of(request.app.state)


def libraries_of(state: Any) -> Libraries:
    """The libraries kept in a Starlette app's ``state`` (``request.app.state``)."""
    return state_object(state, _KEY, Libraries)


def library_json(library: dict[str, Any]) -> dict[str, Any]:
    """The library as the spec's ``LibraryOut``, its counts as of now."""
    documents = list(library["_documents"].values())
    out = {key: value for key, value in library.items() if not key.startswith("_")}
    out["nb_documents"] = len(documents)
    out["total_size"] = sum(len(document["_content"]) for document in documents)
    accesses = library["_accesses"][1:]
    out["explicit_user_members_count"] = sum(a["share_with_type"] == "User" for a in accesses)
    out["explicit_workspace_members_count"] = sum(
        a["share_with_type"] == "Workspace" for a in accesses
    )
    return out


# -- documents ---------------------------------------------------------------------------------


def extract_text(name: str, content: bytes, mime_type: str | None) -> tuple[str, int]:
    """A document's text and its page count: the text itself for a text file, otherwise what
    the simulated OCR model reads in it."""
    textual = mime_type is not None and mime_type.startswith(_TEXT_TYPES)
    if textual or mime_type is None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return text, text.count("\f") + 1
    is_image = mime_type is not None and mime_type.startswith("image/")
    result = run_ocr(Document(name, content, is_image), {}, "mistral-ocr-latest")
    pages = [page["markdown"] for page in result["pages"]]
    return "\n\n".join(pages), len(pages)


def add_document(
    store: Libraries,
    state: Any,
    library_id: str,
    name: str,
    content: bytes,
    mime_type: str | None,
    now: float,
) -> tuple[dict[str, Any], bool]:
    """Upload a document; returns it and whether it is new (a document with the same bytes
    already in the library is returned instead, as the API does)."""
    digest = hashlib.md5(content).hexdigest()  # a content hash, as the API's `hash`
    with store.lock:
        library = store.get(library_id)
        for existing in library["_documents"].values():
            if existing["hash"] == digest:
                return existing, False
    mime_type = mime_type or mimetypes.guess_type(name)[0]
    if mime_type == "application/octet-stream":
        mime_type = mimetypes.guess_type(name)[0] or mime_type
    text, pages = extract_text(name, content, mime_type)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else None
    tokens = count_tokens(text)
    document: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "library_id": library_id,
        "hash": digest,
        "mime_type": mime_type,
        "extension": suffix,
        "size": len(content),
        "name": name,
        "summary": None,
        "created_at": iso_now(),
        "last_processed_at": None,
        "number_of_pages": None,
        "process_status": "todo",
        "uploaded_by_id": LOCAL_USER_ID,
        "uploaded_by_type": "User",
        "tokens_processing_main_content": None,
        "tokens_processing_summary": None,
        "url": None,
        "attributes": None,
        "processing_status": PROCESSING_WORDS["todo"],
        "tokens_processing_total": 0,
        "_content": content,
        "_text": text,
        "_pages": pages,
        "_tokens": tokens,
        "_plan": Plan(_processing(state, now)),
    }
    with store.lock:
        library = store.get(library_id)
        library["_documents"][document["id"]] = document
        library["updated_at"] = iso_now()
    return document, True


def _processing(state: Any, now: float) -> list[Step]:
    timings = state_store(state).job_timings
    running = now + timings.queued
    done = running + timings.running
    return [Step(now, "todo"), Step(running, "in_progress"), Step(done, "done")]


def reprocess(document: dict[str, Any], state: Any, now: float) -> None:
    """Process the document again, from ``todo``."""
    plan: Plan = document["_plan"]
    plan.replan(now, _processing(state, now))


def settle_document(document: dict[str, Any], now: float) -> dict[str, Any]:
    """Bring the document to ``now``: its status and, once processed, what processing gives."""
    step = document["_plan"].current(now)
    status = step.status
    document["process_status"] = status
    document["processing_status"] = PROCESSING_WORDS.get(status, status)
    if status == "done":
        text: str = document["_text"]
        summary = " ".join(text.split()[:12])
        document.update(
            last_processed_at=iso_at(step.at),
            number_of_pages=document["_pages"],
            summary=summary or None,
            tokens_processing_main_content=document["_tokens"],
            tokens_processing_summary=count_tokens(summary),
            tokens_processing_total=document["_tokens"] + count_tokens(summary),
        )
    return document


def iso_at(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat().replace("+00:00", "Z")


def document_json(document: dict[str, Any], now: float) -> dict[str, Any]:
    """The document as the spec's ``DocumentOut``, as of ``now``."""
    settle_document(document, now)
    return {key: value for key, value in document.items() if not key.startswith("_")}


# -- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentHit:
    """A passage of a processed document that matches a query."""

    library_id: str
    document_id: str
    document_name: str
    text: str
    score: float


def _terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _chunks(text: str, words_per_chunk: int) -> Iterable[str]:
    words = text.split()
    for start in range(0, len(words), words_per_chunk):
        yield " ".join(words[start : start + words_per_chunk])


def search_documents(
    state: Any,
    library_ids: Sequence[str],
    query: str,
    *,
    limit: int = 5,
    now: float | None = None,
) -> list[DocumentHit]:
    """Search the processed documents of the given libraries for ``query``: what a
    conversation's ``document_library`` tool finds.

    Each document's text is cut into passages of the library's ``chunk_size`` words (200 when
    unset); a passage scores the share of the query's words (stop words aside, case ignored)
    it contains, and passages with none are left out. Unknown library ids are skipped.

    :param state: the Starlette app's state (``request.app.state``) of the server.
    :returns: at most ``limit`` hits, best first (ties in library, then upload order).
    """
    moment = time.time() if now is None else now
    wanted = set(_terms(query))
    if not wanted:
        return []
    store = libraries_of(state)
    hits: list[DocumentHit] = []
    with store.lock:
        found = [store.items[i] for i in dict.fromkeys(library_ids) if i in store.items]
        for library in found:
            size = library["chunk_size"] or DEFAULT_CHUNK_WORDS
            for document in library["_documents"].values():
                if settle_document(document, moment)["process_status"] != "done":
                    continue
                for passage in _chunks(document["_text"], max(1, size)):
                    score = len(wanted & set(_terms(passage))) / len(wanted)
                    if score > 0:
                        hits.append(
                            DocumentHit(
                                library["id"], document["id"], document["name"], passage, score
                            )
                        )
    hits.sort(key=lambda hit: -hit.score)  # stable: ties keep library and upload order
    return hits[: max(0, limit)]


def total_pages(total: int, size: int) -> int:
    return math.ceil(total / size) if size else 0
