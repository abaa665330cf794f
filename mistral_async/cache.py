"""An opt-in response cache for deterministic chat (and FIM) completions.

``AsyncMistral(cache=ResponseCache())`` answers a repeated request from the cache when the
request is deterministic: ``temperature`` 0 or a fixed ``random_seed``. Anything else is always
sent. The key covers the URL, the whole JSON body (so ``stream`` true and false are separate
entries) and a hash of the API key (a shared store never hands one key's answers to another).

A stream is cached as the event stream it was, once it has been read to ``[DONE]``, and a hit
replays those events through the same decoder, so a cached stream behaves like a live one.
Replies served from the cache have ``response_info.from_cache`` set (and, for those who read
headers, ``x-mistral-async-cache: hit`` in ``response_info.headers``), are not counted by the
usage tracker, and take no retries.

The store is pluggable: anything with ``async get(key)`` and ``async set(key, value, ttl)``
over bytes (Redis, memcached, a database) can back the cache; the default keeps entries in
memory with a TTL, a count bound and a byte bound, least recently used evicted first. A store
that fails is logged and treated as a miss: the cache never makes a request fail.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx

from ._core.checks import check_int, check_optional_int, check_optional_seconds
from ._core.errors import ArgumentError
from ._core.json_values import is_object

__all__ = ["CACHE_HEADER", "CacheStats", "CacheStore", "InMemoryCacheStore", "ResponseCache"]

log: logging.Logger = logging.getLogger("mistral_async")

CACHE_HEADER = "x-mistral-async-cache"
DEFAULT_PATHS = ("/v1/chat/completions", "/v1/fim/completions")
_FORMAT = 1
# Hop-by-hop and length headers describe one transfer, not the content.
_DROPPED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


@runtime_checkable
class CacheStore(Protocol):
    """Where cached replies live: bytes under string keys, each with an optional TTL."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float | None) -> None: ...


class InMemoryCacheStore:
    """A bounded in-process store: expired entries are dropped, then the least recently used.

    :param max_entries: the most entries kept.
    :param max_bytes: the most bytes of values kept (``None``: no byte bound).
    :param clock: a monotonic time source; for tests.
    """

    def __init__(
        self,
        max_entries: int = 1024,
        *,
        max_bytes: int | None = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_int("max_entries", max_entries, 1)
        check_optional_int("max_bytes", max_bytes, 1)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float | None, bytes]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires is not None and expires <= self._clock():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        if self.max_bytes is not None and len(value) > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        with self._lock:
            if key in self._entries:
                self._drop(key)
            expires = None if ttl is None else self._clock() + ttl
            self._entries[key] = (expires, value)
            self._bytes += len(value)
            while len(self._entries) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _, value = self._entries.pop(key)
        self._bytes -= len(value)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    errors: int = 0
    """Store failures (logged, and treated as misses)."""


class ResponseCache:
    """Caches replies to deterministic requests; pass it as ``AsyncMistral(cache=...)``.

    :param store: defaults to an ``InMemoryCacheStore(max_entries)``.
    :param ttl: seconds an entry stays valid; ``None``: until evicted.
    :param max_entries: bound of the default in-memory store.
    :param paths: the endpoints whose POST requests may be cached.

    One cache may be shared by several clients (and by ``with_options`` copies).
    """

    def __init__(
        self,
        store: CacheStore | None = None,
        *,
        ttl: float | None = 3600.0,
        max_entries: int = 1024,
        paths: Iterable[str] = DEFAULT_PATHS,
    ) -> None:
        check_optional_seconds("ttl", ttl)
        if store is not None and not isinstance(store, CacheStore):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("store", "must have async get(key) and set(key, value, ttl)")
        self.store: CacheStore = store if store is not None else InMemoryCacheStore(max_entries)
        self.ttl = ttl
        self.paths: tuple[str, ...] = tuple(paths)
        self.stats: CacheStats = CacheStats()

    def __repr__(self) -> str:
        return f"ResponseCache(store={type(self.store).__name__}, ttl={self.ttl}, {self.stats})"

    @staticmethod
    def is_deterministic(body: Mapping[str, Any]) -> bool:
        """True for a request body that asks for greedy decoding or a fixed seed."""
        return body.get("temperature") == 0 or body.get("random_seed") is not None

    def entry(self, request: httpx.Request) -> CacheEntry | None:
        """The cache entry for a request, or ``None`` when the request must not be cached."""
        if request.method != "POST" or not request.url.path.endswith(self.paths):
            return None
        try:
            body = json.loads(request.content)
        except ValueError:
            return None
        if not is_object(body) or not self.is_deterministic(body):
            return None
        auth = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()
        material = json.dumps(
            [_FORMAT, str(request.url), auth, body], sort_keys=True, separators=(",", ":")
        )
        key = "mistral-async:" + hashlib.sha256(material.encode()).hexdigest()
        return CacheEntry(self, key, request, stream=bool(body.get("stream")))


