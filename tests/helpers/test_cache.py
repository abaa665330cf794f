"""The response cache: keys, the in-memory store, and cached completions and streams."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    CacheStore,
    InMemoryCacheStore,
    Mistral,
    ResponseCache,
    StreamError,
)
from mistral_async._core.options import ClientOptions
from mistral_async.cache import CACHE_HEADER
from mistral_async.testing import LocalServer

MODEL = "mistral-small-latest"
USER = [{"role": "user", "content": "What is the capital of France?"}]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class DictStore:
    """A user's own store (think Redis): only ``get`` and ``set``."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.ttls: list[float | None] = []

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        self.data[key] = value
        self.ttls.append(ttl)


class BrokenStore:
    async def get(self, key: str) -> bytes | None:
        raise ConnectionError("store down")

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        raise ConnectionError("store down")


@pytest.fixture
def cache() -> ResponseCache:
    return ResponseCache()


@pytest.fixture
def client_options(cache: ResponseCache) -> ClientOptions:
    """The shared ``client`` fixture (conftest), with this module's cache."""
    return {"cache": cache}


def sent(server: LocalServer) -> int:
    return len(server.exchanges.snapshot())


# -- keys and the store, without a server ------------------------------------------------------


def request(body: str, *, path: str = "/v1/chat/completions", key: str = "k") -> httpx.Request:
    return httpx.Request(
        "POST",
        f"https://api.example{path}",
        content=body.encode(),
        headers={"authorization": f"Bearer {key}"},
    )


def test_only_deterministic_requests_have_an_entry() -> None:
    cache = ResponseCache()
    assert cache.entry(request('{"model": "m", "temperature": 0}')) is not None
    assert cache.entry(request('{"model": "m", "temperature": 0.7, "random_seed": 1}')) is not None
    assert cache.entry(request('{"model": "m"}')) is None
    assert cache.entry(request('{"model": "m", "temperature": 0.2}')) is None
    assert cache.entry(request('{"temperature": 0}', path="/v1/embeddings")) is None
    assert cache.entry(request("not json")) is None
    get = httpx.Request("GET", "https://api.example/v1/chat/completions")
    assert cache.entry(get) is None


def test_keys_follow_the_content_not_the_spelling() -> None:
    cache = ResponseCache()

    def key(body: str, **kwargs: Any) -> str:
        entry = cache.entry(request(body, **kwargs))
        assert entry is not None
        return entry.key

    base = key('{"model": "m", "temperature": 0, "messages": []}')
    assert key('{"messages": [], "temperature": 0, "model": "m"}') == base
    assert key('{"model": "m2", "temperature": 0, "messages": []}') != base
    assert key('{"model": "m", "temperature": 0, "messages": [], "stream": true}') != base
    assert key('{"model": "m", "temperature": 0, "messages": []}', key="other") != base
    assert "k" not in base.removeprefix("mistral-async:")  # the API key is hashed, not stored


@pytest.mark.anyio
async def test_in_memory_store_expires_and_evicts() -> None:
    clock = Clock()
    store = InMemoryCacheStore(max_entries=2, max_bytes=10, clock=clock)
    await store.set("a", b"1234", ttl=10)
    await store.set("b", b"1234", ttl=None)
    assert await store.get("a") == b"1234"  # a is now the most recently used
    await store.set("c", b"12", ttl=None)  # over 2 entries: b goes
    assert await store.get("b") is None
    assert len(store) == 2
    await store.set("d", b"12345", ttl=None)  # over 10 bytes: a goes
    assert await store.get("a") is None
    assert store.size_bytes == 7
    await store.set("huge", b"x" * 11, ttl=None)  # larger than the whole store: not kept
    assert await store.get("huge") is None
    await store.set("e", b"1", ttl=5)
    clock.now = 5.0
    assert await store.get("e") is None  # expired
    store.clear()
    assert len(store) == 0
    assert store.size_bytes == 0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ArgumentError, match="ttl"):
        ResponseCache(ttl=0)
    with pytest.raises(ArgumentError, match="store"):
        ResponseCache(store={})  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="max_entries"):
        InMemoryCacheStore(max_entries=0)
    assert isinstance(DictStore(), CacheStore)


# -- against the local server ------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_repeated_deterministic_completion_is_served_from_the_cache(
    client: AsyncMistral, cache: ResponseCache, server: LocalServer
) -> None:
    first = await client.chat.complete(model=MODEL, messages=USER, temperature=0)
    second = await client.chat.complete(model=MODEL, messages=USER, temperature=0)
    assert sent(server) == 1
    assert second.model_dump() == first.model_dump()
    assert second.response_info is not None
    assert second.response_info.from_cache
    assert not first.response_info.from_cache  # type: ignore[union-attr]
    assert second.response_info.headers[CACHE_HEADER] == "hit"  # still sent, for old readers
    assert second.response_info.request_id == first.response_info.request_id  # type: ignore[union-attr]
    assert CACHE_HEADER not in first.response_info.headers  # type: ignore[union-attr]
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stores) == (1, 1, 1)
    # the cached reply cost nothing: only the first is counted
    assert client.usage_tracker.summary().requests == 1  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_other_requests_are_always_sent(
    client: AsyncMistral, cache: ResponseCache, server: LocalServer
) -> None:
    for _ in range(2):
        await client.chat.complete(model=MODEL, messages=USER)
        await client.chat.complete(model=MODEL, messages=USER, temperature=0.5)
    await client.chat.complete(model=MODEL, messages=USER, random_seed=7)
    await client.chat.complete(model=MODEL, messages=USER, random_seed=8)
    assert sent(server) == 6
    assert cache.stats.hits == 0


