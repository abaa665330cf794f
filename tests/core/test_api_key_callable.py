"""``api_key`` as a callable (plain or async): asked before every attempt, checked like a key,
its failures passed on unchanged with nothing sent, and the key never shown anywhere."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import mistral_async
from mistral_async import ArgumentError, AsyncMistral, Mistral, ResponseCache

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}
SECRET = "sk-rotating-7f3a9c1e5b"


class Rotation:
    """Hands out ``SECRET-1``, ``SECRET-2``... (or the same key), counting the calls."""

    def __init__(self, rotate: bool = True) -> None:
        self.calls = 0
        self.rotate = rotate

    def __call__(self) -> str:
        self.calls += 1
        return f"{SECRET}-{self.calls if self.rotate else 0}"

    async def asynchronous(self) -> str:
        return self()


@pytest.fixture
def sent() -> tuple[list[str], httpx.AsyncClient]:
    """The Authorization header of every attempt, seen by an event hook of the SDK's client."""
    keys: list[str] = []

    async def record(request: httpx.Request) -> None:
        keys.append(request.headers["authorization"])

    return keys, mistral_async.async_http_client(event_hooks={"request": [record]})


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["plain", "async"])
async def test_the_callable_is_asked_before_every_attempt(
    server: Any, sent: tuple[list[str], httpx.AsyncClient], kind: str
) -> None:
    keys, http = sent
    rotation = Rotation()
    provider = rotation if kind == "plain" else rotation.asynchronous
    async with http:
        client = AsyncMistral(api_key=provider, base_url=server.url, http_client=http)
        server.faults.add("status", status=503, headers={"Retry-After": "0"})
        await client.chat.complete(model=MODEL, messages=[USER])
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert [chunk async for chunk in stream]
        # with_options keeps the callable
        copy = client.with_options(max_retries=0)
        assert copy._api_key is provider
        await copy.models.list()
    assert keys == [f"Bearer {SECRET}-{n}" for n in (1, 2, 3, 4)]
    assert rotation.calls == 4


@pytest.mark.anyio
async def test_a_bad_key_returned_is_refused_without_sending(server: Any) -> None:
    for returned in (None, "", "two words", 42, SECRET + "\n"):
        client = AsyncMistral(api_key=lambda r=returned: r, base_url=server.url)  # type: ignore[misc]
        with pytest.raises(ArgumentError, match=r"'api_key\(\)'") as caught:
            await client.chat.complete(model=MODEL, messages=[USER])
        assert SECRET not in str(caught.value)
    assert server.exchanges.snapshot() == []


@pytest.mark.anyio
async def test_an_error_raised_by_the_callable_propagates_unchanged(server: Any) -> None:
    failure = LookupError("the vault is sealed")
    calls = 0

    async def sealed() -> str:
        nonlocal calls
        calls += 1
        raise failure

    async with AsyncMistral(api_key=sealed, base_url=server.url, max_concurrency=1) as client:
        with pytest.raises(LookupError) as caught:
            await client.chat.complete(model=MODEL, messages=[USER])
        assert caught.value is failure
        with pytest.raises(LookupError):  # the concurrency slot was given back
            await client.chat.complete(model=MODEL, messages=[USER])
    assert calls == 2  # not retried
    assert server.exchanges.snapshot() == []


@pytest.mark.anyio
async def test_the_key_is_never_shown(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rotation = Rotation()
    client = AsyncMistral(api_key=rotation, base_url=server.url, max_retries=1)
    server.faults.add("status", status=503, headers={"Retry-After": "0"})
    server.faults.add("status", status=400, times=2)
    with pytest.raises(mistral_async.APIStatusError) as caught:
        await client.chat.complete(model=MODEL, messages=[USER])
    await client.aclose()
    assert rotation.calls == 2
    error = caught.value
    shown = [repr(client), repr(client._key_source), str(error), repr(error), caplog.text]
    shown.append(repr(vars(error)))
    assert all(SECRET not in text for text in shown)
    assert SECRET.encode() not in pickle.dumps(error)
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(client._key_source)


@pytest.mark.anyio
async def test_extra_headers_win_over_the_callable(
    server: Any, sent: tuple[list[str], httpx.AsyncClient]
) -> None:
    keys, http = sent
    rotation = Rotation()
    async with http:
        client = AsyncMistral(api_key=rotation, base_url=server.url, http_client=http)
        await client.models.list(extra_headers={"authorization": "Bearer other"})
    assert (keys, rotation.calls) == (["Bearer other"], 0)


@pytest.mark.anyio
async def test_cache_entries_belong_to_the_key_of_the_first_attempt(server: Any) -> None:
    for rotate, hits in ((False, 1), (True, 0)):
        cache = ResponseCache()
        async with AsyncMistral(api_key=Rotation(rotate), base_url=server.url, cache=cache) as c:
            for _ in range(2):
                await c.chat.complete(model=MODEL, messages=[USER], temperature=0)
        assert cache.stats.hits == hits


@pytest.mark.parametrize("kind", ["plain", "async"])
def test_the_blocking_client_takes_a_callable(server: Any, kind: str) -> None:
    rotation = Rotation()
    provider: Callable[[], Any] = rotation if kind == "plain" else rotation.asynchronous
    with Mistral(api_key=provider, base_url=server.url) as client:
        client.chat.complete(model=MODEL, messages=[USER])
        client.with_options(max_retries=0).models.list()
        assert SECRET not in repr(client)
    assert rotation.calls == 2


def test_a_callable_is_not_called_when_the_client_is_made() -> None:
    rotation = Rotation()
    AsyncMistral(api_key=rotation)
    assert rotation.calls == 0
