"""The transports under the client: httpx split into small pools (the default), or aiohttp."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import anyio
import httpx
import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral, StreamError
from mistral_async._core.transport import SHARD_SIZE, PoolShards, _aiohttp_transport_class

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}

needs_aiohttp = pytest.mark.skipif(
    importlib.util.find_spec("httpx_aiohttp") is None, reason="the aiohttp extra is not installed"
)


def _pools(client: AsyncMistral) -> PoolShards:
    transport = client._http._transport
    assert isinstance(transport, PoolShards)
    return transport


async def _complete_many(client: AsyncMistral, count: int) -> None:
    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(lambda: client.chat.complete(model=MODEL, messages=[USER]))


@pytest.mark.anyio
async def test_concurrent_requests_spread_over_small_pools(server: Any) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url) as client:
        await _complete_many(client, 3 * SHARD_SIZE)
        pools = _pools(client)
        assert len(pools._shards) >= 2
        assert all(shard.in_flight == 0 for shard in pools._shards)
        # one request at a time: always the first pool, and no new pool
        count = len(pools._shards)
        for _ in range(3):
            await client.chat.complete(model=MODEL, messages=[USER])
        assert len(pools._shards) == count


@pytest.mark.anyio
async def test_a_pool_slot_is_freed_by_break_and_by_errors(server: Any) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url, max_retries=0) as client:
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            async for _ in stream:
                break
        server.faults.add("status", status=500)
        with pytest.raises(Exception, match="500"):
            await client.chat.complete(model=MODEL, messages=[USER])
        assert all(shard.in_flight == 0 for shard in _pools(client)._shards)


@pytest.mark.anyio
async def test_pools_are_capped_and_an_idle_tail_is_closed(server: Any) -> None:
    limits = httpx.Limits(max_connections=2 * SHARD_SIZE, keepalive_expiry=0.05)
    async with httpx.AsyncClient(transport=PoolShards(limits)) as http:
        client = AsyncMistral(api_key="k", base_url=server.url, http_client=http)
        pools = http._transport
        assert isinstance(pools, PoolShards)
        await _complete_many(client, 4 * SHARD_SIZE)  # more than the cap: some queue
        assert len(pools._shards) == 2
        await anyio.sleep(0.1)
        await client.chat.complete(model=MODEL, messages=[USER])
        assert len(pools._shards) == 1


def test_transport_is_checked() -> None:
    with pytest.raises(ArgumentError, match="transport"):
        AsyncMistral(api_key="k", transport="curl")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="http_client"):
        AsyncMistral(api_key="k", transport="aiohttp", http_client=httpx.AsyncClient())


def test_aiohttp_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)  # import fails
    _aiohttp_transport_class.cache_clear()
    try:
        with pytest.raises(ArgumentError, match=r"mistral-async\[aiohttp\]"):
            AsyncMistral(api_key="k", transport="aiohttp")
    finally:
        _aiohttp_transport_class.cache_clear()


@needs_aiohttp
@pytest.mark.anyio
async def test_aiohttp_transport_completes_and_streams(server: Any, anyio_backend: str) -> None:
    if anyio_backend == "trio":
        with pytest.raises(ArgumentError, match="asyncio only"):
            AsyncMistral(api_key="k", base_url=server.url, transport="aiohttp")
        return
    async with AsyncMistral(api_key="k", base_url=server.url, transport="aiohttp") as client:
        completion = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
        assert completion.response_info is not None
        assert completion.response_info.status_code == 200
        async with client.chat.stream(model=MODEL, messages=[USER], temperature=0) as stream:
            chunks = [chunk async for chunk in stream]
        assert chunks
        assert stream.current_completion().text == completion.text


@needs_aiohttp
def test_aiohttp_transport_refuses_trio_at_the_first_request(server: Any) -> None:
    import trio

    client = AsyncMistral(api_key="k", base_url=server.url, transport="aiohttp")

    async def main() -> None:
        with pytest.raises(ArgumentError, match="with trio"):
            await client.chat.complete(model=MODEL, messages=[USER])

    trio.run(main)


@needs_aiohttp
def test_blocking_client_on_aiohttp(server: Any) -> None:
    with Mistral(api_key="k", base_url=server.url, transport="aiohttp") as client:
        completion = client.chat.complete(model=MODEL, messages=[USER], temperature=0)
        with client.chat.stream(model=MODEL, messages=[USER], temperature=0) as stream:
            assert "".join(stream.text_deltas()) == completion.text


def test_blocking_stream_raises_after_the_chunks_before_the_error(server: Any) -> None:
    server.faults.add("stream_error", after_events=3)
    received = []
    with Mistral(api_key="k", base_url=server.url) as client:
        stream = client.chat.stream(model=MODEL, messages=[USER])
        with pytest.raises(StreamError):
            for chunk in stream:
                received.append(chunk)
        assert len(received) == 3
        assert stream.closed
