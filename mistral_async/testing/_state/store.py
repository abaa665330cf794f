"""The local server's in-memory state: uploaded files, jobs, fine-tuned models, agents and
conversations.

Stateless routes (chat, FIM, embeddings) never touch it. Stateful ones get the one store of their
app with :func:`store`; it is created on first use and lives as long as the app.

The store knows no kind of job: the job modules (:mod:`.batch_jobs`, :mod:`.fine_tuning_jobs`)
import it, and each hands it its jobs and how to settle one (:meth:`Store.track`) when it records
a job, so that :meth:`Store.settle` brings every job up to date without importing them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request

from .._models.catalog import CAPABILITIES, find_model
from .._spec.error_bodies import ApiError

if TYPE_CHECKING:  # the agent and conversation modules import this one
    from .agents import StoredAgent
    from .conversations import StoredConversation

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
    visibility: str = "workspace"
    expires_at: int | None = None


@dataclass
class JobTimings:
    """How long simulated jobs spend in each phase, in seconds (see :mod:`.timeline`).

    Short by default, so that a test waits a fraction of a second for a job to finish. Set
    ``server.store.job_timings`` (a ``LocalServer``; ``app.store`` of a ``MistralApp``) to make
    a server's jobs slower or faster; it applies to jobs created afterwards.
    """

    queued: float = 0.05
    """QUEUED, before a job starts (a fine-tuning job then spends as long VALIDATING)."""
    running: float = 0.2
    """RUNNING, before a job succeeds."""
    cancelling: float = 0.05
    """CANCELLATION_REQUESTED, before a job is CANCELLED."""


Jobs = dict[str, dict[str, Any]]
"""Job id → job, in creation order: the spec's fields plus private keys (``_`` prefix)."""
Settler = Callable[["Store", dict[str, Any], float], None]
"""Brings one job to a moment (a ``time.time()`` timestamp); it takes the store's lock."""


@dataclass
class Store:
    """Everything the stateful routes keep. Guard compound updates with ``lock``."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    files: dict[str, StoredFile] = field(default_factory=dict)
    fine_tuning_jobs: Jobs = field(default_factory=dict)
    batch_jobs: Jobs = field(default_factory=dict)
    fine_tuned_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Model id → the model's card, exactly as ``GET /v1/models`` lists it: the spec's
    ``FTModelCard`` (``id``, ``object``, ``created``, ``owned_by``, ``capabilities`` with every
    flag of ``ModelCapabilities``, ``name``, ``description``, ``max_context_length``,
    ``aliases``, ``deprecation``, ``deprecation_replacement_model``,
    ``default_model_temperature``, ``type: "fine-tuned"``, ``job``, ``root``, ``archived``).
    A classifier's card may also carry ``classifier_targets`` (``ClassifierTargetOut`` list).
    Add one with :meth:`add_fine_tuned_model`; the models routes list, update, archive and
    delete them."""
    job_timings: JobTimings = field(default_factory=JobTimings)
    agents: dict[str, StoredAgent] = field(default_factory=dict)
    """Agent id → its versions and aliases (:mod:`.agents`)."""
    conversations: dict[str, StoredConversation] = field(default_factory=dict)
    """Conversation id → its settings and entries (:mod:`.conversations`), stored ones only."""
    _tracked: list[tuple[Jobs, Settler]] = field(default_factory=list, init=False, repr=False)

    def track(self, jobs: Jobs, settler: Settler) -> None:
        """Have :meth:`settle` bring each of ``jobs`` up to date with ``settler`` from now on
        (once, however often the pair is given)."""
        with self.lock:
            if all(known is not jobs for known, _ in self._tracked):
                self._tracked.append((jobs, settler))

    def settle(self, now: float | None = None) -> None:
        """Bring every job up to now: a job that has succeeded since it was last read
        registers its fine-tuned model, or writes its batch result files. Routes that show
        what jobs produce (models, files) call this first."""
        now = time.time() if now is None else now
        with self.lock:
            due = [(settler, list(jobs.values())) for jobs, settler in self._tracked]
        for settler, jobs in due:
            for job in jobs:
                settler(self, job, now)

    def add_file(
        self,
        filename: str,
        purpose: str,
        content: bytes,
        *,
        mimetype: str | None = None,
        source: str = "upload",
        sample_type: str | None = None,
        visibility: str = "workspace",
        expires_at: int | None = None,
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
            visibility=visibility,
            expires_at=expires_at,
        )
        with self.lock:
            self.files[stored.id] = stored
        return stored

    def get_file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            found = self.files.get(file_id)
        return None if found is None or found.deleted else found

    def job_input(self, file_id: str, purpose: str, param: str) -> StoredFile:
        """The file a job request names, which must have been uploaded for ``purpose``.

        :param param: the request field that names it, for the error.
        :raises ApiError: 404 for a missing file, 400 for one of another purpose.
        """
        found = self.get_file(file_id)
        if found is None:
            raise ApiError(404, f"File {file_id} not found", param=param)
        if found.purpose != purpose:
            message = f"File {file_id} has purpose {found.purpose!r}; expected {purpose!r}"
            raise ApiError(400, message, param=param)
        return found

    def add_fine_tuned_model(
        self,
        model_id: str,
        *,
        root: str,
        job: str,
        classifier_targets: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Record a fine-tuned model (what a succeeded job does) and return its card.

        :param root: the base model it was trained from.
        :param job: the id of the job that trained it.
        :param classifier_targets: makes it a classifier (``ClassifierTargetOut`` dicts).
        :param fields: card fields to set (``name``, ``description``, ``created``...).
        """
        classifier = classifier_targets is not None
        flags = {name: False for name in CAPABILITIES}
        base = find_model(root)
        # A fine-tuned model keeps what its base model generates (FIM for codestral).
        inherited = (
            {
                name: not classifier and name in base.capabilities
                for name in ("function_calling", "completion_fim")
            }
            if base is not None
            else {}
        )
        flags.update(completion_chat=not classifier, classification=classifier, **inherited)
        card: dict[str, Any] = {
            "id": model_id,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "local-organization",
            "capabilities": flags,
            "name": None,
            "description": None,
            "max_context_length": 32768,
            "aliases": [],
            "deprecation": None,
            "deprecation_replacement_model": None,
            "default_model_temperature": None,
            "type": "fine-tuned",
            "job": job,
            "root": root,
            "archived": False,
            **({"classifier_targets": classifier_targets} if classifier else {}),
            **fields,
        }
        with self.lock:
            self.fine_tuned_models[model_id] = card
        return card


def store(request: Request) -> Store:
    """The store of the app serving ``request``."""
    return state_store(request.app.state)


def settled_store(request: Request) -> Store:
    """The store of the app serving ``request``, with every job brought up to now (the files
    and models that jobs finished since the last look are there)."""
    found = store(request)
    found.settle()
    return found


def state_store(state: Any) -> Store:
    """The store kept in a Starlette app's ``state``, created on first use."""
    return state_object(state, _STORE_KEY, Store)


_T = TypeVar("_T")


def state_object(state: Any, key: str, factory: Callable[[], _T]) -> _T:
    """The object kept under ``key`` in a Starlette app's ``state``, made by ``factory`` on
    first use (once, however many requests ask at the same time). Areas whose state the
    :class:`Store` does not hold (voices, libraries) keep theirs so."""
    found: _T | None = getattr(state, key, None)
    if found is None:
        with _CREATE_LOCK:
            found = getattr(state, key, None)
            if found is None:
                found = factory()
                setattr(state, key, found)
    return found
