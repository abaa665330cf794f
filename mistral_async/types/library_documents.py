"""Documents of a library (``/v1/libraries/{library_id}/documents``).

An uploaded document is queued for processing (text extraction, OCR for PDFs and office files,
indexing); it becomes searchable once ``process_status`` says processing has ended, which
:attr:`DocumentOut.done` tells. The list is paged by ``page``/``page_size`` and answers with a
``pagination`` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypedDict

from ._base import MistralModel, ResponseModel
from ._form import FilePartParams

ProcessStatus = Literal[
    "self_managed",
    "missing_content",
    "noop",
    "done",
    "todo",
    "in_progress",
    "error",
    "waiting_for_capacity",
]
"""Where a document's processing stands (replies keep it a ``str``: new values must read)."""
PENDING_PROCESS_STATUSES: frozenset[str] = frozenset(
    {"todo", "in_progress", "waiting_for_capacity"}
)
"""The statuses of a document whose processing has not ended yet."""
SortOrder = Literal["asc", "desc"]

DocumentAttributeValue = (
    bool | str | int | float | datetime | list[str] | list[int] | list[float] | list[bool]
)
"""A value of a document attribute: the filters of the list and of the search match on them."""

# -- requests ----------------------------------------------------------------------------------


class DocumentUpdateIn(MistralModel):
    """The body of ``PUT /v1/libraries/{library_id}/documents/{document_id}``."""

    name: str | None = None
    attributes: dict[str, DocumentAttributeValue] | None = None


class DocumentUploadParams(FilePartParams, total=False):
    """The keyword arguments of ``libraries.documents.upload`` besides the library id and the
    file (the form has the file part only)."""


class DocumentUpdateParams(TypedDict, total=False):
    """The keyword arguments of ``libraries.documents.update`` besides the ids."""

    name: str | None
    attributes: Mapping[str, DocumentAttributeValue] | None
    """Your own keys and values (``{"year": 2024, "tags": ["hr"]}``)."""


class DocumentsListQuery(MistralModel):
    """The query of ``GET /v1/libraries/{library_id}/documents``."""

    search: str | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] | None = None
    page: Annotated[int, Field(ge=0)] | None = None
    filters_attributes: str | None = None
    sort_by: str | None = None
    sort_order: SortOrder | None = None


class DocumentsListParams(TypedDict, total=False):
    """The keyword arguments of ``libraries.documents.list`` besides the library id."""

    search: str | None
    """Only documents whose name contains this."""
    page_size: int
    """Documents per page, 1 to 100 (the API's default is 100)."""
    page: int
    """The first page to read (0-based)."""
    filters_attributes: str | None
    """A filter on the documents' attributes, as the API's query takes it."""
    sort_by: str | None
    """The field to sort on (the API's default is ``created_at``)."""
    sort_order: SortOrder | None
    """``desc`` (the API's default) or ``asc``."""


# -- replies -----------------------------------------------------------------------------------


class _ProcessState:
    """``done`` and ``failed`` for a model with a ``process_status``."""

    _failed_statuses: ClassVar[frozenset[str]] = frozenset({"error"})
    if TYPE_CHECKING:  # the model's field; pydantic must not take it from here first
        process_status: str

    @property
    def done(self) -> bool:
        """True once processing has ended, well or not: the status will not change by itself."""
        return self.process_status not in PENDING_PROCESS_STATUSES

    @property
    def failed(self) -> bool:
        return self.process_status in self._failed_statuses


class DocumentOut(_ProcessState, ResponseModel):
    """A document's metadata and processing state."""

    id: str
    library_id: str
    hash: str | None = None
    mime_type: str | None = None
    extension: str | None = None
    size: int | None = None
    """The size in bytes."""
    name: str
    summary: str | None = None
    created_at: datetime
    last_processed_at: datetime | None = None
    number_of_pages: int | None = None
    process_status: str
    """One of ``ProcessStatus`` (see :attr:`done`)."""
    uploaded_by_id: str | None = None
    uploaded_by_type: str
    tokens_processing_main_content: int | None = None
    tokens_processing_summary: int | None = None
    url: str | None = None
    attributes: dict[str, Any] | None = None
    processing_status: str
    """The API's own summary of the processing state."""
    tokens_processing_total: int


class PaginationInfo(MistralModel):
    total_items: int
    total_pages: int
    current_page: int
    page_size: int
    has_more: bool


class ListDocumentOut(ResponseModel):
    """One page of ``GET /v1/libraries/{library_id}/documents``."""

    pagination: PaginationInfo
    data: list[DocumentOut] = []

    @property
    def total(self) -> int:
        """How many documents match in all (what the paginator stops on)."""
        return self.pagination.total_items


class DocumentTextContent(ResponseModel):
    """The text of a document, as extracted by processing."""

    text: str


class ProcessingStatusOut(_ProcessState, ResponseModel):
    """Where a document's processing stands."""

    document_id: str
    process_status: str
    """One of ``ProcessStatus`` (see :attr:`done`)."""
    processing_status: str
