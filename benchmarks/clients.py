"""The clients compared, each doing the same three things the way its users would write them.

Every client is built with its own defaults (pool size, retries, timeouts), pointed at the bench
server, and asked for: one chat completion (non-streaming); one streamed chat completion, read to
the end, touching each chunk's text delta; one embeddings request of 64 inputs. A client's module
is imported only in the worker process that measures it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

API_KEY = "bench-key"
MODEL = "mistral-small-latest"
MESSAGES = [{"role": "user", "content": "Who is the best French painter? Answer in one sentence."}]
CHAT_BODY = {"model": MODEL, "messages": MESSAGES}
EMBED_INPUTS = [f"Sentence number {i} to embed." for i in range(64)]
EMBED_BODY = {"model": "mistral-embed", "input": EMBED_INPUTS}
# The raw floors send these bytes, encoded once.
CHAT_BYTES = json.dumps(CHAT_BODY).encode()
STREAM_BYTES = json.dumps({**CHAT_BODY, "stream": True}).encode()
EMBED_BYTES = json.dumps(EMBED_BODY).encode()
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json",
    "Accept": "application/json",
}


@dataclass
class Ops:
    """One constructed client and its three operations (coroutines, or plain calls when sync)."""

    chat: Callable[[], Any]
    stream: Callable[[], Any]
    """Returns the number of chunks read."""
    embed: Callable[[], Any]
    close: Callable[[], Any]


@dataclass(frozen=True)
class Client:
    name: str
    sync: bool
    imports: str
    """The statement a user runs to get this client, timed by the import figure."""
    packages: tuple[str, ...]
    """Distributions whose versions the results record."""
    make: Callable[[str], Ops]
    """Build the client for a base URL (``http://127.0.0.1:PORT``); called on the event loop
    for async clients."""


# -- this SDK -----------------------------------------------------------------------------------


def make_sdk(base_url: str, **options: Any) -> Ops:
    from mistral_async import AsyncMistral

    client = AsyncMistral(api_key=API_KEY, base_url=base_url, **options)

    async def chat() -> Any:
        return (await client.chat.complete(model=MODEL, messages=MESSAGES)).text

    async def stream() -> int:
        n = 0
        async with client.chat.stream(model=MODEL, messages=MESSAGES) as events:
            async for chunk in events:
                chunk.choices[0].delta.content  # noqa: B018
                n += 1
        return n

    async def embed() -> Any:
        return await client.embeddings.create(model="mistral-embed", inputs=EMBED_INPUTS)

    return Ops(chat, stream, embed, client.aclose)


def make_sdk_sync(base_url: str) -> Ops:
    from mistral_async import Mistral

    client = Mistral(api_key=API_KEY, base_url=base_url)

    def chat() -> Any:
        return client.chat.complete(model=MODEL, messages=MESSAGES).text

    def stream() -> int:
        n = 0
        with client.chat.stream(model=MODEL, messages=MESSAGES) as events:
            for chunk in events:
                chunk.choices[0].delta.content  # noqa: B018
                n += 1
        return n

    def embed() -> Any:
        return client.embeddings.create(model="mistral-embed", inputs=EMBED_INPUTS)

    return Ops(chat, stream, embed, client.close)


# -- the official SDK ---------------------------------------------------------------------------


def make_mistralai(base_url: str) -> Ops:
    from mistralai.client import Mistral

    client = Mistral(api_key=API_KEY, server_url=base_url)

    async def chat() -> Any:
        return (await client.chat.complete_async(model=MODEL, messages=MESSAGES)).choices

    async def stream() -> int:
        n = 0
        async with await client.chat.stream_async(model=MODEL, messages=MESSAGES) as events:
            async for event in events:
                event.data.choices[0].delta.content  # noqa: B018
                n += 1
        return n

    async def embed() -> Any:
        return await client.embeddings.create_async(model="mistral-embed", inputs=EMBED_INPUTS)

    return Ops(chat, stream, embed, lambda: client.__aexit__(None, None, None))


def make_mistralai_sync(base_url: str) -> Ops:
    from mistralai.client import Mistral

    client = Mistral(api_key=API_KEY, server_url=base_url)

    def chat() -> Any:
        return client.chat.complete(model=MODEL, messages=MESSAGES).choices

    def stream() -> int:
        n = 0
        with client.chat.stream(model=MODEL, messages=MESSAGES) as events:
            for event in events:
                event.data.choices[0].delta.content  # noqa: B018
                n += 1
        return n

    def embed() -> Any:
        return client.embeddings.create(model="mistral-embed", inputs=EMBED_INPUTS)

    return Ops(chat, stream, embed, lambda: client.__exit__(None, None, None))


# -- openai -------------------------------------------------------------------------------------


def make_openai(base_url: str) -> Ops:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=API_KEY, base_url=base_url + "/v1")

    async def chat() -> Any:
        return (await client.chat.completions.create(model=MODEL, messages=MESSAGES)).choices  # type: ignore[arg-type]

    async def stream() -> int:
        n = 0
        events = await client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        async with events:
            async for chunk in events:
                chunk.choices[0].delta.content  # noqa: B018
                n += 1
        return n

    async def embed() -> Any:
        return await client.embeddings.create(
            model="mistral-embed", input=EMBED_INPUTS, encoding_format="float"
        )

    return Ops(chat, stream, embed, client.close)


# -- the floors ---------------------------------------------------------------------------------


def make_httpx(base_url: str) -> Ops:
    """Raw ``httpx.AsyncClient`` (its defaults) + ``httpx-sse`` + ``json``: an httpx SDK's floor."""
    import httpx
    from httpx_sse import aconnect_sse

    client = httpx.AsyncClient(base_url=base_url, headers=HEADERS)

    async def chat() -> Any:
        response = await client.post("/v1/chat/completions", content=CHAT_BYTES)
        response.raise_for_status()
        return json.loads(response.content)["choices"]

    async def stream() -> int:
        n = 0
        async with aconnect_sse(
            client, "POST", "/v1/chat/completions", content=STREAM_BYTES
        ) as source:
            source.response.raise_for_status()
            async for sse in source.aiter_sse():
                if sse.data == "[DONE]":
                    continue  # read to the end, so that the connection is reused
                json.loads(sse.data)["choices"][0]["delta"].get("content")
                n += 1
        return n

    async def embed() -> Any:
        response = await client.post("/v1/embeddings", content=EMBED_BYTES)
        response.raise_for_status()
        return json.loads(response.content)["data"]

    return Ops(chat, stream, embed, client.aclose)


def make_aiohttp(base_url: str) -> Ops:
    """Raw ``aiohttp.ClientSession`` (its defaults) + ``json``: the practical floor."""
    import aiohttp

    session = aiohttp.ClientSession(base_url=base_url, headers=HEADERS)

    async def chat() -> Any:
        async with session.post("/v1/chat/completions", data=CHAT_BYTES) as response:
            response.raise_for_status()
            return json.loads(await response.read())["choices"]

    async def stream() -> int:
        n = 0
        headers = {"Accept": "text/event-stream"}
        async with session.post(
            "/v1/chat/completions", data=STREAM_BYTES, headers=headers
        ) as response:
            response.raise_for_status()
            async for line in response.content:
                if line.startswith(b"data: ") and line[6:].rstrip() != b"[DONE]":
                    json.loads(line[6:])["choices"][0]["delta"].get("content")
                    n += 1
        return n

    async def embed() -> Any:
        async with session.post("/v1/embeddings", data=EMBED_BYTES) as response:
            response.raise_for_status()
            return json.loads(await response.read())["data"]

    return Ops(chat, stream, embed, session.close)


CLIENTS: dict[str, Client] = {
    c.name: c
    for c in [
        Client(
            "mistral_async",
            False,
            "from mistral_async import AsyncMistral",
            ("mistral-async", "httpx", "httpx-sse", "pydantic", "anyio"),
            make_sdk,
        ),
        Client(
            "mistral_async[aiohttp]",
            False,
            "from mistral_async import AsyncMistral",
            ("mistral-async", "httpx-aiohttp", "aiohttp"),
            lambda url: make_sdk(url, transport="aiohttp"),
        ),
        Client(
            "mistral_async sync",
            True,
            "from mistral_async import Mistral",
            ("mistral-async",),
            make_sdk_sync,
        ),
        Client(
            "mistralai async",
            False,
            "from mistralai.client import Mistral",
            ("mistralai", "httpx2"),
            make_mistralai,
        ),
        Client(
            "mistralai sync",
            True,
            "from mistralai.client import Mistral",
            ("mistralai",),
            make_mistralai_sync,
        ),
        Client(
            "openai async",
            False,
            "from openai import AsyncOpenAI",
            ("openai", "httpx2"),
            make_openai,
        ),
        Client(
            "httpx + httpx-sse",
            False,
            "import httpx, httpx_sse",
            ("httpx", "httpx-sse"),
            make_httpx,
        ),
        Client("aiohttp", False, "import aiohttp", ("aiohttp",), make_aiohttp),
    ]
}
