"""The local server's document libraries over real HTTP: every ``beta.libraries*`` operation,
documents processed on their timeline, text extracted as the OCR route does, signed URLs, and
the search a conversation's ``document_library`` tool runs."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mistral_async.testing import LocalServer
from mistral_async.testing._state.libraries import search_documents
from tests._support.jobs import job_timings

AUTH = {"Authorization": "Bearer test-key"}
LIBRARIES = "/v1/libraries"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as plain:
        yield plain


def new_library(http: httpx.Client, name: str = "Handbook", **fields: Any) -> dict[str, Any]:
    reply = http.post(LIBRARIES, json={"name": name, **fields})
    assert reply.status_code == 201, reply.text
    library: dict[str, Any] = reply.json()
    return library


def upload(
    http: httpx.Client, library_id: str, name: str, content: bytes, media: str
) -> httpx.Response:
    files = {"file": (name, content, media)}
    return http.post(f"{LIBRARIES}/{library_id}/documents", files=files)


def wait_done(http: httpx.Client, library_id: str, document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        status = http.get(f"{LIBRARIES}/{library_id}/documents/{document_id}/status").json()
        if status["process_status"] == "done":
            document: dict[str, Any] = http.get(
                f"{LIBRARIES}/{library_id}/documents/{document_id}"
            ).json()
            return document
        time.sleep(0.02)
    raise AssertionError("the document was never processed")


def test_libraries_crud(http: httpx.Client) -> None:
    library = new_library(http, "Policies", description="Company rules", chunk_size=64)
    assert library["nb_documents"] == 0
    assert library["chunk_size"] == 64
    assert library["id"] in [item["id"] for item in http.get(LIBRARIES).json()["data"]]
    assert http.get(f"{LIBRARIES}/{library['id']}").json()["name"] == "Policies"
    updated = http.put(f"{LIBRARIES}/{library['id']}", json={"name": "Rules"}).json()
    assert updated["name"] == "Rules"
    assert updated["description"] == "Company rules"
    assert http.delete(f"{LIBRARIES}/{library['id']}").json()["id"] == library["id"]
    assert http.get(f"{LIBRARIES}/{library['id']}").status_code == 404


def test_documents_are_processed_on_a_timeline(http: httpx.Client, server: LocalServer) -> None:
    library = new_library(http)
    with job_timings(server, queued=0.1, running=0.2):
        reply = upload(
            http, library["id"], "travel.md", b"# Travel\n\nBook trains early.", "text/markdown"
        )
    assert reply.status_code == 201
    document = reply.json()
    assert document["process_status"] == "todo"
    assert document["processing_status"] == "Queued"
    path = f"{LIBRARIES}/{library['id']}/documents/{document['id']}"
    assert http.get(path + "/text_content").status_code == 404  # not processed yet
    seen = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and (not seen or seen[-1] != "done"):
        status = http.get(path + "/status").json()["process_status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.02)
    assert seen == ["todo", "in_progress", "done"]
    done = http.get(path).json()
    assert done["processing_status"] == "Completed"
    assert done["last_processed_at"]
    assert done["tokens_processing_total"] > 0
    assert done["number_of_pages"] == 1
    assert done["extension"] == "md"
    assert done["mime_type"] == "text/markdown"
    assert http.get(path + "/text_content").json() == {"text": "# Travel\n\nBook trains early."}
    assert http.get(f"{LIBRARIES}/{library['id']}").json()["nb_documents"] == 1
    # Reprocessing starts again from todo, and answers 204.
    again = http.post(path + "/reprocess")
    assert again.status_code == 204
    assert again.content == b""
    assert http.get(path + "/status").json()["process_status"] == "todo"


def test_a_pdf_is_read_as_the_ocr_route_reads_it(http: httpx.Client) -> None:
    library = new_library(http)
    document = upload(http, library["id"], "scan.pdf", PDF, "application/pdf").json()
    done = wait_done(http, library["id"], document["id"])
    text = http.get(f"{LIBRARIES}/{library['id']}/documents/{document['id']}/text_content").json()[
        "text"
    ]
    data_url = "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    source = {"type": "document_url", "document_url": data_url, "document_name": "scan.pdf"}
    ocr = http.post("/v1/ocr", json={"model": "mistral-ocr-latest", "document": source}).json()
    assert text == "\n\n".join(page["markdown"] for page in ocr["pages"])
    assert done["number_of_pages"] == len(ocr["pages"])


def test_same_bytes_return_the_existing_document(http: httpx.Client) -> None:
    library = new_library(http)
    first = upload(http, library["id"], "a.txt", b"same text", "text/plain")
    second = upload(http, library["id"], "b.txt", b"same text", "text/plain")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_list_pages_search_filters_and_sort(http: httpx.Client) -> None:
    library = new_library(http)
    ids = []
    for n, name in enumerate(["alpha.txt", "beta.txt", "gamma.txt"]):
        document = upload(
            http, library["id"], name, f"document {name} body {n}".encode(), "text/plain"
        ).json()
        ids.append(document["id"])
    documents = f"{LIBRARIES}/{library['id']}/documents"
    http.put(f"{documents}/{ids[1]}", json={"attributes": {"team": "hr", "year": 2025}})
    listed = http.get(documents, params={"page_size": 2}).json()
    assert listed["pagination"] == {
        "total_items": 3, "total_pages": 2, "current_page": 0, "page_size": 2, "has_more": True,
    }  # fmt: skip
    assert [d["id"] for d in listed["data"]] == [ids[2], ids[1]]  # newest first
    last = http.get(documents, params={"page_size": 2, "page": 1}).json()
    assert [d["id"] for d in last["data"]] == [ids[0]]
    assert not last["pagination"]["has_more"]
    by_name = http.get(documents, params={"sort_by": "name", "sort_order": "asc"}).json()
    assert [d["name"] for d in by_name["data"]] == ["alpha.txt", "beta.txt", "gamma.txt"]
    assert [d["id"] for d in http.get(documents, params={"search": "GAMMA"}).json()["data"]] == [
        ids[2]
    ]
    filtered = http.get(documents, params={"filters_attributes": '{"team": ["hr", "it"]}'}).json()
    assert [d["id"] for d in filtered["data"]] == [ids[1]]
    for bad in ({"filters_attributes": "[1]"}, {"sort_order": "up"}, {"page_size": 101}):
        assert http.get(documents, params=bad).status_code == 422


def test_update_delete_and_signed_urls(http: httpx.Client, server: LocalServer) -> None:
    library = new_library(http)
    content = b"Signed content."
    document = upload(http, library["id"], "s.txt", content, "text/plain").json()
    path = f"{LIBRARIES}/{library['id']}/documents/{document['id']}"
    renamed = http.put(path, json={"name": "renamed.txt"}).json()
    assert renamed["name"] == "renamed.txt"
    url = http.get(path + "/signed-url").json()
    assert isinstance(url, str)
    assert url.startswith(server.url)
    assert httpx.get(url).content == content  # no API key: the signature lets it through
    wait_done(http, library["id"], document["id"])
    text_url = http.get(path + "/extracted-text-signed-url").json()
    assert httpx.get(text_url).text == "Signed content."
    assert httpx.get(url.replace("signature=", "signature=0")).status_code == 403
    deleted = http.delete(path)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert http.get(path).status_code == 404


def test_accesses(http: httpx.Client) -> None:
    library = new_library(http)
    share = f"{LIBRARIES}/{library['id']}/share"
    [owner] = http.get(share).json()["data"]
    assert owner["role"] == "Owner"
    workspace = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    entity = {"share_with_uuid": workspace, "share_with_type": "Workspace"}
    granted = http.put(share, json={**entity, "level": "Viewer"}).json()
    assert granted["role"] == "Viewer"
    assert http.put(share, json={**entity, "level": "Editor"}).json()["role"] == "Editor"
    assert len(http.get(share).json()["data"]) == 2
    assert http.get(f"{LIBRARIES}/{library['id']}").json()["explicit_workspace_members_count"] == 1
    own = {
        "share_with_uuid": owner["share_with_uuid"],
        "share_with_type": "User",
        "level": "Viewer",
    }
    assert http.put(share, json=own).status_code == 400
    removed = http.request("DELETE", share, json=entity)
    assert removed.json()["share_with_uuid"] == workspace
    assert http.request("DELETE", share, json=entity).status_code == 404


def test_search_documents_for_the_document_library_tool(
    http: httpx.Client, server: LocalServer
) -> None:
    first, second = new_library(http, chunk_size=5), new_library(http)
    text = b"Trains leave at nine. Expenses need receipts always. Nothing else here matters."
    pending = upload(http, second["id"], "late.txt", b"trains trains trains", "text/plain")
    with job_timings(server, queued=0.0, running=0.0):
        document = upload(http, first["id"], "policy.txt", text, "text/plain").json()
    wait_done(http, first["id"], document["id"])
    hits = search_documents(
        _app_state(server), [first["id"], second["id"], "unknown"], "When do the trains leave?"
    )
    assert hits
    assert hits[0].document_id == document["id"]
    assert hits[0].text == "Trains leave at nine. Expenses"  # a passage of 5 words
    assert hits[0].score == 1.0
    # A document still being processed is not found yet.
    assert pending.json()["id"] not in [hit.document_id for hit in hits]
    assert search_documents(_app_state(server), [first["id"]], "the of") == []


def _app_state(server: LocalServer) -> Any:
    """What a route has as ``request.app.state``: the state of the app serving the routes."""
    return server.app._routes.state