class CacheEntry:
    """One request's place in the cache: ``load()`` a hit, or ``save()`` a fresh reply."""

    def __init__(
        self, cache: ResponseCache, key: str, request: httpx.Request, *, stream: bool
    ) -> None:
        self.cache = cache
        self.key = key
        self._request = request
        self._stream = stream

    async def load(self) -> httpx.Response | None:
        """The cached reply, rebuilt as an ``httpx.Response`` (a stream's body unread)."""
        stats = self.cache.stats
        try:
            blob = await self.cache.store.get(self.key)
        except Exception:
            stats.errors += 1
            log.warning("Response cache: reading %s failed", self.key, exc_info=True)
            blob = None
        meta, body = _decode(blob) if blob is not None else (None, b"")
        if meta is None:
            stats.misses += 1
            return None
        stats.hits += 1
        headers = [*meta["headers"], (CACHE_HEADER, "hit")]
        if self._stream:
            return httpx.Response(
                meta["status"],
                headers=headers,
                stream=httpx.ByteStream(body),
                request=self._request,
            )
        return httpx.Response(meta["status"], headers=headers, content=body, request=self._request)

    async def save(self, response: httpx.Response) -> httpx.Response:
        """Store a successful reply: at once if its body was read, else once it has been
        streamed to its end. Returns the response to use in its place."""
        if not self._stream:
            await self._store(response, response.content)
            return response

        async def finished(body: bytes) -> None:
            # Only a stream that ended as streams end; an error event never ends with [DONE].
            if body.rstrip().endswith(b"[DONE]"):
                await self._store(response, body)

        response.stream = _RecordingStream(response.stream, finished)
        return response

    async def _store(self, response: httpx.Response, body: bytes) -> None:
        # A read body is decoded already; a raw streamed one keeps its content-encoding.
        dropped = _DROPPED_HEADERS if self._stream else _DROPPED_HEADERS | {"content-encoding"}
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
        meta = {"v": _FORMAT, "status": response.status_code, "headers": headers}
        blob = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + body
        try:
            await self.cache.store.set(self.key, blob, self.cache.ttl)
        except Exception:
            self.cache.stats.errors += 1
            log.warning("Response cache: writing %s failed", self.key, exc_info=True)
        else:
            self.cache.stats.stores += 1


class _RecordingStream(httpx.AsyncByteStream):
    """Passes a response's bytes through and hands the whole body over at its end."""

    def __init__(self, inner: Any, finished: Callable[[bytes], Awaitable[None]]) -> None:
        self._inner = inner
        self._finished = finished
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parts: list[bytes] = []
        async for part in self._inner:
            parts.append(part)
            yield part
        # Closed first: the reader gave up, even if what was buffered is then read to its end.
        if not self._closed:
            await self._finished(b"".join(parts))

    async def aclose(self) -> None:
        self._closed = True
        await self._inner.aclose()


def _decode(blob: bytes) -> tuple[dict[str, Any] | None, bytes]:
    head, _, body = blob.partition(b"\n")
    try:
        meta = json.loads(head)
    except ValueError:
        return None, b""
    if not is_object(meta) or meta.get("v") != _FORMAT:
        return None, b""
    return meta, body
