"""What the fine-tuning and batch job tests share: data files, and slower jobs on demand."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from mistral_async.testing import LocalServer

POLL = 0.02  # the local server's jobs take a fraction of a second; poll often
MISSING = "00000000-0000-4000-8000-000000000000"  # a well-formed id that names nothing


def jsonl(records: list[Any]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def chat_sample(question: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": f"An answer to {question}"},
        ]
    }


TRAINING = jsonl([chat_sample(f"question {n}") for n in range(4)])


def unique(prefix: str) -> str:
    """A value no other test uses, to find this test's jobs in the session's shared server."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@contextmanager
def job_timings(server: LocalServer, **seconds: float) -> Iterator[None]:
    """Jobs created inside take these durations (``running=30``: a job that stays RUNNING)."""
    before = server.store.job_timings
    server.store.job_timings = replace(before, **seconds)
    try:
        yield
    finally:
        server.store.job_timings = before
