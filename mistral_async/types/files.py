"""Files (``/v1/files``): what an upload, a listing, a lookup and a deletion return."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from typing_extensions import TypedDict

from ._base import MistralModel, ResponseModel

FilePurpose = Literal["fine-tune", "batch", "ocr"]
SampleType = Literal["pretrain", "instruct", "batch_request", "batch_result", "batch_error"]
Source = Literal["upload", "repository", "mistral"]
FileVisibility = Literal["workspace", "user"]


class FileSchema(ResponseModel):
    """A file's metadata, as every files operation reports it.

    ``purpose``, ``sample_type`` and ``source`` are plain strings: the API already reports
    values its own enums lack (``audio``), and a reply must never fail to parse over one.
    """

    id: str
    object: str = "file"
    bytes: int | None = None
    """The size in bytes."""
    created_at: int
    """When it was uploaded (Unix seconds)."""
    filename: str
    purpose: str
    """``fine-tune``, ``batch`` or ``ocr`` (see ``FilePurpose``)."""
    sample_type: str | None = None
    """``pretrain``, ``instruct``, ``batch_request``, ``batch_result`` or ``batch_error``."""
    num_lines: int | None = None
    mimetype: str | None = None
    source: str | None = None
    """``upload``, ``repository`` or ``mistral`` (written by the API, e.g. batch results)."""
    signature: str | None = None
    expires_at: int | None = None
    visibility: str | None = None


class UploadFileOut(FileSchema):
    pass


class RetrieveFileOut(FileSchema):
    deleted: bool = False


class ListFilesOut(ResponseModel):
    """One page of ``files.list``."""

    data: list[FileSchema] = []
    object: str = "list"
    total: int | None = None
    """How many files match in all (when ``include_total`` was not turned off)."""


class DeleteFileOut(ResponseModel):
    id: str
    object: str = "file"
    deleted: bool


class FileSignedURL(ResponseModel):
    url: str
    """A URL that serves the content without authentication, until it expires."""


# -- requests ----------------------------------------------------------------------------------


class UploadFileRequest(MistralModel):
    """The text fields of the ``POST /v1/files`` form (the file part is sent beside them)."""

    purpose: FilePurpose | None = None
    expiry: int | None = None
    visibility: FileVisibility | None = None


class UploadFileParams(TypedDict, total=False):
    """The keyword arguments of ``files.upload`` besides the file itself."""

    purpose: FilePurpose | None
    """What the file is for: ``fine-tune``, ``batch`` or ``ocr``."""
    expiry: int | None
    """Hours until the API deletes the file (by default it keeps it)."""
    visibility: FileVisibility | None
    """``workspace`` (the default) or ``user``."""
    filename: str | None
    """The name the API records; defaults to the path's or file object's name."""
    content_type: str | None
    """The part's media type; defaults to a guess from the file name."""


class ListFilesRequest(MistralModel):
    """The query of ``GET /v1/files``."""

    page: int | None = None
    page_size: int | None = None
    include_total: bool | None = None
    sample_type: list[SampleType] | None = None
    source: list[Source] | None = None
    search: str | None = None
    purpose: FilePurpose | None = None
    mimetypes: list[str] | None = None


class ListFilesParams(TypedDict, total=False):
    """The keyword arguments of ``files.list``."""

    page: int | None
    """The page to start from (0-based)."""
    page_size: int | None
    """Files per page (the API's default is 100)."""
    include_total: bool | None
    sample_type: Sequence[SampleType] | None
    source: Sequence[Source] | None
    search: str | None
    """Only files whose name contains this text."""
    purpose: FilePurpose | None
    mimetypes: Sequence[str] | None


class SignedURLRequest(MistralModel):
    """The query of ``GET /v1/files/{file_id}/url``."""

    expiry: int | None = None


class SignedURLParams(TypedDict, total=False):
    """The keyword arguments of ``files.get_signed_url`` besides the file id."""

    expiry: int | None
    """Hours before the URL stops working (the API's default is 24)."""
