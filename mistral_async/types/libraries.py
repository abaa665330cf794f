"""Document libraries (``/v1/libraries``, beta): libraries, who may use them, and their documents.

A library holds uploaded documents that the agents' ``document_library`` tool searches. Its
owner shares it with users, workspaces or the organisation (``/share``: the *accesses*). The
document models live in :mod:`.library_documents` and are importable from here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from ._jobs import UUIDStr
from .library_documents import (
    PENDING_PROCESS_STATUSES,
    DocumentAttributeValue,
    DocumentOut,
    DocumentsListParams,
    DocumentsListQuery,
    DocumentTextContent,
    DocumentUpdateIn,
    DocumentUpdateParams,
    DocumentUploadParams,
    ListDocumentOut,
    PaginationInfo,
    ProcessingStatusOut,
    ProcessStatus,
    SortOrder,
)

__all__ = [
    "PENDING_PROCESS_STATUSES",
    "AccessDeleteParams",
    "AccessUpdateOrCreateParams",
    "DocumentAttributeValue",
    "DocumentOut",
    "DocumentTextContent",
    "DocumentUpdateIn",
    "DocumentUpdateParams",
    "DocumentUploadParams",
    "DocumentsListParams",
    "DocumentsListQuery",
    "EntityType",
    "LibraryCreateParams",
    "LibraryIn",
    "LibraryInUpdate",
    "LibraryOut",
    "LibraryUpdateParams",
    "ListDocumentOut",
    "ListLibraryOut",
    "ListSharingOut",
    "PaginationInfo",
    "ProcessStatus",
    "ProcessingStatusOut",
    "ShareEnum",
    "SharingDelete",
    "SharingIn",
    "SharingOut",
    "SortOrder",
]

ShareEnum = Literal["Viewer", "Editor"]
"""The access level given (replies keep it a ``str``: the API may add levels)."""
EntityType = Literal["User", "Workspace", "Org"]
"""Whom a library is shared with (replies keep it a ``str``)."""

# -- requests ----------------------------------------------------------------------------------


class LibraryIn(MistralModel):
    """The body of ``POST /v1/libraries``; validated strictly before sending."""

    name: str
    description: str | None = None
    chunk_size: int | None = None


class LibraryInUpdate(MistralModel):
    """The body of ``PUT /v1/libraries/{library_id}``: only the fields given change."""

    name: str | None = None
    description: str | None = None


class LibraryCreateParams(TypedDict, total=False):
    """The keyword arguments of ``libraries.create``."""

    name: Required[str]
    description: str | None
    chunk_size: int | None
    """The size of the pieces documents are cut into for search."""


class LibraryUpdateParams(TypedDict, total=False):
    """The keyword arguments of ``libraries.update`` besides the library id."""

    name: str | None
    description: str | None


class SharingDelete(MistralModel):
    """The body of ``DELETE /v1/libraries/{library_id}/share``: whose access to remove."""

    org_id: UUIDStr | None = None
    share_with_uuid: UUIDStr
    share_with_type: EntityType


class SharingIn(SharingDelete):
    """The body of ``PUT /v1/libraries/{library_id}/share``: give an access, or change it."""

    level: ShareEnum


class AccessDeleteParams(TypedDict, total=False):
    """The keyword arguments of ``libraries.accesses.delete`` besides the library id."""

    share_with_uuid: Required[str]
    """The id of the user, workspace or organisation."""
    share_with_type: Required[EntityType]
    org_id: str | None


class AccessUpdateOrCreateParams(AccessDeleteParams, total=False):
    """The keyword arguments of ``libraries.accesses.update_or_create`` besides the library
    id."""

    level: Required[ShareEnum]
    """``Viewer`` or ``Editor``."""


# -- replies -----------------------------------------------------------------------------------


class LibraryOut(ResponseModel):
    """A library: its settings and what it holds."""

    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    owner_id: str | None = None
    owner_type: str
    total_size: int
    """The size of its documents, in bytes."""
    nb_documents: int
    chunk_size: int | None = None
    emoji: str | None = None
    description: str | None = None
    generated_description: str | None = None
    explicit_user_members_count: int | None = None
    explicit_workspace_members_count: int | None = None
    org_sharing_role: str | None = None
    generated_name: str | None = None


class ListLibraryOut(ResponseModel):
    """What ``GET /v1/libraries`` answers: every library you own or that is shared with you."""

    data: list[LibraryOut] = []


class SharingOut(ResponseModel):
    """An access to a library."""

    library_id: str
    user_id: str | None = None
    org_id: str
    role: str
    """``Viewer``, ``Editor``... (see ``ShareEnum``)."""
    share_with_type: str
    """``User``, ``Workspace`` or ``Org`` (see ``EntityType``)."""
    share_with_uuid: str | None = None


class ListSharingOut(ResponseModel):
    """What ``GET /v1/libraries/{library_id}/share`` answers."""

    data: list[SharingOut] = []
