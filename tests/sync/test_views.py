"""The sync views, without a server: what each reads ahead (nothing, where the next item is
work), and that misuse is refused by the async object itself, the same way for both faces."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mistral_async import Mistral, SyncBatchRunner, SyncPaginator, SyncToolSteps
from mistral_async._core.pagination import AsyncPaginator
from tests._support.iterables import Source


class Page:
    def __init__(self, data: list[int], total: int | None) -> None:
        self.data = data
        self.total = total


def test_a_paginator_fetches_a_page_when_the_loop_reaches_it() -> None:
    fetched: list[int] = []

    async def fetch(number: int) -> Any:
        fetched.append(number)
        return Page(list(range(number * 3, number * 3 + 3)) if number < 3 else [], None)

    with Mistral(api_key="k") as client:
        paginator: SyncPaginator[int, Page] = SyncPaginator(
            client, AsyncPaginator(fetch, page_size=3)
        )
        items = iter(paginator)
        assert [next(items) for _ in range(3)] == [0, 1, 2]
        time.sleep(0.02)  # time enough for any read-ahead to fetch the next page
        assert fetched == [0]  # page 1 is not asked for until item 3 is
        assert next(items) == 3
        assert fetched == [0, 1]
        assert list(items) == list(range(4, 9))
        assert fetched == [0, 1, 2, 3]


def test_tool_steps_run_one_step_per_iteration() -> None:
    source = Source(5)
    with Mistral(api_key="k") as client:
        steps = SyncToolSteps(client, source)  # type: ignore[arg-type]
        for step in steps:
            assert step == 0
            break
    assert source.pulled == [0]  # no second model call (and tool run) behind the caller's back
    assert source.closed.wait(5)


def test_a_batch_run_is_entered_once_and_iterated_inside_with() -> None:
    with Mistral(api_key="k", base_url="http://127.0.0.1:9") as client:
        runner = SyncBatchRunner(client, model="m")
        run = runner.run([])
        with pytest.raises(RuntimeError, match="to iterate"):
            list(run)  # not entered: refused by BatchRun itself
        with run as results:
            assert list(results) == []
            with pytest.raises(RuntimeError, match="entered once"), run:
                pass
        assert run.progress.finished
