"""The files API against the local server: upload (streamed), list, retrieve, delete, download."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import mistral_async._core.upload as upload_module
from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    FileDownload,
    InternalServerError,
    Mistral,
    NotFoundError,
    SyncFileDownload,
)
from mistral_async.testing import LocalServer
from mistral_async.types.files import FileSchema, ListFilesOut, RetrieveFileOut, UploadFileOut

pytestmark = pytest.mark.anyio

JSONL = b'{"messages": [{"role": "user", "content": "hi"}]}\n' * 3
QUICK_RETRY = {"retry-after-ms": "10"}


def unique(suffix: str = ".jsonl") -> str:
    """A file name no other test uses: the server's store lives for the whole session."""
    return f"t-{uuid.uuid4().hex[:12]}{suffix}"


class ReadRecorder(io.BytesIO):
    """A binary file that remembers how much each ``read`` asked for."""

    def __init__(self, content: bytes, *, seekable: bool = True) -> None:
        super().__init__(content)
        self.reads: list[int] = []
        self._seekable = seekable

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)

    def seekable(self) -> bool:
        return self._seekable

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        return super().seek(offset, whence)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every file handle an upload opens from a path."""
    handles: list[Any] = []

    def tracking_open(*args: Any, **kwargs: Any) -> Any:
        handle = open(*args, **kwargs)  # noqa: SIM115 - the code under test closes it
        handles.append(handle)
        return handle

    monkeypatch.setattr(upload_module, "open", tracking_open, raising=False)
    return handles


# -- upload ------------------------------------------------------------------------------------


async def test_upload_bytes(client: AsyncMistral) -> None:
    name = unique()
    uploaded = await client.files.upload(JSONL, filename=name, purpose="fine-tune")
    assert isinstance(uploaded, UploadFileOut)
    assert uploaded.filename == name
    assert uploaded.bytes == len(JSONL)
    assert uploaded.purpose == "fine-tune"
    assert uploaded.sample_type == "instruct"
    assert uploaded.source == "upload"
    assert uploaded.num_lines == 3
    assert uploaded.mimetype == "application/jsonl"
    assert uploaded.visibility == "workspace"
    assert uploaded.response_info is not None
    assert uploaded.response_info.request_id
    assert await client.files.content(uploaded.id) == JSONL


async def test_upload_path_streams_and_closes_the_file(
    client: AsyncMistral, tmp_path: Path, opened: list[Any]
) -> None:
    path = tmp_path / unique(".md")
    content = bytes(range(256)) * 2048  # 512 KiB, every byte value
    path.write_bytes(content)
    uploaded = await client.files.upload(path, purpose="ocr", expiry=2, visibility="user")
    assert uploaded.filename == path.name
    assert uploaded.bytes == len(content)
    assert uploaded.mimetype == "text/markdown"
    assert uploaded.visibility == "user"
    assert uploaded.expires_at == uploaded.created_at + 2 * 3600
    assert [h.closed for h in opened] == [True]
    assert await client.files.content(uploaded.id) == content
    again = await client.files.upload(str(path), filename="renamed.md", content_type="text/plain")
    assert (again.filename, again.mimetype, again.purpose) == (
        "renamed.md",
        "text/plain",
        "fine-tune",
    )


async def test_upload_file_object_is_read_in_chunks_and_left_open(client: AsyncMistral) -> None:
    content = b"x" * (1 << 20)
    handle = ReadRecorder(content)
    uploaded = await client.files.upload(handle, filename=unique(), purpose="batch")
    assert uploaded.sample_type == "batch_request"
    assert not handle.closed  # the caller's file stays the caller's
    # Streamed: many bounded reads, never one read of everything.
    assert len(handle.reads) > 4
    assert all(0 < size <= 1 << 16 for size in handle.reads)
    assert await client.files.content(uploaded.id) == content


async def test_upload_retry_sends_the_whole_file_again(
    client: AsyncMistral, server: LocalServer, tmp_path: Path, opened: list[Any]
) -> None:
    path = tmp_path / unique()
    path.write_bytes(JSONL * 1000)
    server.faults.add("status", status=503, headers=QUICK_RETRY, path="/v1/files")
    uploaded = await client.files.upload(path)
    assert uploaded.response_info is not None
    assert uploaded.response_info.retries == 1
    assert await client.files.content(uploaded.id) == JSONL * 1000
    assert all(h.closed for h in opened)


async def test_unseekable_file_is_not_retried(client: AsyncMistral, server: LocalServer) -> None:
    server.faults.add("status", status=503, headers=QUICK_RETRY, path="/v1/files")
    with pytest.raises(Exception, match="503"):
        await client.files.upload(ReadRecorder(JSONL, seekable=False), filename=unique())
    assert len(server.exchanges.snapshot()) == 1


async def test_path_is_closed_on_failure_and_cancellation(
    client: AsyncMistral, server: LocalServer, tmp_path: Path, opened: list[Any]
) -> None:
    path = tmp_path / unique()
    path.write_bytes(JSONL)
    server.faults.add("status", status=500, path="/v1/files")
    with pytest.raises(InternalServerError):
        await client.files.upload(path, max_retries=0)
    server.faults.add("stall", seconds=1, path="/v1/files")
    with anyio.move_on_after(0.2) as scope:
        await client.files.upload(path)
    assert scope.cancelled_caught
    assert len(opened) == 2
    assert all(h.closed for h in opened)


@pytest.mark.parametrize(
    ("file", "kwargs", "argument", "message"),
    [
        ("/no/such/dir/data.jsonl", {}, "file", "/no/such/dir/data.jsonl"),
        (Path("/no/such/file.jsonl"), {}, "file", "/no/such/file.jsonl"),
        (io.StringIO("text"), {}, "file", "binary mode"),
        (12, {}, "file", "binary file object"),
        (b"x", {"purpose": "training"}, "purpose", ""),
        (b"x", {"expiry": "24"}, "expiry", ""),
        (b"x", {"visibility": "public"}, "visibility", ""),
        (b"x", {"filename": 3}, "filename", ""),
        (b"x", {"purpse": "ocr"}, "purpse", "unknown"),
    ],
)
async def test_bad_upload_arguments_fail_before_sending(
    client: AsyncMistral,
    server: LocalServer,
    file: Any,
    kwargs: dict[str, Any],
    argument: str,
    message: str,
) -> None:
    with pytest.raises(ArgumentError, match=message or None) as caught:
        await client.files.upload(file, **kwargs)
    assert caught.value.argument == argument
    assert server.exchanges.snapshot() == []


# -- list --------------------------------------------------------------------------------------


async def test_list_filters_and_pages(client: AsyncMistral, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:12]
    first = await client.files.upload(JSONL, filename=f"{tag}-a.jsonl", purpose="fine-tune")
    second = await client.files.upload(b"{}\n", filename=f"{tag}-b.jsonl", purpose="batch")
    third = await client.files.upload(b"# doc", filename=f"{tag}-c.md", purpose="ocr")

    page = await client.files.list(search=tag, page_size=2)
    assert isinstance(page, ListFilesOut)
    assert page.total == 3
    assert [f.id for f in page.data] == [third.id, second.id]  # newest first
    every = [f async for f in client.files.list(search=tag, page_size=2)]
    assert all(isinstance(f, FileSchema) for f in every)
    assert [f.id for f in every] == [third.id, second.id, first.id]
    pages = [p async for p in client.files.list(search=tag.upper(), page_size=2).pages()]
    assert [len(p.data) for p in pages] == [2, 1]
    later = await client.files.list(search=tag, page=1, page_size=2)
    assert [f.id for f in later.data] == [first.id]

    async def ids(**filters: Any) -> set[str]:
        return {f.id async for f in client.files.list(search=tag, **filters)}

    assert await ids(purpose="batch") == {second.id}
    assert await ids(sample_type=["batch_request"]) == {second.id}
    assert await ids(sample_type=["pretrain", "batch_request"]) == {second.id}
    assert await ids(source=("upload",)) == {first.id, second.id, third.id}
    assert await ids(source=["mistral"]) == set()
    assert await ids(mimetypes=["text/markdown"]) == {third.id}
    untotalled = await client.files.list(search=tag, include_total=False)
    assert untotalled.total is None
    assert len(untotalled.data) == 3


async def test_files_the_server_wrote_are_listed(client: AsyncMistral, server: Any) -> None:
    tag = unique()
    # What a finished batch job does: its results and errors, written by "mistral".
    results = server.store.add_file(f"{tag}-results", "batch", JSONL, source="mistral")
    errors = server.store.add_file(f"{tag}-error", "batch", b"{}\n", source="mistral")
    listed = {f.id: f async for f in client.files.list(search=tag, source=["mistral"])}
    assert set(listed) == {results.id, errors.id}
    assert listed[results.id].sample_type == "batch_result"
    assert listed[errors.id].sample_type == "batch_error"
    only = client.files.list(search=tag, sample_type=["batch_error"])
    assert [f.id async for f in only] == [errors.id]
    assert await client.files.content(results.id) == JSONL


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"purpose": "audio"}, "purpose"),
        ({"source": "upload"}, "source"),
        ({"sample_type": ["chat"]}, "sample_type[0]"),
        ({"page_size": "10"}, "page_size"),
        ({"include_total": 1}, "include_total"),
        ({"serach": "x"}, "serach"),
    ],
)
async def test_bad_list_arguments(
    client: AsyncMistral, server: LocalServer, kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        client.files.list(**kwargs)
    assert caught.value.argument == argument
    assert server.exchanges.snapshot() == []


# -- retrieve, delete ----------------------------------------------------------------------------


async def test_retrieve_and_delete(client: AsyncMistral) -> None:
    uploaded = await client.files.upload(JSONL, filename=unique())
    found = await client.files.retrieve(uploaded.id)
    assert isinstance(found, RetrieveFileOut)
    assert found.model_dump(exclude={"deleted"}) == uploaded.model_dump()
    assert found.deleted is False
    deleted = await client.files.delete(file_id=uploaded.id)
    assert (deleted.id, deleted.deleted) == (uploaded.id, True)
    for call in (client.files.retrieve, client.files.delete, client.files.content):
        with pytest.raises(NotFoundError, match=uploaded.id) as caught:
            await call(uploaded.id)
        assert caught.value.status_code == 404
    assert uploaded.id not in {f.id async for f in client.files.list(search=uploaded.filename)}


@pytest.mark.parametrize("file_id", ["not-a-uuid", str(uuid.uuid4()), "x?y=1#z"])
async def test_unknown_ids_are_404(client: AsyncMistral, file_id: str) -> None:
    with pytest.raises(NotFoundError):
        await client.files.retrieve(file_id)


def test_ids_stay_one_path_segment() -> None:
    from mistral_async.resources._base import path_param

    assert path_param("file_id", "a/../b?c#d") == "a%2F..%2Fb%3Fc%23d"
    assert path_param("model_id", "ft:open-mistral-7b:587a6b29") == "ft:open-mistral-7b:587a6b29"


@pytest.mark.parametrize("file_id", ["", "..", None, 5])
async def test_bad_ids_fail_before_sending(
    client: AsyncMistral, server: LocalServer, file_id: Any
) -> None:
    with pytest.raises(ArgumentError, match="file_id"):
        await client.files.retrieve(file_id)
    with pytest.raises(ArgumentError, match="file_id"):
        client.files.download(file_id)
    with pytest.raises(ArgumentError, match="unknown argument"):
        await client.files.delete(str(uuid.uuid4()), purpose="ocr")  # type: ignore[call-arg]
    assert server.exchanges.snapshot() == []


# -- download ----------------------------------------------------------------------------------


async def test_download_streams_in_chunks(server: LocalServer) -> None:
    content = bytes(range(256)) * 4096  # 1 MiB
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        uploaded = await client.files.upload(content, filename="Données été.bin")
        download = client.files.download(uploaded.id)
        assert isinstance(download, FileDownload)
        assert server.exchanges.snapshot()[-1].method == "POST"  # nothing sent yet
        async with download:
            assert download.filename == "Données été.bin"
            assert download.size == len(content)
            assert client._limiter.in_flight == 1
            sizes = [len(chunk) async for chunk in download.iter_bytes(65536)]
        assert download.closed
        assert client._limiter.in_flight == 0
        assert sum(sizes) == len(content)
        assert max(sizes) == 65536
        assert download.response_info is not None
        assert download.response_info.status_code == 200
        with pytest.raises(RuntimeError, match="once"):
            await download.read()


async def test_download_break_frees_the_slot(server: LocalServer) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        uploaded = await client.files.upload(b"z" * 300_000, filename=unique())
        async with client.files.download(uploaded.id) as download:
            async for _ in download.iter_bytes(1000):
                break
        assert download.closed
        assert client._limiter.in_flight == 0
        # Without `async with`: the iterator's own end closes it.
        async for _ in client.files.download(uploaded.id).iter_bytes():
            pass
        with anyio.fail_after(5):  # a leaked slot would block here
            assert await client.files.content(uploaded.id) == b"z" * 300_000


async def test_download_to_a_path(client: AsyncMistral, tmp_path: Path) -> None:
    content = JSONL * 5000
    uploaded = await client.files.upload(content, filename=unique())
    target = tmp_path / "out.jsonl"
    assert await client.files.download_to(uploaded.id, target) == len(content)
    assert target.read_bytes() == content
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(NotFoundError):
        await client.files.download_to(str(uuid.uuid4()), missing)
    assert not missing.exists()
    with pytest.raises(ArgumentError, match="path"):
        await client.files.download_to(uploaded.id, 3)  # type: ignore[arg-type]


async def test_a_download_cut_midway_is_a_connection_error(
    client: AsyncMistral, server: LocalServer, tmp_path: Path
) -> None:
    uploaded = await client.files.upload(b"q" * 500_000, filename=unique())
    server.faults.add("disconnect", path=f"/v1/files/{uploaded.id}/content")
    target = tmp_path / "partial.bin"
    with pytest.raises(APIConnectionError):
        await client.files.download_to(uploaded.id, target)
    assert not target.exists()  # the partly written file is removed
    assert client._limiter.in_flight == 0


# -- signed URLs -------------------------------------------------------------------------------


async def test_signed_url_serves_the_content_without_a_key(
    client: AsyncMistral, server: LocalServer
) -> None:
    uploaded = await client.files.upload(JSONL, filename=unique())
    signed = await client.files.get_signed_url(uploaded.id, expiry=1)
    assert signed.url.startswith(server.url)
    async with httpx.AsyncClient() as anonymous:
        reply = await anonymous.get(signed.url)
        assert reply.status_code == 200
        assert reply.content == JSONL
        forged = await anonymous.get(signed.url[:-4] + "0000")
        assert forged.status_code == 403
        assert forged.json()["object"] == "error"
        unsigned = await anonymous.get(signed.url.split("?")[0])
        assert unsigned.status_code == 401
    default = await client.files.get_signed_url(uploaded.id)
    assert default.url != signed.url  # 24 hours by default, so another expiry
    with pytest.raises(NotFoundError):
        await client.files.get_signed_url(str(uuid.uuid4()))
    with pytest.raises(ArgumentError, match="expiry"):
        await client.files.get_signed_url(uploaded.id, expiry=1.5)  # type: ignore[arg-type]


# -- the blocking client -----------------------------------------------------------------------


def test_sync_files(server: LocalServer, tmp_path: Path) -> None:
    tag = unique()
    path = tmp_path / tag
    path.write_bytes(JSONL)
    with Mistral(api_key="k", base_url=server.url) as client:
        uploaded = client.files.upload(path, purpose="fine-tune")
        assert isinstance(uploaded, UploadFileOut)
        page = client.files.list(search=tag).first_page()
        assert [f.id for f in page.data] == [uploaded.id]
        assert [f.id for f in client.files.list(search=tag, page_size=1)] == [uploaded.id]
        assert [len(p.data) for p in client.files.list(search=tag).pages()] == [1]
        assert client.files.retrieve(uploaded.id).filename == tag
        assert client.files.content(uploaded.id) == JSONL
        with client.files.download(uploaded.id) as download:
            assert isinstance(download, SyncFileDownload)
            assert b"".join(download.iter_bytes(10)) == JSONL
            assert download.filename == tag
            assert download.size == len(JSONL)
        assert download.closed
        assert client.files.download(uploaded.id).read() == JSONL
        assert client.files.download(uploaded.id).write_to(tmp_path / "a") == len(JSONL)
        assert client.files.download_to(uploaded.id, tmp_path / "b") == len(JSONL)
        assert (tmp_path / "b").read_bytes() == JSONL
        signed = client.files.get_signed_url(uploaded.id, expiry=3)
        assert httpx.get(signed.url).content == JSONL
        assert client.files.delete(uploaded.id).deleted
        with pytest.raises(NotFoundError):
            client.files.retrieve(uploaded.id)


def test_sync_download_break_closes(server: LocalServer) -> None:
    with Mistral(api_key="k", base_url=server.url, max_concurrency=1) as client:
        uploaded = client.files.upload(b"y" * 200_000, filename=unique())
        with client.files.download(uploaded.id) as download:
            for _ in download.iter_bytes(100):
                break
        assert download.closed
        assert client.files.content(uploaded.id) == b"y" * 200_000
