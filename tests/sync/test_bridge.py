"""The one sync iteration bridge (``read_ahead``), without a server: what is pulled from the
async side, when, and that it is closed however the iteration stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from mistral_async._sync.bridge import read_ahead
from mistral_async._sync.portal import PortalThread
from tests._support.iterables import Source


@pytest.fixture
def portal() -> Iterator[PortalThread]:
    portal = PortalThread()
    yield portal
    portal.stop()


def test_size_zero_pulls_only_what_is_asked_for(portal: PortalThread) -> None:
    source = Source(10)
    items = read_ahead(portal, source, 0)
    assert next(items) == 0
    time.sleep(0.02)  # time enough for any read-ahead to pull the next item
    assert source.pulled == [0]  # nothing fetched ahead of the caller
    assert next(items) == 1
    assert source.pulled == [0, 1]
    items.close()  # as a `break` does
    assert source.closed.wait(5)
    assert source.pulled == [0, 1]


def test_read_ahead_gives_everything_in_order_and_closes(portal: PortalThread) -> None:
    source = Source(200)
    assert list(read_ahead(portal, source, 8)) == list(range(200))
    assert source.closed.wait(5)


def test_read_ahead_is_bounded_and_closes_on_break(portal: PortalThread) -> None:
    source = Source(1000)
    items = read_ahead(portal, source, 4)
    assert next(items) == 0
    time.sleep(0.05)  # let the pump run as far as it may
    # at most: the batch taken (one + four buffered), four more buffered, one in the pump's hand
    assert len(source.pulled) <= 10
    items.close()
    assert source.closed.wait(5)


@pytest.mark.parametrize("size", [0, 4])
def test_an_error_comes_after_the_items_before_it(portal: PortalThread, size: int) -> None:
    source = Source(10, fail_after=3)
    seen: list[int] = []
    with pytest.raises(ValueError, match="failed at 3"):
        for item in read_ahead(portal, source, size):
            seen.append(item)
    assert seen == [0, 1, 2]
    assert source.closed.wait(5)


def test_closing_does_not_wait_for_a_read_ahead_left_half_read() -> None:
    portal = PortalThread()
    source = Source(1000)
    items = read_ahead(portal, source, 2)  # kept alive, as a variable after a partial loop is
    assert next(items) == 0
    stopper = threading.Thread(target=portal.stop, daemon=True)
    stopper.start()
    stopper.join(5)
    assert not stopper.is_alive(), "stop() waited for the pump"
    assert source.closed.is_set()  # the pump closed its iterator on the way out
    items.close()  # nothing left to stop: no call across a stopped portal
