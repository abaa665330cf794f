"""``client.beta.libraries``: document libraries, their documents and accesses.

Every operation tagged ``beta.libraries``, ``beta.libraries.documents`` and
``beta.libraries.accesses`` in the spec. Documents are uploaded as a form (the file streamed, as
``files.upload`` sends it) and processed by the API afterwards; :meth:`AsyncDocuments.wait`
polls until processing has ended, as ``jobs.wait`` does. Two replies have no model: a deleted
document and a reprocessed one answer 204 (the methods return ``None``), and the signed URLs
are bare JSON strings (the methods return ``str``).
"""

from __future__ import annotations

from functools import cached_property

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator
from .._core.request import APIRequest
from .._core.upload import FileInput, file_part
from .._core.validate import split_options, validate_options, validate_params
from .._sync.views import SyncPaginator, SyncResource, blocking, wrapped
from ..types._base import MistralModel, dump_request
from ..types._form import FilePartParams
from ..types.libraries import (
    AccessDeleteParams,
    AccessUpdateOrCreateParams,
    LibraryCreateParams,
    LibraryIn,
    LibraryInUpdate,
    LibraryOut,
    LibraryUpdateParams,
    ListLibraryOut,
    ListSharingOut,
    SharingDelete,
    SharingIn,
    SharingOut,
)
from ..types.library_documents import (
    DocumentOut,
    DocumentsListParams,
    DocumentsListQuery,
    DocumentTextContent,
    DocumentUpdateIn,
    DocumentUpdateParams,
    ListDocumentOut,
    ProcessingStatusOut,
)
from ._base import AsyncAPIResource, json_request, options_only, paginate, path_param
from ._jobs import wait_for

PATH = "/v1/libraries"


class LibraryCreateArgs(LibraryCreateParams, RequestOptions, total=False):
    pass


class LibraryUpdateArgs(LibraryUpdateParams, RequestOptions, total=False):
    pass


class DocumentUploadArgs(FilePartParams, RequestOptions, total=False):
    pass


class DocumentUpdateArgs(DocumentUpdateParams, RequestOptions, total=False):
    pass


class DocumentsListArgs(DocumentsListParams, RequestOptions, total=False):
    pass


class AccessUpdateOrCreateArgs(AccessUpdateOrCreateParams, RequestOptions, total=False):
    pass


class AccessDeleteArgs(AccessDeleteParams, RequestOptions, total=False):
    pass


class _PartArguments(MistralModel):
    """What names a file part: validated as every request is (unknown names refused)."""

    filename: str | None = None
    content_type: str | None = None


def _library_path(library_id: str, *rest: str) -> str:
    return "/".join([PATH, path_param("library_id", library_id), *rest])


def _document_path(library_id: str, document_id: str, action: str = "") -> str:
    path = _library_path(library_id, "documents", path_param("document_id", document_id))
    return f"{path}/{action}" if action else path


class AsyncLibraries(AsyncAPIResource):
    """Libraries: ``create``, ``list``, ``get``, ``update``, ``delete``; their ``documents``
    and ``accesses``."""

    @cached_property
    def documents(self) -> AsyncDocuments:
        """A library's documents: upload, list, read, wait for processing..."""
        return AsyncDocuments(self._client)

    @cached_property
    def accesses(self) -> AsyncAccesses:
        """Who may use a library: ``list``, ``update_or_create``, ``delete``."""
        return AsyncAccesses(self._client)

    async def create(self, **kwargs: Unpack[LibraryCreateArgs]) -> LibraryOut:
        """Create a library (only you can use it until you share it): ``name``, and
        ``description``, ``chunk_size``."""
        request, options = json_request("POST", PATH, LibraryIn, kwargs)
        return await self._client._request(request, LibraryOut, options)

    async def list(self, **kwargs: Unpack[RequestOptions]) -> ListLibraryOut:
        """Every library you own or that is shared with you (one reply, not paged)."""
        request = APIRequest("GET", PATH)
        return await self._client._request(request, ListLibraryOut, options_only(kwargs))

    async def get(self, library_id: str, **kwargs: Unpack[RequestOptions]) -> LibraryOut:
        request = APIRequest("GET", _library_path(library_id))
        return await self._client._request(request, LibraryOut, options_only(kwargs))

    async def update(self, library_id: str, **kwargs: Unpack[LibraryUpdateArgs]) -> LibraryOut:
        """Change the ``name`` or ``description`` (the fields given)."""
        request, options = json_request("PUT", _library_path(library_id), LibraryInUpdate, kwargs)
        return await self._client._request(request, LibraryOut, options)

    async def delete(self, library_id: str, **kwargs: Unpack[RequestOptions]) -> LibraryOut:
        """Delete a library and every document in it; returns the library as it was."""
        request = APIRequest("DELETE", _library_path(library_id))
        return await self._client._request(request, LibraryOut, options_only(kwargs))


