"""Shared fixtures: the anyio backends every async test runs on, and the local server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from mistral_async import AsyncMistral
from mistral_async.testing import LocalServer, assert_all_conform


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs once on asyncio and once on trio."""
    return str(request.param)


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """One recording local server for the whole session, on 127.0.0.1 and a free port."""
    with LocalServer(record=True) as server:
        yield server


@pytest.fixture
def server(local_server: LocalServer) -> Iterator[LocalServer]:
    """The session's server with no faults and no exchanges yet.

    At teardown, every exchange of the test that no fault broke on purpose must conform to the
    OpenAPI spec; otherwise the test errors with the violations listed.
    """
    local_server.reset()
    yield local_server
    local_server.exchanges.wait_idle()  # exchanges still being served belong to this test
    exchanges = local_server.exchanges.snapshot()
    local_server.reset()
    try:
        assert_all_conform(exchanges)
    except AssertionError as failure:
        message = str(failure)
    else:
        return
    pytest.fail(message, pytrace=False)  # outside `except`: no chained traceback


@pytest.fixture
async def client(server: LocalServer) -> AsyncIterator[AsyncMistral]:
    """An ``AsyncMistral`` talking to the test's server (on the test's backend)."""
    async with AsyncMistral(api_key="sk-test", base_url=server.url) as client:
        yield client
