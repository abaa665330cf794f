"""An async iterable that tells what was pulled from it, for tests of iteration across threads."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator


class Source:
    """An async iterable of 0..count-1 that records what was pulled and whether it closed."""

    def __init__(self, count: int, fail_after: int | None = None) -> None:
        self.count = count
        self.fail_after = fail_after
        self.pulled: list[int] = []
        self.closed = threading.Event()

    async def __aiter__(self) -> AsyncIterator[int]:
        try:
            for i in range(self.count):
                if i == self.fail_after:
                    raise ValueError(f"failed at {i}")
                self.pulled.append(i)
                yield i
        finally:
            self.closed.set()
