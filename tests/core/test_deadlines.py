"""Total deadlines and data-only idleness against servers that trickle (issue 10, failure 3).

httpx's timeouts bound each read, so a server sending a byte every 0.2 s never trips them; a
``deadline`` bounds the whole attempt (or the whole stream). A stream of empty ``data:`` events
or keep-alive comments must not keep ``idle_timeout`` from firing. The server is a raw socket
server on 127.0.0.1 in a thread, not an ASGI app: ASGI servers write the status line and headers
at once, and the headers are one of the things trickled here.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from mistral_async import APITimeoutError, AsyncMistral, Mistral, StreamIdleTimeoutError
from mistral_async._core.errors import ArgumentError

from .test_faults import fast_retries

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}
GAP = 0.1  # seconds between events of the SSE modes
TRICKLE = 0.2  # seconds between bytes of the trickling modes
SERVE_AT_MOST = 10.0  # a handler gives up after this long, whatever the client does
BOUND = 5.0  # every test is over well within this

_COMPLETION = json.dumps(
    {
        "id": "cmpl-slow",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Nile, Amazon, Yangtze"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9},
    }
).encode()


def _chunk(content: str) -> bytes:
    chunk = {
        "id": "cmpl-slow",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def _head(content_type: bytes, length: int | None = None) -> bytes:
    size = b"" if length is None else b"Content-Length: %d\r\n" % length
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: "
        + content_type
        + b"\r\n"
        + size
        + (b"Connection: close\r\n\r\n")
    )


class _Handler(socketserver.BaseRequestHandler):
    """Reads one request; the first path segment (``base_url``'s path) chooses the reply."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(SERVE_AT_MOST)
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)
            if not data:
                return
            received += data
        head, _, body = received.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            body += sock.recv(65536)
        mode = head.split(b" ")[1].split(b"/")[1].decode()
        with contextlib.suppress(OSError):  # the client gave up, as these tests expect
            self._reply(sock, mode)

    def _reply(self, sock: socket.socket, mode: str) -> None:
        stop = time.monotonic() + SERVE_AT_MOST
        sse = b"text/event-stream"
        if mode == "headers":  # the status line and headers, a byte at a time
            for byte in _head(b"application/json", len(_COMPLETION)) + _COMPLETION:
                sock.sendall(bytes([byte]))
                time.sleep(TRICKLE)
        elif mode == "body":  # the headers at once, then the body a byte at a time
            sock.sendall(_head(b"application/json", len(_COMPLETION)))
            for byte in _COMPLETION:
                sock.sendall(bytes([byte]))
                time.sleep(TRICKLE)
        elif mode == "complete":
            sock.sendall(_head(b"application/json", len(_COMPLETION)) + _COMPLETION)
        elif mode in ("empty", "ping", "chunks"):  # one real event, then filler until `stop`
            sock.sendall(_head(sse) + _chunk("Nile"))
            filler = {"empty": b"data:\n\n", "ping": b": ping\n\n", "chunks": _chunk(",")}[mode]
            while time.monotonic() < stop:
                time.sleep(GAP)
                sock.sendall(filler)
        elif mode == "stream":  # a normal stream, slower than GAP between events
            sock.sendall(_head(sse))
            for event in (_chunk("Nile,"), b"data:\n\n", b": ping\n\n", _chunk(" Amazon")):
                sock.sendall(event)
                time.sleep(GAP)
            sock.sendall(b"data: [DONE]\n\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def slow() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _client(url: str, mode: str, **options: Any) -> AsyncMistral:
    return AsyncMistral(api_key="sk-test", base_url=f"{url}/{mode}", max_retries=0, **options)


async def _stream_text(client: AsyncMistral, **options: Any) -> str:
    text = ""
    async with client.chat.stream(model=MODEL, messages=[USER], **options) as stream:
        async for piece in stream.text_deltas():
            text += piece
    return text


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["headers", "body"])
async def test_a_trickled_reply_ends_at_the_call_deadline(slow: str, mode: str) -> None:
    with anyio.fail_after(BOUND):
        async with _client(slow, mode, timeout=5) as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match=r"deadline of 1 s exceeded"):
                await client.chat.complete(model=MODEL, messages=[USER], deadline=1)
            assert 0.9 < anyio.current_time() - started < 2.0


