"""Shared fixtures: the anyio backends every async test runs on, the local server, and the
clients that talk to it. Defined here once; a module that needs its client configured otherwise
overrides ``client_options`` (as ``tests/helpers/test_cache.py`` does).

Every test that uses the server (a real socket on 127.0.0.1) is marked ``live`` here, so
``pytest -m "not live"`` runs the pure tests alone.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from mistral_async import AsyncMistral, Mistral
from mistral_async._core.options import ClientOptions
from mistral_async.testing import LocalServer, assert_all_conform

SERVER_FIXTURES = frozenset({"server", "local_server"})

# Clients honour the proxy variables, as httpx does: on a machine that sets them, the tests'
# requests to 127.0.0.1 would go to that proxy. The proxy tests set their own, per test.
for _name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.upper(), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)


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
def client_options() -> ClientOptions:
    """Options added to the ``client`` fixture's; none unless a module overrides this."""
    return {}


@pytest.fixture
async def client(server: LocalServer, client_options: ClientOptions) -> AsyncIterator[AsyncMistral]:
    """An ``AsyncMistral`` talking to the test's server (on the test's backend)."""
    async with AsyncMistral(api_key="sk-test", base_url=server.url, **client_options) as client:
        yield client


@pytest.fixture
def sync_client(server: LocalServer) -> Iterator[Mistral]:
    """A ``Mistral`` talking to the test's server."""
    with Mistral(api_key="sk-test", base_url=server.url) as client:
        yield client
