"""The voices of ``/v1/audio/voices``: their metadata and their audio samples, per app.

A voice is the spec's ``VoiceResponse`` dict; its sample (the bytes of the audio it was created
from) is kept beside it, for ``GET /v1/audio/voices/{id}/sample`` and for the speech route,
whose tone a voice chooses.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from .._spec.error_bodies import ApiError
from .store import state_object

LOCAL_USER_ID = "00000000-0000-4000-8000-00000000a11c"
"""The one user of the local server: the owner of its voices and libraries."""
_KEY = "mistral_voices"
UPDATABLE = ("name", "languages", "gender", "age", "tags")


def iso_now() -> str:
    """Now, as the API writes date-times (``2025-06-01T12:00:00.123456Z``)."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Voices:
    """Voice id → voice, in creation order, and voice id → sample bytes."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: dict[str, bytes] = field(default_factory=dict)

    def create(self, body: dict[str, Any], sample: bytes) -> dict[str, Any]:
        """Record a voice from a ``VoiceCreateRequest`` and its decoded sample."""
        voice = {
            "name": body["name"],
            "slug": body.get("slug"),
            "languages": list(body.get("languages") or []),
            "gender": body.get("gender"),
            "age": body.get("age"),
            "tags": body.get("tags"),
            "color": body.get("color"),
            "retention_notice": body.get("retention_notice", 30),
            "id": str(uuid.uuid4()),
            "created_at": iso_now(),
            "user_id": LOCAL_USER_ID,
        }
        with self.lock:
            self.items[voice["id"]] = voice
            self.samples[voice["id"]] = sample
        return dict(voice)

    def get(self, voice_id: str) -> dict[str, Any]:
        """The voice ``voice_id`` names, or 404."""
        with self.lock:
            found = self.items.get(voice_id)
        if found is None:
            raise ApiError(404, f"Voice {voice_id} not found", param="voice_id")
        return dict(found)

    def find(self, voice_id: str) -> dict[str, Any] | None:
        """The voice with this id or slug, if there is one."""
        with self.lock:
            found = self.items.get(voice_id) or next(
                (v for v in self.items.values() if v["slug"] == voice_id), None
            )
        return None if found is None else dict(found)

    def update(self, voice_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Set the fields of a ``VoiceUpdateRequest`` that are given (not null)."""
        with self.lock:
            self.get(voice_id)
            voice = self.items[voice_id]
            voice.update({k: changes[k] for k in UPDATABLE if changes.get(k) is not None})
            return dict(voice)

    def delete(self, voice_id: str) -> dict[str, Any]:
        with self.lock:
            voice = self.get(voice_id)
            del self.items[voice_id]
            del self.samples[voice_id]
        return voice

    def sample(self, voice_id: str) -> bytes:
        with self.lock:
            self.get(voice_id)
            return self.samples[voice_id]

    def listed(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(voice) for voice in self.items.values()]


def voices(request: Request) -> Voices:
    """The voices of the app serving ``request``."""
    return state_object(request.app.state, _KEY, Voices)
