"""``client.files``: upload, list, look up, delete and download files (``/v1/files``)."""

from __future__ import annotations

import os

from typing_extensions import Unpack

from .._core.download import FileDownload, StrPath
from .._core.errors import ArgumentError
from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator
from .._core.request import APIRequest
from .._core.upload import FileInput as FileInput
from .._core.upload import file_part
from .._core.validate import split_options, validate_options, validate_params
from .._sync.views import SyncFileDownload, SyncPaginator, SyncResource, blocking, wrapped
from ..types._base import dump_request
from ..types.files import (
    DeleteFileOut,
    FileSchema,
    FileSignedURL,
    ListFilesOut,
    ListFilesParams,
    ListFilesRequest,
    RetrieveFileOut,
    SignedURLParams,
    SignedURLRequest,
    UploadFileOut,
    UploadFileParams,
    UploadFileRequest,
)
from ._base import AsyncAPIResource, options_only, paginate, path_param, query_request

PATH = "/v1/files"


class UploadArgs(UploadFileParams, RequestOptions, total=False):
    pass


class ListArgs(ListFilesParams, RequestOptions, total=False):
    pass


class SignedURLArgs(SignedURLParams, RequestOptions, total=False):
    pass


class _UploadArguments(UploadFileRequest):
    """The form fields plus what describes the file part; validated together."""

    filename: str | None = None
    content_type: str | None = None


class AsyncFiles(AsyncAPIResource):
    async def upload(self, file: FileInput, **kwargs: Unpack[UploadArgs]) -> UploadFileOut:
        """Upload a file (``multipart/form-data``), streamed from disk rather than read whole.

        :param file: a path, ``bytes``, or a file object opened in binary mode (the caller
            keeps it open; it is read from its start). A path is opened here and closed when
            the call ends, however it ends. A missing file raises ``ArgumentError`` before
            anything is sent. A retry sends the file again from its start, so a file object
            that cannot seek is sent once, without retries.
        :param kwargs: ``purpose``: ``fine-tune``, ``batch`` or ``ocr``; also ``expiry``,
            ``visibility``, and ``filename``/``content_type`` to name the part (guessed from the
            path otherwise).
        """
        params, options = split_options(kwargs)
        validate_options(options)
        form = dump_request(validate_params(_UploadArguments, params))
        filename: str | None = form.pop("filename", None)
        content_type: str | None = form.pop("content_type", None)
        with file_part(file, filename, content_type) as (part, replayable):
            if not replayable:
                once: RequestOptions = {**options, "max_retries": 0}
                options = once
            request = APIRequest(
                "POST", PATH, files={"file": part}, data={k: str(v) for k, v in form.items()}
            )
            return await self._client._request(request, UploadFileOut, options)

    def list(self, **kwargs: Unpack[ListArgs]) -> AsyncPaginator[FileSchema, ListFilesOut]:
        """Files of the workspace, newest first: ``await`` it for one page, ``async for`` it
        for every file across pages.

        Filters: ``purpose``, ``source`` and ``sample_type`` (lists), ``search`` (in the name),
        ``mimetypes``; paging: ``page`` (the first page, 0-based), ``page_size``.
        """
        return paginate(self._client, PATH, ListFilesRequest, kwargs, ListFilesOut)

    async def retrieve(self, file_id: str, **kwargs: Unpack[RequestOptions]) -> RetrieveFileOut:
        """A file's metadata; ``NotFoundError`` if there is no such file."""
        request = APIRequest("GET", f"{PATH}/{path_param('file_id', file_id)}")
        return await self._client._request(request, RetrieveFileOut, options_only(kwargs))

    async def delete(self, file_id: str, **kwargs: Unpack[RequestOptions]) -> DeleteFileOut:
        """Delete a file; ``NotFoundError`` if there is no such file."""
        request = APIRequest("DELETE", f"{PATH}/{path_param('file_id', file_id)}")
        return await self._client._request(request, DeleteFileOut, options_only(kwargs))

    async def get_signed_url(self, file_id: str, **kwargs: Unpack[SignedURLArgs]) -> FileSignedURL:
        """A URL that serves the file's content without the API key, for ``expiry`` hours."""
        path = f"{PATH}/{path_param('file_id', file_id)}/url"
        request, options = query_request("GET", path, SignedURLRequest, kwargs)
        return await self._client._request(request, FileSignedURL, options)

    def download(self, file_id: str, **kwargs: Unpack[RequestOptions]) -> FileDownload:
        """The file's content, streamed; nothing is sent until it is used::

            async with client.files.download(file_id) as download:
                async for chunk in download.iter_bytes():
                    ...

        See also :meth:`download_to` (to a file) and :meth:`content` (in memory).
        """
        path = f"{PATH}/{path_param('file_id', file_id)}/content"
        # Without this, the pipeline's streaming default would ask for an event stream.
        request = APIRequest("GET", path, headers={"Accept": "application/octet-stream"})
        return FileDownload(self._client, request, options_only(kwargs))

    async def download_to(
        self, file_id: str, path: StrPath, **kwargs: Unpack[RequestOptions]
    ) -> int:
        """Stream the file's content into ``path`` (replaced if it exists); return its size.

        On failure the partly written file is removed.
        """
        if not isinstance(path, (str, os.PathLike)):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("path", f"must be a str or os.PathLike, got {path!r}")
        async with self.download(file_id, **kwargs) as download:
            return await download.write_to(path)

    async def content(self, file_id: str, **kwargs: Unpack[RequestOptions]) -> bytes:
        """The file's content, read whole into memory (use :meth:`download_to` for big files)."""
        async with self.download(file_id, **kwargs) as download:
            return await download.read()


class SyncFiles(SyncResource[AsyncFiles]):
    """Blocking files API: the same methods, run on the client's loop thread."""

    upload = blocking(AsyncFiles.upload)
    list = wrapped(AsyncFiles.list, SyncPaginator[FileSchema, ListFilesOut])
    retrieve = blocking(AsyncFiles.retrieve)
    delete = blocking(AsyncFiles.delete)
    get_signed_url = blocking(AsyncFiles.get_signed_url)
    download = wrapped(AsyncFiles.download, SyncFileDownload)
    download_to = blocking(AsyncFiles.download_to)
    content = blocking(AsyncFiles.content)
