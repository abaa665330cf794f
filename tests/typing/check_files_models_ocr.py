"""Static checks of the files, models and OCR typing (run by mypy, never executed)."""

from __future__ import annotations

from pathlib import Path

from typing_extensions import assert_type

from mistral_async import (
    AsyncMistral,
    AsyncPaginator,
    FileDownload,
    Mistral,
    SyncFileDownload,
    SyncPaginator,
)
from mistral_async.types.files import (
    DeleteFileOut,
    FileSchema,
    FileSignedURL,
    ListFilesOut,
    RetrieveFileOut,
    UploadFileOut,
)
from mistral_async.types.models import (
    ArchiveFTModelOut,
    DeleteModelOut,
    FTModelOut,
    ModelCard,
    ModelList,
    UnarchiveFTModelOut,
)
from mistral_async.types.ocr import OCRResponse


async def async_surface(client: AsyncMistral) -> None:
    assert_type(await client.files.upload(Path("a.jsonl"), purpose="batch"), UploadFileOut)
    paginator = client.files.list(purpose="ocr", page_size=10)
    assert_type(paginator, AsyncPaginator[FileSchema, ListFilesOut])
    assert_type(await paginator, ListFilesOut)
    async for file in paginator:
        assert_type(file, FileSchema)
    assert_type(await client.files.retrieve("id"), RetrieveFileOut)
    assert_type(await client.files.delete("id"), DeleteFileOut)
    assert_type(await client.files.get_signed_url("id", expiry=2), FileSignedURL)
    download = client.files.download("id")
    assert_type(download, FileDownload)
    async with download:
        async for chunk in download.iter_bytes():
            assert_type(chunk, bytes)
    assert_type(await client.files.content("id"), bytes)
    assert_type(await client.files.download_to("id", "out.jsonl"), int)

    assert_type(await client.models.list(), ModelList)
    assert_type(await client.models.retrieve("m"), ModelCard)
    assert_type(await client.models.delete("m"), DeleteModelOut)
    assert_type(await client.models.update("m", name="n"), FTModelOut)
    assert_type(await client.models.archive("m"), ArchiveFTModelOut)
    assert_type(await client.models.unarchive("m"), UnarchiveFTModelOut)

    result = await client.ocr.process(model=None, document={"document_url": "https://x"})
    assert_type(result, OCRResponse)


def sync_surface(client: Mistral) -> None:
    assert_type(client.files.upload(b"data", filename="a.jsonl"), UploadFileOut)
    paginator = client.files.list(search="a")
    assert_type(paginator, SyncPaginator[FileSchema, ListFilesOut])
    for file in paginator:
        assert_type(file, FileSchema)
    download = client.files.download("id")
    assert_type(download, SyncFileDownload)
    with download:
        for chunk in download.iter_bytes(1024):
            assert_type(chunk, bytes)
    assert_type(client.files.content("id"), bytes)
    assert_type(client.models.retrieve("m"), ModelCard)
    assert_type(client.ocr.process(model="m", document={"file_id": "f"}), OCRResponse)


def rejected_arguments(client: Mistral) -> None:
    client.files.upload(b"x", purpose="training")  # type: ignore[arg-type]
    client.files.list(serach="x")  # type: ignore[call-arg]
    client.models.update("m", title="x")  # type: ignore[call-arg]
    client.ocr.process(document={"file_id": "f"})  # type: ignore[call-arg]