@pytest.mark.anyio
async def test_errors_are_not_cached(client: AsyncMistral, server: LocalServer) -> None:
    for _ in range(2):
        with pytest.raises(BadRequestError):
            await client.chat.complete(model="no-such-model", messages=USER, temperature=0)
    assert sent(server) == 2


@pytest.mark.anyio
async def test_a_stream_is_replayed_from_the_cache(
    client: AsyncMistral, cache: ResponseCache, server: LocalServer
) -> None:
    async def read() -> tuple[list[Any], Any]:
        async with client.chat.stream(model=MODEL, messages=USER, temperature=0) as stream:
            chunks = [chunk async for chunk in stream]
        return chunks, stream

    live_chunks, live = await read()
    cached_chunks, cached = await read()
    assert sent(server) == 1
    assert len(cached_chunks) == len(live_chunks) > 2
    assert [c.model_dump() for c in cached_chunks] == [c.model_dump() for c in live_chunks]
    assert cached.current_completion().text == live.current_completion().text
    assert cached.response_info.from_cache
    assert not live.response_info.from_cache
    assert cached.response_info.headers[CACHE_HEADER] == "hit"
    assert cache.stats.hits == 1
    assert client._limiter.in_flight == 0
    assert client.usage_tracker.summary().requests == 1  # type: ignore[union-attr]
    # a stream and a completion of the same request are separate entries
    await client.chat.complete(model=MODEL, messages=USER, temperature=0)
    assert sent(server) == 2


@pytest.mark.anyio
async def test_an_unfinished_stream_is_not_cached(
    client: AsyncMistral, cache: ResponseCache, server: LocalServer
) -> None:
    async with client.chat.stream(model=MODEL, messages=USER, temperature=0) as stream:
        async for _ in stream:
            break
    server.faults.add("stream_error", after_events=2)
    with pytest.raises(StreamError):
        async with client.chat.stream(model=MODEL, messages=USER, temperature=0) as stream:
            async for _ in stream:
                pass
    assert cache.stats.stores == 0
    async with client.chat.stream(model=MODEL, messages=USER, temperature=0) as stream:
        await stream.get_final_completion()
    assert cache.stats.stores == 1
    assert sent(server) == 3


class Capital(BaseModel):
    city: str
    country: str


@pytest.mark.anyio
async def test_parse_and_the_other_helpers_use_the_cache(
    client: AsyncMistral, server: LocalServer
) -> None:
    first = await client.chat.parse(
        model=MODEL, messages=USER, response_format=Capital, temperature=0
    )
    second = await client.chat.parse(
        model=MODEL, messages=USER, response_format=Capital, temperature=0
    )
    assert second.parsed == first.parsed
    assert sent(server) == 1


@pytest.mark.anyio
async def test_a_custom_store_and_sharing_between_clients(server: LocalServer) -> None:
    store = DictStore()
    cache = ResponseCache(store, ttl=60)
    async with AsyncMistral(api_key="test", base_url=server.url, cache=cache) as one:
        await one.chat.complete(model=MODEL, messages=USER, temperature=0)
        sibling = one.with_options(max_retries=0)
        assert sibling.cache is cache
        await sibling.chat.complete(model=MODEL, messages=USER, temperature=0)
        uncached = one.with_options(cache=None)
        await uncached.chat.complete(model=MODEL, messages=USER, temperature=0)
    assert sent(server) == 2
    assert len(store.data) == 1
    assert store.ttls == [60]


@pytest.mark.anyio
async def test_a_failing_store_never_fails_a_request(server: LocalServer) -> None:
    cache = ResponseCache(BrokenStore())
    async with AsyncMistral(api_key="test", base_url=server.url, cache=cache) as client:
        for _ in range(2):
            completion = await client.chat.complete(model=MODEL, messages=USER, temperature=0)
            assert completion.text
    assert sent(server) == 2
    assert cache.stats.errors == 4  # two failed reads, two failed writes


@pytest.mark.anyio
async def test_expired_entries_are_fetched_again(server: LocalServer) -> None:
    clock = Clock()
    cache = ResponseCache(InMemoryCacheStore(clock=clock), ttl=30)
    async with AsyncMistral(api_key="test", base_url=server.url, cache=cache) as client:
        await client.chat.complete(model=MODEL, messages=USER, temperature=0)
        clock.now = 29.0
        await client.chat.complete(model=MODEL, messages=USER, temperature=0)
        clock.now = 31.0
        await client.chat.complete(model=MODEL, messages=USER, temperature=0)
    assert sent(server) == 2


def test_the_blocking_client_caches_too(server: LocalServer) -> None:
    cache = ResponseCache()
    with Mistral(api_key="test", base_url=server.url, cache=cache) as client:
        assert client.cache is cache
        texts = [
            client.chat.complete(model=MODEL, messages=USER, temperature=0).text for _ in range(2)
        ]
        for _ in range(2):
            with client.chat.stream(model=MODEL, messages=USER, temperature=0) as stream:
                texts.append("".join(stream.text_deltas()))
    assert len(set(texts)) == 1
    assert sent(server) == 2
    assert cache.stats.hits == 2
