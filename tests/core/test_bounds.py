"""Size bounds: a huge reply, a huge error body, an SSE line without end and an endless stream
cannot fill memory; each crossed bound is a ``ResponseTooLargeError``. Also: the event-stream
decoder, tested directly, and no ResourceWarning from abandoned or cancelled streams.

A small ASGI app on 127.0.0.1 sends the hostile replies, several times larger than the 1 MiB
bound the tests set per call, so that the tests stay fast and small.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import anyio
import pytest

from mistral_async import (
    APIResponseValidationError,
    AsyncMistral,
    BadRequestError,
    ResponseTooLargeError,
)
from mistral_async._core.sse import ServerSentEvent, SSEDecoder
from tests._support.asgi_server import serve_asgi

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "hi"}
BOUND = 1024 * 1024
SENT = 8 * BOUND  # what the server sends at most: well past the bound, still quick
PIECE = 64 * 1024
LIMIT = 20.0  # a safety bound on each test: each takes well under a second


def _chunk(content: str) -> bytes:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


async def _hostile(scope: Any, receive: Any, send: Any) -> None:
    """``POST /v1/chat/completions?case=...``: the reply the case names."""
    assert scope["type"] == "http"
    while (await receive()).get("more_body"):
        pass
    case = parse_qs(scope["query_string"].decode())["case"][0]
    status, content_type = 200, b"application/json"
    headers = []
    if case == "error":
        status = 400
    if case in ("line", "endless", "small_stream"):
        content_type = b"text/event-stream"
    if case == "declared":
        headers.append((b"content-length", str(SENT).encode()))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), *headers],
        }
    )

    # Stop sending once the client has gone, as a real server would (and quietly).
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.ensure_future(watch())

    async def body(data: bytes, more: bool = True) -> None:
        if gone.is_set():
            raise _Gone
        await send({"type": "http.response.body", "body": data, "more_body": more})
        await asyncio.sleep(0)

    try:
        await _send_case(case, body)
    except _Gone:
        pass
    finally:
        watcher.cancel()


class _Gone(Exception):
    pass


async def _send_case(case: str, body: Any) -> None:

    if case in ("json", "declared", "error"):
        await body(b'{"message": "')
        for _ in range(SENT // PIECE):
            await body(b"x" * PIECE)
        await body(b'"}', more=False)
    elif case == "line":
        await body(b"data: ")
        for _ in range(SENT // PIECE):
            await body(b"x" * PIECE)
        await body(b"\n\n", more=False)
    elif case == "endless":
        # No [DONE]: 4 MB of text in 4,000 events, far past the 1 MiB bound.
        for _ in range(4000):
            await body(_chunk("x" * 1000))
        await body(b"", more=False)
    elif case == "small_stream":
        for word in ("a", "b", "c"):
            await body(_chunk(word))
        await body(b"data: [DONE]\n\n", more=False)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with serve_asgi(_hostile) as url:
        yield url


def _client(url: str) -> AsyncMistral:
    return AsyncMistral(api_key="test-key", base_url=url, max_retries=0)


# ---------------------------------------------------------------------------------------------
# Replies over the bound.


@pytest.mark.anyio
@pytest.mark.parametrize("case", ["json", "declared"])
async def test_a_reply_over_max_response_bytes_is_refused(hostile: str, case: str) -> None:
    with anyio.fail_after(LIMIT):
        async with _client(hostile) as client:
            with pytest.raises(ResponseTooLargeError) as caught:
                await client.chat.complete(
                    model=MODEL,
                    messages=[USER],
                    extra_query={"case": case},
                    max_response_bytes=BOUND,
                )
    assert caught.value.limit == BOUND
    assert "max_response_bytes" in str(caught.value)


@pytest.mark.anyio
async def test_the_client_option_bounds_replies_too(hostile: str) -> None:
    with anyio.fail_after(LIMIT):
        async with AsyncMistral(
            api_key="test-key", base_url=hostile, max_retries=0, max_response_bytes=BOUND
        ) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.chat.complete(
                    model=MODEL, messages=[USER], extra_query={"case": "json"}
                )
            narrower = client.with_options(max_response_bytes=BOUND // 2)
            assert narrower.max_response_bytes == BOUND // 2
            assert client.with_options().max_response_bytes == BOUND


@pytest.mark.anyio
async def test_an_error_body_is_read_only_as_far_as_it_is_used(hostile: str) -> None:
    with anyio.fail_after(LIMIT):
        async with _client(hostile) as client:
            with pytest.raises(BadRequestError) as caught:
                await client.chat.complete(
                    model=MODEL, messages=[USER], extra_query={"case": "error"}
                )
    # 8 MiB were sent; 64 KiB at most are kept.
    assert len(str(caught.value.body)) <= 64 * 1024


@pytest.mark.anyio
async def test_an_event_stream_line_over_max_event_bytes_is_refused(hostile: str) -> None:
    with anyio.fail_after(LIMIT):
        async with _client(hostile) as client:
            stream = client.chat.stream(
                model=MODEL,
                messages=[USER],
                extra_query={"case": "line"},
                max_event_bytes=BOUND,
            )
            with pytest.raises(ResponseTooLargeError) as caught:
                async with stream:
                    async for _ in stream:
                        pass
    assert caught.value.limit == BOUND
    assert "max_event_bytes" in str(caught.value)


@pytest.mark.anyio
async def test_an_endless_stream_does_not_keep_everything_it_received(hostile: str) -> None:
    with anyio.fail_after(LIMIT):
        async with _client(hostile) as client:
            stream = client.chat.stream(
                model=MODEL,
                messages=[USER],
                extra_query={"case": "endless"},
                max_response_bytes=BOUND,
            )
            received = 0
            async with stream:
                async for chunk in stream:
                    received += len(chunk.choices[0].delta.content or "")
                    if received >= 3 * BOUND:
                        break
                # The caller can still iterate; only the completion (kept up to the bound)
                # is given up, and saying so is an error rather than a silently cut answer.
                assert stream._accumulator is None
                with pytest.raises(ResponseTooLargeError):
                    stream.current_completion()
    assert received >= 3 * BOUND


@pytest.mark.anyio
async def test_a_stream_under_the_bounds_is_whole(hostile: str) -> None:
    with anyio.fail_after(LIMIT):
        async with _client(hostile) as client:
            stream = client.chat.stream(
                model=MODEL,
                messages=[USER],
                extra_query={"case": "small_stream"},
                max_response_bytes=BOUND,
                max_event_bytes=BOUND,
            )
            completion = await stream.get_final_completion()
    assert completion.choices[0].message.content == "abc"


@pytest.mark.anyio
async def test_a_bound_must_be_a_positive_int() -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        AsyncMistral(api_key="k", max_response_bytes=0)
    with pytest.raises(ValueError, match="max_event_bytes"):
        AsyncMistral(api_key="k", max_event_bytes=1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The event-stream decoder, pure.


def _decode(chunks: list[bytes], max_bytes: int = 1000) -> list[ServerSentEvent]:
    decoder = SSEDecoder(max_bytes)
    return [event for chunk in chunks for event in decoder.feed(chunk)]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_decoder_accepts_every_line_end(end: bytes) -> None:
    text = b"data: a" + end + b"data: b" + end + end + b"data: c" + end + end
    assert [e.data for e in _decode([text])] == ["a\nb", "c"]
    # The same bytes one at a time: a CR and its LF may arrive apart.
    assert [e.data for e in _decode([bytes([b]) for b in text])] == ["a\nb", "c"]


def test_decoder_reads_fields_and_skips_comments() -> None:
    events = _decode(
        [
            b"\xef\xbb\xbf: keep-alive\n",
            b"event: error\nid: 7\nretry: 300\ndata:x\ndata\nunknown: 1\n\n",
            b"retry: soon\ndata: y\n\n",
            b"id\n\n",  # no data: nothing is dispatched
            b"data: z\n\n",
        ]
    )
    assert events == [
        ServerSentEvent("x\n", "error", "7", 300),
        ServerSentEvent("y", "message", "7", 300),
        ServerSentEvent("z", "message", "", 300),
    ]


def test_decoder_drops_an_event_the_stream_did_not_finish() -> None:
    assert _decode([b"data: a\n\ndata: b\n"]) == [ServerSentEvent("a")]


def test_decoder_decodes_utf8_split_across_chunks() -> None:
    raw = "data: café ☕\n\n".encode()
    assert _decode([raw[:9], raw[9:12], raw[12:]]) == [ServerSentEvent("café ☕")]


def test_decoder_refuses_a_line_over_its_bound_before_it_ends() -> None:
    decoder = SSEDecoder(100)
    decoder.feed(b"data: " + b"x" * 90)
    with pytest.raises(ResponseTooLargeError):
        decoder.feed(b"x" * 10)


def test_decoder_refuses_an_event_over_its_bound() -> None:
    decoder = SSEDecoder(100)
    decoder.feed(b"data: " + b"x" * 60 + b"\n")
    with pytest.raises(ResponseTooLargeError):
        decoder.feed(b"data: " + b"x" * 60 + b"\n")


def test_decoder_keeps_a_line_exactly_at_its_bound() -> None:
    line = b"data: " + b"x" * 94  # 100 bytes
    assert _decode([line + b"\n\n"], max_bytes=100) == [ServerSentEvent("x" * 94)]


# ---------------------------------------------------------------------------------------------
# Quiet on trio: httpx's body generators are finished, not left to the garbage collector.


def _resource_warnings(seen: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)]


async def _collect() -> None:
    for _ in range(2):
        gc.collect()
        await anyio.sleep(0.02)  # a finaliser trio scheduled runs here


@pytest.mark.anyio
async def test_closed_and_cancelled_streams_emit_no_resource_warning(
    hostile: str,
) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with anyio.fail_after(LIMIT):
            async with _client(hostile) as client:
                for _ in range(3):
                    with anyio.move_on_after(0.05):
                        stream = client.chat.stream(
                            model=MODEL, messages=[USER], extra_query={"case": "endless"}
                        )
                        async with stream:
                            async for _event in stream:
                                await anyio.sleep(1)
                    del stream
                    # Closed by ``async with`` after a ``break``.
                    stream = client.chat.stream(
                        model=MODEL, messages=[USER], extra_query={"case": "endless"}
                    )
                    async with stream:
                        async for _event in stream:
                            break
                    del stream
                    # Cancelled while the body is read (or, on a fast day, not valid).
                    with anyio.move_on_after(0.02), contextlib.suppress(APIResponseValidationError):
                        await client.chat.complete(
                            model=MODEL,
                            messages=[USER],
                            extra_query={"case": "json"},
                            max_response_bytes=16 * BOUND,
                        )
                    await _collect()
    assert _resource_warnings(seen) == []


@pytest.mark.anyio
async def test_an_abandoned_stream_leaves_no_httpx_generator_behind(hostile: str) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with anyio.fail_after(LIMIT):
            async with _client(hostile) as client:
                for _ in range(3):
                    # Broken out of without ``async with`` or ``aclose()``, then dropped.
                    stream = client.chat.stream(
                        model=MODEL, messages=[USER], extra_query={"case": "endless"}
                    )
                    async for _event in stream:
                        break
                    del stream
                    await _collect()
    # trio still names the stream's own iterator, once per stream: that is its advice to
    # close what was started (``async with``), and it is what closes the stream then.
    left = [m for m in _resource_warnings(seen) if "AsyncStream._iterate" not in m]
    assert left == []
