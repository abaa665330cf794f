"""``client.beta.libraries`` against the local server: every operation of the three tags,
async (asyncio and trio) and sync, documents waited for, pages iterated, 204 and bare-string
replies, faults and argument errors."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    JobWaitTimeoutError,
    Mistral,
    NotFoundError,
)
from mistral_async.testing import LocalServer
from mistral_async.types.libraries import LibraryOut, ListLibraryOut, SharingOut
from mistral_async.types.library_documents import (
    DocumentOut,
    DocumentTextContent,
    ListDocumentOut,
    ProcessingStatusOut,
)
from tests._support.jobs import MISSING, POLL, job_timings

WORKSPACE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
QUICK_RETRY = {"retry-after-ms": "10"}
TEXT = b"# Travel policy\n\nBook trains early. Keep every receipt."


@pytest.mark.anyio
async def test_libraries_create_list_get_update_delete(client: AsyncMistral) -> None:
    libraries = client.beta.libraries
    library = await libraries.create(name="Handbook", description="Rules", chunk_size=128)
    assert isinstance(library, LibraryOut)
    assert library.chunk_size == 128
    listed = await libraries.list()
    assert isinstance(listed, ListLibraryOut)
    assert library.id in [item.id for item in listed.data]
    assert (await libraries.get(library.id)).name == "Handbook"
    updated = await libraries.update(library.id, name="Rules")
    assert updated.name == "Rules"
    assert updated.description == "Rules"
    assert (await libraries.delete(library.id)).id == library.id
    with pytest.raises(NotFoundError):
        await libraries.get(library.id)


@pytest.mark.anyio
async def test_upload_wait_and_read_a_document(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    library = await client.beta.libraries.create(name="Docs")
    documents = client.beta.libraries.documents
    path = tmp_path / "policy.md"
    path.write_bytes(TEXT)
    document = await documents.upload(library.id, path)
    assert isinstance(document, DocumentOut)
    assert document.name == "policy.md"
    assert not document.done
    assert document.mime_type == "text/markdown"
    done = await documents.wait(library.id, document.id, poll_interval=POLL)
    assert done.done
    assert done.process_status == "done"
    assert not done.failed
    text = await documents.text_content(library.id, document.id)
    assert isinstance(text, DocumentTextContent)
    assert text.text == TEXT.decode()
    status = await documents.status(library.id, document.id)
    assert isinstance(status, ProcessingStatusOut)
    assert status.done
    # bytes and binary file objects too, with the part named as asked
    from_bytes = await documents.upload(library.id, b"bytes body", filename="b.txt")
    from_object = await documents.upload(library.id, io.BytesIO(b"object body"), filename="o.txt")
    assert (from_bytes.name, from_object.name) == ("b.txt", "o.txt")
    # the same content again is the same document
    assert (await documents.upload(library.id, b"bytes body", filename="c.txt")).id == from_bytes.id


@pytest.mark.anyio
async def test_wait_gives_up_after_its_timeout(client: AsyncMistral, server: LocalServer) -> None:
    library = await client.beta.libraries.create(name="Slow")
    with job_timings(server, running=30):
        document = await client.beta.libraries.documents.upload(
            library.id, b"slow", filename="s.txt"
        )
    with pytest.raises(JobWaitTimeoutError):
        await client.beta.libraries.documents.wait(
            library.id, document.id, poll_interval=POLL, timeout=0.1
        )


@pytest.mark.anyio
async def test_list_iterates_across_pages(client: AsyncMistral) -> None:
    library = await client.beta.libraries.create(name="Pages")
    documents = client.beta.libraries.documents
    made = [
        (await documents.upload(library.id, f"doc {n}".encode(), filename=f"d{n}.txt")).id
        for n in range(5)
    ]
    first = await documents.list(library.id, page_size=2)
    assert isinstance(first, ListDocumentOut)
    assert first.pagination.total_items == 5
    assert first.pagination.has_more
    seen = [document.id async for document in documents.list(library.id, page_size=2)]
    assert seen == made[::-1]  # newest first, every page
    ascending = documents.list(library.id, sort_by="name", sort_order="asc", search="d")
    assert [d.name async for d in ascending] == [f"d{n}.txt" for n in range(5)]


@pytest.mark.anyio
async def test_update_delete_reprocess_and_signed_urls(client: AsyncMistral) -> None:
    library = await client.beta.libraries.create(name="Urls")
    documents = client.beta.libraries.documents
    document = await documents.upload(library.id, TEXT, filename="t.md")
    renamed = await documents.update(
        library.id, document.id, name="renamed.md", attributes={"year": 2025}
    )
    assert renamed.name == "renamed.md"
    assert renamed.attributes == {"year": 2025}
    url = await documents.get_signed_url(library.id, document.id)
    assert isinstance(url, str)
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(url)).content == TEXT
        await documents.wait(library.id, document.id, poll_interval=POLL)
        text_url = await documents.get_extracted_text_signed_url(library.id, document.id)
        assert (await plain.get(text_url)).text == TEXT.decode()
    assert await documents.reprocess(library.id, document.id) is None
    assert not (await documents.status(library.id, document.id)).done
    assert await documents.delete(library.id, document.id) is None
    with pytest.raises(NotFoundError):
        await documents.get(library.id, document.id)


@pytest.mark.anyio
async def test_accesses(client: AsyncMistral) -> None:
    library = await client.beta.libraries.create(name="Shared")
    accesses = client.beta.libraries.accesses
    [owner] = (await accesses.list(library.id)).data
    assert owner.role == "Owner"
    given = await accesses.update_or_create(
        library.id, share_with_uuid=WORKSPACE, share_with_type="Workspace", level="Viewer"
    )
    assert isinstance(given, SharingOut)
    assert given.role == "Viewer"
    assert len((await accesses.list(library.id)).data) == 2
    with pytest.raises(BadRequestError):
        await accesses.update_or_create(
            library.id,
            share_with_uuid=str(owner.share_with_uuid),
            share_with_type="User",
            level="Editor",
        )
    removed = await accesses.delete(
        library.id, share_with_uuid=WORKSPACE, share_with_type="Workspace"
    )
    assert removed.share_with_uuid == WORKSPACE


@pytest.mark.anyio
async def test_uploads_are_sent_again_on_retry(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    library = await client.beta.libraries.create(name="Retry")
    path = tmp_path / "again.txt"
    path.write_bytes(b"sent twice")
    server.faults.add("status", status=503, headers=QUICK_RETRY, path="/v1/libraries/*/documents")
    document = await client.beta.libraries.documents.upload(library.id, path)
    assert document.size == len(b"sent twice")
    server.exchanges.wait_idle()
    uploads = [e for e in server.exchanges if e.method == "POST" and e.path.endswith("/documents")]
    assert len(uploads) == 2
    assert b"sent twice" in uploads[1].request_body


@pytest.mark.anyio
async def test_argument_errors_are_raised_before_sending(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    libraries = client.beta.libraries
    with pytest.raises(ArgumentError, match="name"):
        await libraries.create()  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match="library_id"):
        await libraries.get("")
    with pytest.raises(ArgumentError, match="file"):
        await libraries.documents.upload(MISSING, tmp_path / "absent.txt")
    with pytest.raises(ArgumentError, match="page_size"):
        libraries.documents.list(MISSING, page_size=101)
    with pytest.raises(ArgumentError, match="level"):
        await libraries.accesses.update_or_create(
            MISSING,
            share_with_uuid=WORKSPACE,
            share_with_type="Workspace",
            level="Owner",  # type: ignore[typeddict-item]
        )
    with pytest.raises(ArgumentError, match="document_id"):
        await libraries.documents.wait(MISSING, "", poll_interval=POLL)
    assert len(server.exchanges) == 0


def test_sync_libraries(sync_client: Mistral) -> None:
    libraries = sync_client.beta.libraries
    library = libraries.create(name="Sync")
    document = libraries.documents.upload(library.id, TEXT, filename="sync.md")
    done = libraries.documents.wait(library.id, document.id, poll_interval=POLL)
    assert done.done
    assert libraries.documents.text_content(library.id, document.id).text == TEXT.decode()
    assert [d.id for d in libraries.documents.list(library.id)] == [document.id]
    assert isinstance(libraries.documents.get_signed_url(library.id, document.id), str)
    assert libraries.documents.reprocess(library.id, document.id) is None
    assert len(libraries.accesses.list(library.id).data) == 1
    assert libraries.documents.delete(library.id, document.id) is None
    assert libraries.delete(library.id).id == library.id


@pytest.mark.anyio
async def test_a_conversation_document_library_tool_searches_the_libraries(
    client: AsyncMistral,
) -> None:
    library = await client.beta.libraries.create(name="Handbook")
    documents = client.beta.libraries.documents
    text = b"Holidays: every employee gets twenty five days of paid leave a year.\n"
    document = await documents.upload(library.id, text, filename="leave.txt")
    await documents.wait(library.id, document.id, poll_interval=POLL, timeout=10)
    reply = await client.beta.conversations.start(
        model="mistral-small-latest",
        inputs="How many days of paid leave?",
        tools=[{"type": "document_library", "library_ids": [library.id]}],
    )
    execution = next(o for o in reply.outputs if o.type == "tool.execution")
    assert execution.name == "document_library"
    info = execution.info
    assert info is not None
    (hit,) = info["results"]
    assert hit["document_id"] == document.id
    assert "paid leave" in hit["text"]
