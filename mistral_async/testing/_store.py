"""The local server's in-memory state: uploaded files, jobs and fine-tuned models.

Stateless routes (chat, FIM, embeddings) never touch it. Stateful ones get the one store of their
app with :func:`store`; it is created on first use and lives as long as the app.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

_STORE_KEY = "mistral_store"
_CREATE_LOCK = threading.Lock()


@dataclass
class StoredFile:
    """An uploaded (or server-written) file and the metadata the files API reports."""

    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int
    mimetype: str | None = None
    source: str = "upload"
    sample_type: str | None = None
    num_lines: int | None = None
    deleted: bool = False


@dataclass
class Store:
    """Everything the stateful routes keep. Guard compound updates with ``lock``."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    files: dict[str, StoredFile] = field(default_factory=dict)
    fine_tuning_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    fine_tuned_models: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_file(
        self,
        filename: str,
        purpose: str,
        content: bytes,
        *,
        mimetype: str | None = None,
        source: str = "upload",
        sample_type: str | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            id=str(uuid.uuid4()),
            filename=filename,
            purpose=purpose,
            content=content,
            created_at=int(time.time()),
            mimetype=mimetype,
            source=source,
            sample_type=sample_type,
            num_lines=content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1),
        )
        with self.lock:
            self.files[stored.id] = stored
        return stored

    def get_file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            found = self.files.get(file_id)
        return None if found is None or found.deleted else found


def store(request: Request) -> Store:
    """The store of the app serving ``request``."""
    state = request.app.state
    found: Store | None = getattr(state, _STORE_KEY, None)
    if found is None:
        with _CREATE_LOCK:
            found = getattr(state, _STORE_KEY, None)
            if found is None:
                found = Store()
                setattr(state, _STORE_KEY, found)
    return found
