"""Document library models against the spec: every schema the ``beta.libraries*`` operations use,
the documents list query, request strictness and the processing state."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from mistral_async._core.errors import ArgumentError
from mistral_async._core.validate import validate_params
from mistral_async.types import libraries as lib
from mistral_async.types._base import dump_request
from tests._support import library_examples as ex
from tests._support.spec_schemas import (
    QueryTableTests,
    SchemaTableTests,
    conforms,
    query_parameters,
    referenced_schemas,
    tagged,
)

TAGS = ("beta.libraries", "beta.libraries.documents", "beta.libraries.accesses")

# Spec schema name → (model, example). Requests are read as the SDK reads arguments (strict,
# unknown keys forbidden); replies as the client reads a body (from JSON, tolerant).
REQUESTS: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "LibraryIn": (lib.LibraryIn, ex.LIBRARY_IN),
    "LibraryInUpdate": (lib.LibraryInUpdate, ex.LIBRARY_IN_UPDATE),
    "DocumentUpdateIn": (lib.DocumentUpdateIn, ex.DOCUMENT_UPDATE_IN),
    "SharingIn": (lib.SharingIn, ex.SHARING_IN),
    "SharingDelete": (lib.SharingDelete, ex.SHARING_DELETE),
}
REPLIES: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {
    "LibraryOut": (lib.LibraryOut, ex.LIBRARY),
    "ListLibraryOut": (lib.ListLibraryOut, ex.LIBRARY_LIST),
    "DocumentOut": (lib.DocumentOut, ex.DOCUMENT),
    "ListDocumentOut": (lib.ListDocumentOut, ex.DOCUMENT_LIST),
    "PaginationInfo": (lib.PaginationInfo, ex.PAGINATION),
    "DocumentTextContent": (lib.DocumentTextContent, ex.DOCUMENT_TEXT),
    "ProcessingStatusOut": (lib.ProcessingStatusOut, ex.PROCESSING_STATUS),
    "SharingOut": (lib.SharingOut, ex.SHARING),
    "ListSharingOut": (lib.ListSharingOut, ex.SHARING_LIST),
}
# Spec schemas that are not objects, as (Python type, example).
ALIASES: dict[str, tuple[Any, Any]] = {
    "ProcessStatus": (lib.ProcessStatus, "waiting_for_capacity"),
    "ShareEnum": (lib.ShareEnum, "Viewer"),
    "EntityType": (lib.EntityType, "Org"),
}
MODELLED = set(REQUESTS) | set(REPLIES) | set(ALIASES)
# Read by the error tree (UnprocessableEntityError), and the upload's file part (``format:
# binary``: the ``file`` argument, not a model).
REUSED = {"HTTPValidationError", "ValidationError"}
PARTS = {"File"}


def test_every_schema_the_operations_use_is_covered() -> None:
    reached = referenced_schemas(tagged(*TAGS))
    covered = MODELLED | REUSED | PARTS
    assert reached - covered == set(), "schemas without a model"
    assert covered - reached == set(), "tables name schemas the operations do not use"
    assert (len(reached), len(MODELLED)) == (20, 17)


# -- every model against its schema ------------------------------------------------------------


# Fields the spec requires (and does not let be null) that a reply may still lack.
DEFAULTED = {
    "ListLibraryOut": {"data"},
    "ListDocumentOut": {"data"},
    "ListSharingOut": {"data"},
}


class TestLibrarySchemas(SchemaTableTests):
    REQUESTS = REQUESTS
    REPLIES = REPLIES
    ALIASES = ALIASES
    DEFAULTED = DEFAULTED


def test_the_spec_enums_are_the_literals() -> None:
    from mistral_async.types.library_documents import PENDING_PROCESS_STATUSES
    from tests._support.spec_schemas import SCHEMAS

    for name, (python_type, _) in ALIASES.items():
        assert set(python_type.__args__) == set(SCHEMAS[name]["enum"])
    assert set(lib.ProcessStatus.__args__) >= PENDING_PROCESS_STATUSES


# -- the documents list query --------------------------------------------------------------------

QUERIES: dict[tuple[str, str], type[BaseModel]] = {
    ("GET", "/v1/libraries/{library_id}/documents"): lib.DocumentsListQuery,
}


class TestLibraryQueries(QueryTableTests):
    PREFIX = "/v1/libraries"
    QUERIES = QUERIES


def test_the_documents_query_bounds_are_the_specs() -> None:
    parameters = query_parameters("GET", "/v1/libraries/{library_id}/documents")
    bounds = {name: p["schema"] for name, p in parameters.items()}
    assert (bounds["page_size"]["minimum"], bounds["page_size"]["maximum"]) == (1, 100)
    assert bounds["page"]["minimum"] == 0


def test_a_documents_query_dumps_only_what_was_given() -> None:
    params = {"search": "travel", "page": 2, "page_size": 50, "sort_order": "asc"}
    query = validate_params(lib.DocumentsListQuery, params)
    assert dump_request(query) == params
    everything = {**params, "filters_attributes": '{"year": 2025}', "sort_by": "name"}
    assert dump_request(validate_params(lib.DocumentsListQuery, everything)) == everything


# -- requests: strictness ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "params", "argument"),
    [
        (lib.LibraryIn, {"description": "d"}, "name"),
        (lib.LibraryIn, {"name": "n", "chunk_size": "512"}, "chunk_size"),
        (lib.LibraryInUpdate, {"chunk_size": 512}, "chunk_size"),  # fixed at creation
        (lib.DocumentUpdateIn, {"attributes": {"a": {"nested": 1}}}, "attributes.a"),
        (lib.DocumentUpdateIn, {"attributes": {"a": [1, "x"]}}, "attributes.a[0]"),
        (lib.DocumentUpdateIn, {"attributes": {"a": None}}, "attributes.a"),
        (lib.SharingIn, {**ex.SHARING_IN, "level": "viewer"}, "level"),
        (lib.SharingIn, {**ex.SHARING_IN, "share_with_type": "Team"}, "share_with_type"),
        (lib.SharingIn, {**ex.SHARING_IN, "share_with_uuid": "alice"}, "share_with_uuid"),
        (lib.SharingIn, {k: v for k, v in ex.SHARING_IN.items() if k != "level"}, "level"),
        (lib.SharingDelete, {**ex.SHARING_DELETE, "level": "Viewer"}, "level"),
        (lib.SharingDelete, {**ex.SHARING_DELETE, "org_id": "acme"}, "org_id"),
        (lib.DocumentsListQuery, {"page_size": 101}, "page_size"),
        (lib.DocumentsListQuery, {"page_size": 0}, "page_size"),
        (lib.DocumentsListQuery, {"page": -1}, "page"),
        (lib.DocumentsListQuery, {"sort_order": "descending"}, "sort_order"),
        (lib.DocumentsListQuery, {"filters": "x"}, "filters"),
    ],
)
def test_library_requests_refuse_what_the_api_would(
    model: type[BaseModel], params: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        validate_params(model, params)
    assert caught.value.argument == argument


def test_document_attributes_keep_their_kinds() -> None:
    when = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    attributes = {"year": 2025, "draft": True, "score": 0.5, "when": when, "ids": [1, 2]}
    request = validate_params(lib.DocumentUpdateIn, {"attributes": attributes})
    assert request.attributes == attributes  # a bool stays a bool, an int an int
    dumped = dump_request(request)
    assert dumped["attributes"]["when"] == "2025-06-01T12:00:00Z"
    assert conforms(dumped, "DocumentUpdateIn") == []


# -- replies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "done", "failed"),
    [
        ("todo", False, False),
        ("in_progress", False, False),
        ("waiting_for_capacity", False, False),
        ("done", True, False),
        ("noop", True, False),
        ("self_managed", True, False),
        ("missing_content", True, False),
        ("error", True, True),
        ("archived", True, False),  # a status added later reads, and is not waited on forever
    ],
)
def test_processing_state_tells_when_processing_has_ended(
    status: str, done: bool, failed: bool
) -> None:
    state = lib.ProcessingStatusOut.model_validate(
        {**ex.PROCESSING_STATUS, "process_status": status}
    )
    document = lib.DocumentOut.model_validate({**ex.DOCUMENT, "process_status": status})
    assert (state.done, state.failed) == (done, failed)
    assert (document.done, document.failed) == (done, failed)


def test_the_documents_page_has_the_paginators_total() -> None:
    page = lib.ListDocumentOut.model_validate(
        {**ex.DOCUMENT_LIST, "pagination": {**ex.PAGINATION, "total_items": 7, "has_more": True}}
    )
    assert page.total == 7
    assert page.pagination.has_more
    assert [d.id for d in page.data] == [ex.DOCUMENT_ID]


def test_replies_keep_enum_values_the_sdk_does_not_know() -> None:
    sharing = lib.SharingOut.model_validate({**ex.SHARING, "role": "Owner", "share_with_type": "X"})
    assert (sharing.role, sharing.share_with_type) == ("Owner", "X")
    library = lib.LibraryOut.model_validate({**ex.LIBRARY, "owner_type": "Workspace", "new": 1})
    assert library.owner_type == "Workspace"
    assert library.model_extra == {"new": 1}
