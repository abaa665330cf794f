"""``Deadline``: a total time limit on a request, from sending it to the last byte read.

httpx's timeouts apply to each network operation, so a server trickling a byte at a time never
trips them. A deadline is an absolute time on anyio's clock; each awaited send or read runs in a
cancel scope ending then. The scopes are opened around single awaits, never across a stream's
``yield``, and a scope that expired turns into ``APITimeoutError`` ("deadline of N s exceeded").

A reply read whole gets a fresh deadline per attempt (``deadline`` option, 600 s by default), so
a trickle is retried like any timeout; a stream gets one deadline for its whole life, only when
the call asks for it (``deadline=`` on the call), since a long generation may stream for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import anyio
import httpx

from .checks import check_optional_seconds

# As long as the default read timeout: a non-streaming answer takes as long as its generation.
DEFAULT_DEADLINE: Final = 600.0


@dataclass(frozen=True, slots=True)
class Deadline:
    seconds: float
    at: float

    @classmethod
    def start(cls, seconds: Any) -> Deadline | None:
        """A deadline ``seconds`` from now (checked as the ``deadline`` option), or ``None``."""
        limit = check_optional_seconds("deadline", seconds)
        return None if limit is None else cls(limit, anyio.current_time() + limit)

    @staticmethod
    def scope(deadline: Deadline | None) -> anyio.CancelScope:
        """A cancel scope ending at ``deadline`` (none if ``None``); open it around one await."""
        return anyio.CancelScope() if deadline is None else anyio.CancelScope(deadline=deadline.at)

    def failure(self, request: httpx.Request) -> httpx.ReadTimeout:
        """The httpx timeout standing for this deadline, retried and mapped like any other."""
        return httpx.ReadTimeout(f"deadline of {self.seconds:g} s exceeded", request=request)