@pytest.mark.anyio
async def test_the_client_deadline_applies_to_every_attempt(slow: str) -> None:
    with anyio.fail_after(BOUND):
        async with _client(slow, "body", deadline=0.5) as client:
            fast = client.with_options(max_retries=1)
            fast_retries(fast)
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match=r"deadline of 0.5 s") as caught:
                await fast.chat.complete(model=MODEL, messages=[USER])
            # Retried like any timeout: two attempts of 0.5 s each.
            assert caught.value.retries == 1
            assert 0.9 < anyio.current_time() - started < 2.0
            assert client.with_options().deadline == 0.5
            assert client.with_options(deadline=None).deadline is None


@pytest.mark.anyio
async def test_a_stream_of_data_ends_at_its_deadline(slow: str) -> None:
    with anyio.fail_after(BOUND):
        async with _client(slow, "chunks") as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match=r"deadline of 1 s exceeded") as caught:
                await _stream_text(client, deadline=1, idle_timeout=0.5)
            assert not isinstance(caught.value, StreamIdleTimeoutError)
            assert 0.9 < anyio.current_time() - started < 2.0


@pytest.mark.anyio
async def test_a_stream_whose_headers_trickle_is_not_retried_past_its_deadline(slow: str) -> None:
    with anyio.fail_after(BOUND):
        async with AsyncMistral(api_key="sk-test", base_url=f"{slow}/headers") as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError, match=r"deadline of 1 s exceeded") as caught:
                await _stream_text(client, deadline=1)
            assert caught.value.retries == 0
            assert 0.9 < anyio.current_time() - started < 2.0


@pytest.mark.anyio
async def test_a_stream_has_no_deadline_unless_asked(slow: str) -> None:
    # The client's deadline is for replies read whole: this stream outlives it.
    with anyio.fail_after(BOUND):
        async with _client(slow, "chunks", deadline=0.3) as client:
            with anyio.move_on_after(1.0):
                await _stream_text(client)
                pytest.fail("the endless stream ended")


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["empty", "ping"])
async def test_events_without_data_do_not_reset_the_idle_timeout(slow: str, mode: str) -> None:
    with anyio.fail_after(BOUND):
        async with _client(slow, mode) as client:
            started = anyio.current_time()
            with pytest.raises(StreamIdleTimeoutError, match=r"no event with data for 0.5 s"):
                await _stream_text(client, idle_timeout=0.5)
            assert 0.4 < anyio.current_time() - started < 1.5


@pytest.mark.anyio
async def test_normal_replies_and_streams_are_unaffected(slow: str) -> None:
    with anyio.fail_after(BOUND):
        async with _client(slow, "stream", deadline=2) as client:
            assert await _stream_text(client, idle_timeout=0.5, deadline=2) == "Nile, Amazon"
        async with _client(slow, "complete", deadline=2) as client:
            reply = await client.chat.complete(model=MODEL, messages=[USER], deadline=2)
            assert reply.choices[0].message.content == "Nile, Amazon, Yangtze"


@pytest.mark.anyio
@pytest.mark.parametrize("value", [float("nan"), -1, "abc", [1]])
async def test_a_bad_deadline_is_an_argument_error(slow: str, value: Any) -> None:
    with pytest.raises(ArgumentError, match="deadline"):
        AsyncMistral(api_key="sk-test", base_url=slow, deadline=value)
    with anyio.fail_after(BOUND):
        async with _client(slow, "complete") as client:
            with pytest.raises(ArgumentError, match="deadline"):
                await client.chat.complete(model=MODEL, messages=[USER], deadline=value)
            with pytest.raises(ArgumentError, match="deadline"):
                await _stream_text(client, deadline=value)


def test_the_blocking_client_ends_a_trickle_at_the_deadline(slow: str) -> None:
    with Mistral(api_key="sk-test", base_url=f"{slow}/headers", max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"deadline of 1 s exceeded"):
            client.chat.complete(model=MODEL, messages=[USER], deadline=1)
        assert time.monotonic() - started < 2.0


@pytest.mark.anyio
async def test_a_download_body_that_trickles_ends_at_the_call_deadline(slow: str) -> None:
    # The headers come at once and the body a byte at a time: the deadline must bound the body
    # too, not only the wait for the headers.
    async with AsyncMistral(api_key="sk-test", base_url=f"{slow}/body", max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"deadline of 0\.5 s exceeded"):
            await client.files.content("file-1", deadline=0.5)
        assert time.monotonic() - started < BOUND
        download = client.files.download("file-1", deadline=0.5)
        chunks = []
        with pytest.raises(APITimeoutError):
            async for chunk in download.iter_bytes():
                chunks.append(chunk)
        assert chunks  # what came before the deadline was handed over
        assert download.closed
