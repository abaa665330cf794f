"""Paged lists: read one page, or iterate every item across pages.

The list endpoints (files, fine-tuning jobs, batch jobs) take ``page`` (0-indexed) and
``page_size`` and answer ``{"data": [...], "total": N}``; cursor lists (agents) take a
``page_token`` and answer ``{"data": [...], "next_page_token": ...}``
(:class:`AsyncCursorPaginator`). A paginator is created without I/O: ``await`` it for the first
page, ``async for`` it for every item, or use ``pages()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from typing import Any, Generic, Protocol, TypeVar

ItemT = TypeVar("ItemT")
ItemT_co = TypeVar("ItemT_co", covariant=True)
PageT = TypeVar("PageT", bound="Page[Any]")


class Page(Protocol[ItemT_co]):
    """What a list reply offers: its items (a numbered page may also have a ``total``)."""

    @property
    def data(self) -> Sequence[ItemT_co]: ...


class AsyncPaginator(Generic[ItemT, PageT]):
    """A lazily fetched paged list.

    :param fetch: gets one page by its 0-based number.
    :param first_page: the page to start from.
    :param page_size: the requested page size, used to tell the last page when the reply has
        no ``total``.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[PageT]],
        *,
        first_page: int = 0,
        page_size: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._first_page = first_page
        self._page_size = page_size

    def __await__(self) -> Generator[Any, None, PageT]:
        return self._fetch(self._first_page).__await__()

    async def first_page(self) -> PageT:
        return await self._fetch(self._first_page)

    async def pages(self) -> AsyncIterator[PageT]:
        """Every page from the first one, until an empty or last page."""
        number = self._first_page
        seen = number * self._page_size if self._page_size else 0
        while True:
            page = await self._fetch(number)
            yield page
            count = len(page.data)
            seen += count
            if count == 0:
                return
            total: int | None = getattr(page, "total", None)
            if total is not None and seen >= total:
                return
            if total is None and self._page_size is not None and count < self._page_size:
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            for item in page.data:
                yield item


# Cursor lists still end if a server gives the same cursor twice (it would loop for ever).
MAX_CURSOR_PAGES = 100_000


class AsyncCursorPaginator(AsyncPaginator[ItemT, PageT]):
    """A lazily fetched list paged by cursor: each page names where the next one starts.

    :param fetch: gets the page that starts at a cursor (``None``: the first).
    :param next_cursor: the cursor a page gives for the next one (``None`` on the last).
    :param first_cursor: where to start.
    """

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[PageT]],
        next_cursor: Callable[[PageT], str | None],
        *,
        first_cursor: str | None = None,
    ) -> None:
        super().__init__(lambda _number: fetch(first_cursor))
        self._fetch_at = fetch
        self._next_cursor = next_cursor
        self._first_cursor = first_cursor

    async def pages(self) -> AsyncIterator[PageT]:
        """Every page from the first one, until a page without items or next cursor."""
        cursor = self._first_cursor
        seen: set[str] = set()
        for _ in range(MAX_CURSOR_PAGES):
            page = await self._fetch_at(cursor)
            yield page
            cursor = self._next_cursor(page)
            if cursor is None or not page.data or cursor in seen:
                return
            seen.add(cursor)
