"""An asyncio web backend (Starlette) that streams chat answers to its own clients as SSE.

Run it (``pip install 'mistral-async[server]'`` brings Starlette and uvicorn)::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/web_backend.py --port 8000
    curl -N 'http://127.0.0.1:8000/chat?q=Tell+me+about+Paris'

What it shows:

- One ``AsyncMistral`` for the whole process, opened in the app's lifespan and shared by every
  request: one connection pool, and one ``max_concurrency`` limit. Requests beyond the limit
  wait for a free slot instead of piling up on the API.
- Each answer is relayed as server-sent events: ``data: {"delta": "..."}`` per piece of text,
  then ``event: done`` with the token usage (or ``event: error`` if the API fails). A GET with
  ``?q=`` so that a browser's ``EventSource`` can read it.
- A client that disconnects cancels its upstream stream at once, even while the API is still
  thinking: the SDK stream is closed and its concurrency slot is free for the next request.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mistral_async import APIError, AsyncMistral

MODEL = "mistral-small-latest"
log = logging.getLogger("web_backend")


class EventStreamResponse(StreamingResponse):
    """A ``text/event-stream`` response that is cancelled the moment its client disconnects.

    Whether Starlette's own ``StreamingResponse`` notices a disconnect depends on the server's
    ASGI version: on some it only finds out at the next write, so a stream waiting for the API
    would keep its upstream request (and its concurrency slot) until the next chunk. Watching
    ``receive()`` for ``http.disconnect`` ourselves makes it immediate on every server.
    """

    media_type = "text/event-stream"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def cancel_on_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                # Cancels stream_response below, and with it the generator that reads the
                # SDK stream: its `async with` closes the upstream response.
                group.cancel_scope.cancel()

            group.start_soon(cancel_on_disconnect)
            await self.stream_response(send)
            group.cancel_scope.cancel()  # the answer is complete: stop watching


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event; JSON keeps newlines in the text from breaking the framing."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n"


async def answer_events(client: AsyncMistral, question: str) -> AsyncIterator[str]:
    """The SSE events of one answer, read from the API as it writes them."""
    sent = 0
    try:
        async with client.chat.stream(
            model=MODEL, messages=[{"role": "user", "content": question}]
        ) as stream:
            async for text in stream.text_deltas():
                sent += 1
                yield sse({"delta": text})
        usage = stream.current_completion().usage
        yield sse({"total_tokens": usage.total_tokens}, event="done")
    except APIError as error:
        # The status line has gone out already: report the failure in the stream itself.
        log.warning("upstream failed: %s", error)
        yield sse({"error": type(error).__name__, "message": str(error)}, event="error")
    except anyio.get_cancelled_exc_class():
        # The client went away. Leaving the `async with` above has already closed the
        # upstream stream and given its slot back; re-raise so the cancellation completes.
        log.info("client disconnected: upstream stream closed after %d deltas", sent)
        raise


async def chat(request: Request) -> Response:
    question = request.query_params.get("q", "").strip()
    if not question:
        return JSONResponse({"error": "add ?q=your question"}, status_code=400)
    client: AsyncMistral = request.app.state.client
    return EventStreamResponse(
        answer_events(client, question),
        # Proxies (nginx) must not buffer an event stream.
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


def create_app(max_concurrency: int = 8) -> Starlette:
    """The app; its lifespan opens the shared client (key and base URL from the environment)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None, None]:
        # Made here, inside the server's event loop, and closed when the server stops.
        async with AsyncMistral(max_concurrency=max_concurrency) as client:
            app.state.client = client
            yield

    return Starlette(routes=[Route("/chat", chat)], lifespan=lifespan)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-concurrency", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    # uvicorn stops gracefully on Ctrl-C, then passes the KeyboardInterrupt on.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(create_app(args.max_concurrency), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
