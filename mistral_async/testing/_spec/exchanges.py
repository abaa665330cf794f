"""What went over the wire: :class:`Exchange` (one request and its response) and
:class:`ExchangeLog` (a server's exchanges), the input of the conformance checks.

The server's recording middleware (:mod:`.._server.recording`) fills the log; tests and
:mod:`.conformance` read it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload


@dataclass(frozen=True)
class Exchange:
    """One request and its response as they went over the wire.

    :param request_headers: lower-case names; ``authorization`` is never recorded.
    :param status: ``None`` if the server sent no response at all.
    :param response_body: everything sent, which for a cut response is less than announced.
    :param complete: whether the response was sent to its end.
    :param disconnected: whether the server saw the client leave before the response ended.
    :param fault: the kind of fault injected into this exchange, or ``None``.
    :param request_id: the ``x-request-id`` the server gave the response.
    """

    method: str
    path: str
    query: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int | None
    response_headers: Mapping[str, str]
    response_body: bytes
    complete: bool
    disconnected: bool
    fault: str | None
    request_id: str | None

    @property
    def content_type(self) -> str:
        """The response's content type (``""`` if none)."""
        return self.response_headers.get("content-type", "")

    @property
    def request_content_type(self) -> str:
        return self.request_headers.get("content-type", "")

    def json(self) -> Any:
        """The response body, decoded as JSON."""
        return json.loads(self.response_body)

    def request_json(self) -> Any:
        """The request body, decoded as JSON."""
        return json.loads(self.request_body)


class ExchangeLog(Sequence[Exchange]):
    """The exchanges a server recorded, oldest first; safe to read while the server appends."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._items: list[Exchange] = []
        self._in_flight = 0

    def begin(self) -> None:
        """A request started; its exchange will be appended by :meth:`end`."""
        with self._lock:
            self._in_flight += 1

    def end(self, exchange: Exchange) -> None:
        """A request ended: record its exchange."""
        with self._lock:
            self._in_flight -= 1
            self._items.append(exchange)
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Wait until no request is being served (so the log holds every exchange begun so
        far); False if some still were after ``timeout`` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[Exchange]:
        """A copy of the list as it is now."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Exchange: ...
    @overload
    def __getitem__(self, index: slice) -> list[Exchange]: ...
    def __getitem__(self, index: int | slice) -> Exchange | list[Exchange]:
        with self._lock:
            return self._items[index]

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"ExchangeLog({len(self)} exchanges)"
