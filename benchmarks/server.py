"""The benchmark's fake Mistral server: a raw asyncio protocol answering with pre-built bytes.

It costs as little as a server can per request, so that what the benchmark measures is the
client. It answers the paths and shapes the SDKs expect:

- ``POST /v1/chat/completions``: a chat completion (JSON), or when the body says
  ``"stream": true`` an event stream of ``--chunks`` chunks ending with ``data: [DONE]``
  (chunked transfer encoding, one HTTP chunk per event, as a real API server sends them);
- ``POST /v1/embeddings``: ``--embeddings`` vectors of 1024 floats.

Run it with ``python benchmarks/server.py --port 0``: it prints ``PORT <n>`` once it listens,
and serves 127.0.0.1 only until it is killed. Request bodies must carry ``Content-Length``
(every client measured sends one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
from typing import Final, cast

HOST: Final = "127.0.0.1"
MODEL: Final = "mistral-small-latest"
CREATED: Final = 1_767_225_600
DIMENSIONS: Final = 1024

_STREAM_FLAG = re.compile(rb'"stream"\s*:\s*true')
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CONNECTION_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nx-request-id: bench\r\n\r\n"
    )
    return head.encode() + body


USAGE: Final = {"prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52}


def chat_completion() -> bytes:
    content = "Claude Monet is often named; Cézanne, Delacroix and Poussin are close behind. " * 2
    return _response(
        "200 OK",
        "application/json",
        _json(
            {
                "id": "cmpl-bench",
                "object": "chat.completion",
                "created": CREATED,
                "model": MODEL,
                "usage": USAGE,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "tool_calls": None},
                        "finish_reason": "stop",
                    }
                ],
            }
        ),
    )


def chat_stream(chunks: int) -> bytes:
    """One event per HTTP chunk: the first carries the role, the last the finish and usage."""
    events = []
    for i in range(chunks):
        delta: dict[str, object] = {"content": f"word{i} "}
        if i == 0:
            delta["role"] = "assistant"
        chunk: dict[str, object] = {
            "id": "cmpl-bench",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": MODEL,
            "choices": [
                {"index": 0, "delta": delta, "finish_reason": "stop" if i == chunks - 1 else None}
            ],
        }
        if i == chunks - 1:
            chunk["usage"] = USAGE
        events.append(b"data: " + _json(chunk) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\nx-request-id: bench\r\n\r\n"
    )
    body = b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in events)
    return head + body + b"0\r\n\r\n"


def embeddings(count: int) -> bytes:
    rng = random.Random(6)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": [round(rng.uniform(-0.1, 0.1), 8) for _ in range(DIMENSIONS)],
        }
        for i in range(count)
    ]
    return _response(
        "200 OK",
        "application/json",
        _json(
            {
                "id": "embd-bench",
                "object": "list",
                "model": "mistral-embed",
                "usage": {"prompt_tokens": 8 * count, "completion_tokens": 0, "total_tokens": 0},
                "data": data,
            }
        ),
    )


NOT_FOUND: Final = _response("404 Not Found", "application/json", b'{"detail":"Not Found"}')


class Replies:
    def __init__(self, chunks: int, vectors: int) -> None:
        self.chat = chat_completion()
        self.stream = chat_stream(chunks)
        self.embeddings = embeddings(vectors)

    def for_request(self, path: bytes, body: bytes) -> bytes:
        if path == b"/v1/chat/completions":
            return self.stream if _STREAM_FLAG.search(body) else self.chat
        if path == b"/v1/embeddings":
            return self.embeddings
        return NOT_FOUND


class BenchProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; just enough parsing to route a request."""

    def __init__(self, replies: Replies) -> None:
        self._replies = replies
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, though they behave as such.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        transport = self._transport
        assert transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            match = _CONTENT_LENGTH.search(buffer, 0, end + 2)
            length = int(match.group(1)) if match else 0
            if len(buffer) < end + 4 + length:
                break
            head, body = buffer[:end], buffer[end + 4 : end + 4 + length]
            buffer = buffer[end + 4 + length :]
            path = head.split(b" ", 2)[1].split(b"?", 1)[0]
            transport.write(self._replies.for_request(path, body))
            if _CONNECTION_CLOSE.search(head):
                transport.close()
                break
        self._buffer = buffer


async def serve(port: int, chunks: int, vectors: int) -> None:
    replies = Replies(chunks, vectors)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: BenchProtocol(replies), HOST, port, backlog=2048, reuse_address=True
    )
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=200, help="events per stream")
    parser.add_argument("--embeddings", type=int, default=64, help="vectors per reply")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        import uvloop  # the fastest loop available, for the server only

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    try:
        run(serve(args.port, args.chunks, args.embeddings))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
