"""Results back in input order, with a bounded wait: pure bookkeeping, no I/O.

Items finish in any order; :class:`ReorderBuffer` holds those that finished before an earlier
one and releases runs of consecutive results as soon as the earliest is there. It never holds
more than ``limit`` results, because the runner admits item ``i`` only once
``i < head + limit`` (:meth:`admits`): when the head item is slow, the items after it finish,
wait here, and no new item starts once ``limit`` are waiting. That is back-pressure: the run
pauses until the head item ends, and memory stays bounded whatever the input's length.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class ReorderBuffer(Generic[T]):
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.limit = limit
        self.head = 0
        """The index of the next result to release."""
        self._waiting: dict[int, T] = {}

    def admits(self, index: int) -> bool:
        """Whether item ``index`` may start without the buffer growing past ``limit``."""
        return index < self.head + self.limit

    def add(self, index: int, result: T) -> list[T]:
        """Store the result of item ``index``; return the results now releasable, in order."""
        if index < self.head or index in self._waiting:
            raise ValueError(f"result {index} was already added")
        if not self.admits(index):
            raise ValueError(f"result {index} is beyond the window ({self.head} + {self.limit})")
        self._waiting[index] = result
        released: list[T] = []
        while self.head in self._waiting:
            released.append(self._waiting.pop(self.head))
            self.head += 1
        return released

    def __len__(self) -> int:
        """Results waiting for an earlier one."""
        return len(self._waiting)
