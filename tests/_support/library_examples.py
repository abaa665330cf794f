"""Hand-written examples of every document library schema, with every field set.

Each is JSON as the API sends it (replies) or as the SDK must send it (requests); the type tests
check each against the spec's schema of the same name, so they are safe to reuse as fixtures.
"""

from __future__ import annotations

T0 = "2025-06-01T12:00:00Z"
T1 = "2025-06-01T12:05:00Z"
LIBRARY_ID = "3d1f6a2b-8c4e-4f0a-9b7d-2e5c6a1b0f93"
DOCUMENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
USER_ID = "0b6f1d7e-2f3a-4c5b-8d9e-1a2b3c4d5e6f"
ORG_ID = "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928"
WORKSPACE_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

LIBRARY_IN = {"name": "Handbook", "description": "Company policies.", "chunk_size": 512}
LIBRARY_IN_UPDATE = {"name": "Handbook 2025", "description": "Company policies, updated."}
LIBRARY = {
    "id": LIBRARY_ID,
    "name": "Handbook",
    "created_at": T0,
    "updated_at": T1,
    "owner_id": USER_ID,
    "owner_type": "User",
    "total_size": 20480,
    "nb_documents": 1,
    "chunk_size": 512,
    "emoji": "📘",
    "description": "Company policies.",
    "generated_description": "Policies on leave, travel and expenses.",
    "explicit_user_members_count": 2,
    "explicit_workspace_members_count": 1,
    "org_sharing_role": "Viewer",
    "generated_name": "Company handbook",
}
LIBRARY_LIST = {"data": [LIBRARY]}

ATTRIBUTES = {
    "year": 2025,
    "draft": False,
    "owner": "hr",
    "score": 0.5,
    "reviewed_at": T0,
    "tags": ["hr", "travel"],
    "pages": [1, 2],
    "weights": [0.5, 1.5],
    "flags": [True, False],
}
DOCUMENT_UPDATE_IN = {"name": "travel-policy.pdf", "attributes": ATTRIBUTES}
DOCUMENT = {
    "id": DOCUMENT_ID,
    "library_id": LIBRARY_ID,
    "hash": "9f86d081884c7d659a2feaa0c55ad015",
    "mime_type": "application/pdf",
    "extension": "pdf",
    "size": 20480,
    "name": "travel-policy.pdf",
    "summary": "How to book travel.",
    "created_at": T0,
    "last_processed_at": T1,
    "number_of_pages": 3,
    "process_status": "done",
    "uploaded_by_id": USER_ID,
    "uploaded_by_type": "User",
    "tokens_processing_main_content": 1200,
    "tokens_processing_summary": 80,
    "url": "https://example.com/travel-policy.pdf",
    "attributes": {"year": 2025, "tags": ["hr"]},
    "processing_status": "Completed",
    "tokens_processing_total": 1280,
}
PAGINATION = {
    "total_items": 1,
    "total_pages": 1,
    "current_page": 0,
    "page_size": 100,
    "has_more": False,
}
DOCUMENT_LIST = {"pagination": PAGINATION, "data": [DOCUMENT]}
DOCUMENT_TEXT = {"text": "# Travel policy\n\nBook early."}
PROCESSING_STATUS = {
    "document_id": DOCUMENT_ID,
    "process_status": "in_progress",
    "processing_status": "Running",
}

SHARING_IN = {
    "org_id": ORG_ID,
    "level": "Editor",
    "share_with_uuid": WORKSPACE_ID,
    "share_with_type": "Workspace",
}
SHARING_DELETE = {"org_id": ORG_ID, "share_with_uuid": WORKSPACE_ID, "share_with_type": "Workspace"}
SHARING = {
    "library_id": LIBRARY_ID,
    "user_id": USER_ID,
    "org_id": ORG_ID,
    "role": "Editor",
    "share_with_type": "Workspace",
    "share_with_uuid": WORKSPACE_ID,
}
SHARING_LIST = {"data": [SHARING]}