class _Processing:
    """A document as the job waiting sees one: its id, its status, whether it has ended."""

    def __init__(self, document: DocumentOut) -> None:
        self.document = document

    @property
    def id(self) -> str:
        return f"document {self.document.id}"  # for JobWaitTimeoutError's message

    @property
    def status(self) -> str:
        return self.document.process_status

    @property
    def done(self) -> bool:
        return self.document.done


class AsyncDocuments(AsyncAPIResource):
    async def upload(
        self, library_id: str, file: FileInput, **kwargs: Unpack[DocumentUploadArgs]
    ) -> DocumentOut:
        """Upload a document (``multipart/form-data``, streamed from disk); it is queued for
        processing (see :meth:`wait`). A document with the same content already in the
        library is returned instead of a new one.

        :param file: a path, ``bytes`` or a binary file object, as ``files.upload`` takes it
            (and sends again on a retry, unless the file object cannot seek).
        :param filename: the part's name (the path's by default), ``content_type`` its type.
        """
        params, options = split_options(kwargs)
        validate_options(options)
        part_args = dump_request(validate_params(_PartArguments, params))
        with file_part(file, part_args.get("filename"), part_args.get("content_type")) as (
            part,
            replayable,
        ):
            once: RequestOptions = {**options, "max_retries": 0} if not replayable else options
            path = _library_path(library_id, "documents")
            request = APIRequest("POST", path, files={"file": part})
            return await self._client._request(request, DocumentOut, once)

    def list(
        self, library_id: str, **kwargs: Unpack[DocumentsListArgs]
    ) -> AsyncPaginator[DocumentOut, ListDocumentOut]:
        """A library's documents: ``await`` it for one page, ``async for`` it for every
        document across pages.

        ``search`` (in the name), ``filters_attributes``, ``sort_by`` (``created_at`` by
        default) and ``sort_order``; paging: ``page`` (the first page, 0-based), ``page_size``
        (1 to 100).
        """
        path = _library_path(library_id, "documents")
        return paginate(self._client, path, DocumentsListQuery, kwargs, ListDocumentOut)

    async def get(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> DocumentOut:
        request = APIRequest("GET", _document_path(library_id, document_id))
        return await self._client._request(request, DocumentOut, options_only(kwargs))

    async def update(
        self, library_id: str, document_id: str, **kwargs: Unpack[DocumentUpdateArgs]
    ) -> DocumentOut:
        """Rename a document (``name``) or set its ``attributes``."""
        path = _document_path(library_id, document_id)
        request, options = json_request("PUT", path, DocumentUpdateIn, kwargs)
        return await self._client._request(request, DocumentOut, options)

    async def delete(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> None:
        """Delete a document from the library and its search index (the API answers 204)."""
        request = APIRequest("DELETE", _document_path(library_id, document_id))
        await self._client._request(request, None, options_only(kwargs))

    async def text_content(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> DocumentTextContent:
        """The document's text, as processing extracted it (OCR for PDFs and office files)."""
        request = APIRequest("GET", _document_path(library_id, document_id, "text_content"))
        return await self._client._request(request, DocumentTextContent, options_only(kwargs))

    async def status(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> ProcessingStatusOut:
        """Where the document's processing stands (``.done`` once it has ended)."""
        request = APIRequest("GET", _document_path(library_id, document_id, "status"))
        return await self._client._request(request, ProcessingStatusOut, options_only(kwargs))

    async def get_signed_url(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> str:
        """A URL anyone can download the document from, for 30 minutes."""
        request = APIRequest("GET", _document_path(library_id, document_id, "signed-url"))
        return await self._client._request(request, str, options_only(kwargs))

    async def get_extracted_text_signed_url(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> str:
        """A URL anyone can download the document's extracted text from."""
        path = _document_path(library_id, document_id, "extracted-text-signed-url")
        return await self._client._request(APIRequest("GET", path), str, options_only(kwargs))

    async def reprocess(
        self, library_id: str, document_id: str, **kwargs: Unpack[RequestOptions]
    ) -> None:
        """Process the document again (billed again); the API answers 204."""
        request = APIRequest("POST", _document_path(library_id, document_id, "reprocess"))
        await self._client._request(request, None, options_only(kwargs))

    async def wait(
        self,
        library_id: str,
        document_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        # A parameter, not anyio.fail_after, as in JobWaiting.wait: the blocking client has
        # no cancel scope to offer.
        timeout: float | None = None,
    ) -> DocumentOut:
        """Poll the document until its processing has ended (``done``, or failed: check
        ``.failed``) and return it then.

        :param poll_interval: seconds before the second poll; each next wait is 1.5 times
            longer, up to ``max_poll_interval``.
        :param timeout: give up after this many seconds with ``JobWaitTimeoutError`` (a
            ``TimeoutError``; processing goes on); ``None`` waits as long as it takes.
        """
        path_param("library_id", library_id)
        path_param("document_id", document_id)

        async def fetch() -> _Processing:
            return _Processing(await self.get(library_id, document_id))

        waited = await wait_for(
            fetch,
            lambda processing: processing.done,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            give_up_after=timeout,
        )
        return waited.document


class AsyncAccesses(AsyncAPIResource):
    async def list(self, library_id: str, **kwargs: Unpack[RequestOptions]) -> ListSharingOut:
        """Everyone who has access to the library, and at what level."""
        request = APIRequest("GET", _library_path(library_id, "share"))
        return await self._client._request(request, ListSharingOut, options_only(kwargs))

    async def update_or_create(
        self, library_id: str, **kwargs: Unpack[AccessUpdateOrCreateArgs]
    ) -> SharingOut:
        """Give a user, workspace or organisation (``share_with_type``, ``share_with_uuid``)
        access at a ``level`` (``Viewer`` or ``Editor``), or change theirs. Only the owner
        can share, not outside the organisation, and cannot change their own role."""
        path = _library_path(library_id, "share")
        request, options = json_request("PUT", path, SharingIn, kwargs)
        return await self._client._request(request, SharingOut, options)

    async def delete(self, library_id: str, **kwargs: Unpack[AccessDeleteArgs]) -> SharingOut:
        """Remove someone's access (``share_with_type``, ``share_with_uuid``); returns it."""
        path = _library_path(library_id, "share")
        request, options = json_request("DELETE", path, SharingDelete, kwargs)
        return await self._client._request(request, SharingOut, options)


# -- blocking ----------------------------------------------------------------------------------


class SyncDocuments(SyncResource[AsyncDocuments]):
    """Blocking documents: the same methods, run on the client's loop thread."""

    upload = blocking(AsyncDocuments.upload)
    list = wrapped(AsyncDocuments.list, SyncPaginator[DocumentOut, ListDocumentOut])
    get = blocking(AsyncDocuments.get)
    update = blocking(AsyncDocuments.update)
    delete = blocking(AsyncDocuments.delete)
    text_content = blocking(AsyncDocuments.text_content)
    status = blocking(AsyncDocuments.status)
    get_signed_url = blocking(AsyncDocuments.get_signed_url)
    get_extracted_text_signed_url = blocking(AsyncDocuments.get_extracted_text_signed_url)
    reprocess = blocking(AsyncDocuments.reprocess)
    wait = blocking(AsyncDocuments.wait)


class SyncAccesses(SyncResource[AsyncAccesses]):
    list = blocking(AsyncAccesses.list)
    update_or_create = blocking(AsyncAccesses.update_or_create)
    delete = blocking(AsyncAccesses.delete)


class SyncLibraries(SyncResource[AsyncLibraries]):
    """Blocking libraries: the same methods, run on the client's loop thread."""

    create = blocking(AsyncLibraries.create)
    list = blocking(AsyncLibraries.list)
    get = blocking(AsyncLibraries.get)
    update = blocking(AsyncLibraries.update)
    delete = blocking(AsyncLibraries.delete)

    @cached_property
    def documents(self) -> SyncDocuments:
        return SyncDocuments(self._client, self._inner.documents)

    @cached_property
    def accesses(self) -> SyncAccesses:
        return SyncAccesses(self._client, self._inner.accesses)
