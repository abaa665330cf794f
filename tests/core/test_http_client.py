"""``async_http_client``: the SDK's own ``httpx.AsyncClient``, each setting changing what it
does, and the README's recipes for bringing a client (custom CA, mutual TLS, event hooks,
``httpx.MockTransport``, ``httpx.ASGITransport`` on the local app)."""

from __future__ import annotations

import importlib.util
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import mistral_async
from mistral_async import APIConnectionError, APITimeoutError, ArgumentError, AsyncMistral
from mistral_async._core.options import DEFAULT_TIMEOUT
from mistral_async._core.transport import (
    DEFAULT_LIMITS,
    PoolShards,
    TransportName,
    default_ssl_context,
)
from mistral_async.testing import create_app
from tests._support.asgi_server import serve_asgi
from tests._support.proxy import ForwardingProxy
from tests._support.tls import TLSFiles, make_tls_files

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}
messages = [USER]


def transports(anyio_backend: str) -> list[TransportName]:
    installed = importlib.util.find_spec("httpx_aiohttp") is not None
    return ["httpx", "aiohttp"] if anyio_backend == "asyncio" and installed else ["httpx"]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_url(tls: TLSFiles) -> Iterator[str]:
    """The local app over TLS, its certificate signed by a CA no default store trusts."""
    with serve_asgi(
        create_app(), ssl_certfile=str(tls.server_cert), ssl_keyfile=str(tls.server_key)
    ) as url:
        yield url


@pytest.fixture(scope="module")
def mutual_tls_url(tls: TLSFiles) -> Iterator[str]:
    """The same, asking every client for a certificate signed by that CA."""
    with serve_asgi(
        create_app(),
        ssl_certfile=str(tls.server_cert),
        ssl_keyfile=str(tls.server_key),
        ssl_ca_certs=str(tls.ca),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    ) as url:
        yield url


async def complete(http: httpx.AsyncClient, base_url: str, **options: Any) -> None:
    client = AsyncMistral(api_key="k", base_url=base_url, http_client=http, **options)
    assert (await client.chat.complete(model=MODEL, messages=messages)).choices


# -- the defaults ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_it_builds_what_the_client_builds_for_itself(server: Any) -> None:
    async with mistral_async.async_http_client() as http:
        assert isinstance(http._transport, PoolShards)
        assert http._transport._max_connections == DEFAULT_LIMITS.max_connections
        assert http.timeout == DEFAULT_TIMEOUT
        await complete(http, server.url)
        assert AsyncMistral(api_key="k", http_client=http).timeout == DEFAULT_TIMEOUT
    # httpx's own default timeout (5 s for everything) is not taken for the SDK's
    async with httpx.AsyncClient() as plain:
        assert AsyncMistral(api_key="k", http_client=plain).timeout == DEFAULT_TIMEOUT


def test_its_arguments_are_checked(tls: TLSFiles) -> None:
    with pytest.raises(ArgumentError, match="'transport'"):
        mistral_async.async_http_client(transport="curl")  # type: ignore[arg-type]
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    for name, value in [
        ("proxy", "http://127.0.0.1:1"),
        ("verify", False),
        ("cert", "client.pem"),
        ("limits", httpx.Limits()),
    ]:
        with pytest.raises(ArgumentError, match=f"'{name}'.*transport object"):
            mistral_async.async_http_client(transport=mock, **{name: value})
    with pytest.raises(ArgumentError, match="'limits'"):
        mistral_async.async_http_client(limits=100)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="'timeout'"):
        mistral_async.async_http_client(timeout=-1)
    with pytest.raises(ArgumentError, match="'verify'"):
        mistral_async.async_http_client(verify=3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"'verify'.*no-such-ca\.pem"):
        mistral_async.async_http_client(verify="no-such-ca.pem")
    with pytest.raises(ArgumentError, match="'cert'"):
        mistral_async.async_http_client(cert="no-such-client.pem")
    with pytest.raises(ArgumentError, match=r"'cert'.*load_cert_chain"):
        mistral_async.async_http_client(
            verify=ssl.create_default_context(), cert=str(tls.client_cert)
        )


# -- verify, cert ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_verify_trusts_a_custom_ca(
    https_url: str, tls: TLSFiles, anyio_backend: str, tmp_path: Path
) -> None:
    ca_directory = tmp_path / "cas"
    ca_directory.mkdir()
    shutil.copy(tls.ca, ca_directory / "ca.pem")
    with anyio.fail_after(30):
        await anyio.run_process(["openssl", "rehash", str(ca_directory)])
    for transport in transports(anyio_backend):
        async with mistral_async.async_http_client(transport=transport) as http:
            with pytest.raises(APIConnectionError):  # the default store does not know the CA
                await complete(http, https_url, max_retries=0)
        # the README's recipe, its short form, and a directory of hashed names
        for verify in (ssl.create_default_context(cafile=tls.ca), str(tls.ca), str(ca_directory)):
            http = mistral_async.async_http_client(verify=verify, transport=transport)
            async with http:
                await complete(http, https_url)
        async with mistral_async.async_http_client(verify=False, transport=transport) as http:
            await complete(http, https_url)


@pytest.mark.anyio
async def test_cert_is_sent_for_mutual_tls(
    mutual_tls_url: str, tls: TLSFiles, anyio_backend: str
) -> None:
    for transport in transports(anyio_backend):
        async with mistral_async.async_http_client(
            verify=str(tls.ca),
            transport=transport,
        ) as http:
            with pytest.raises(APIConnectionError):
                await complete(http, mutual_tls_url, max_retries=0)
        async with mistral_async.async_http_client(
            verify=str(tls.ca),
            cert=(str(tls.client_cert), str(tls.client_key)),
            transport=transport,
        ) as http:
            await complete(http, mutual_tls_url)


# -- limits, timeout, event hooks, proxy, trust_env --------------------------------------------


class PortRecorder:
    """An ASGI app answering ``{}`` after a short pause, noting each request's client port."""

    def __init__(self) -> None:
        self.ports: set[int] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        self.ports.add(scope["client"][1])
        await anyio.sleep(0.05)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.mark.anyio
async def test_limits_bound_the_connections(anyio_backend: str) -> None:
    for transport in transports(anyio_backend):
        for limits, expected in ((httpx.Limits(max_connections=1), 1), (None, 4)):
            app = PortRecorder()
            with serve_asgi(app) as url:
                http = mistral_async.async_http_client(limits=limits, transport=transport)
                async with http, anyio.create_task_group() as group:
                    for _ in range(4):
                        group.start_soon(http.get, url)
            assert len(app.ports) == expected, (transport, limits)


@pytest.mark.anyio
async def test_timeout_becomes_the_clients(server: Any) -> None:
    async with mistral_async.async_http_client(timeout=0.3) as http:
        client = AsyncMistral(api_key="k", base_url=server.url, http_client=http, max_retries=0)
        assert client.timeout == httpx.Timeout(0.3)
        server.faults.add("stall", seconds=3)
        with anyio.fail_after(2):
            with pytest.raises(APITimeoutError):
                await client.chat.complete(model=MODEL, messages=messages)
        # the client's own timeout wins
        assert AsyncMistral(api_key="k", http_client=http, timeout=9).timeout == httpx.Timeout(9)


@pytest.mark.anyio
async def test_event_hooks_see_every_attempt(server: Any) -> None:
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        seen.append(f"{request.method} {request.url.path}")

    async def on_response(response: httpx.Response) -> None:
        seen.append(str(response.status_code))

    hooks = {"request": [on_request], "response": [on_response]}
    async with mistral_async.async_http_client(event_hooks=hooks) as http:
        server.faults.add("status", status=503, headers={"Retry-After": "0"})
        await complete(http, server.url)
    path = "POST /v1/chat/completions"
    assert seen == [path, "503", path, "200"]


@pytest.mark.anyio
async def test_proxy_and_trust_env(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with ForwardingProxy() as proxy:
        async with mistral_async.async_http_client(proxy=proxy.url) as http:
            await complete(http, server.url)
        assert proxy.kinds() == ["forward"]
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with mistral_async.async_http_client() as http:
            await complete(http, server.url)
        assert proxy.kinds() == ["forward"] * 2
        async with mistral_async.async_http_client(trust_env=False) as http:
            await complete(http, server.url)
        assert proxy.kinds() == ["forward"] * 2


# -- transport: the README's in-process recipes ------------------------------------------------


@pytest.mark.anyio
async def test_mock_transport_recipe() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"object": "list", "data": []})

    mock = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncMistral(api_key="test", http_client=mock)
    assert (await client.models.list()).data == []
    # the same through the factory
    async with mistral_async.async_http_client(transport=httpx.MockTransport(handler)) as http:
        assert (await AsyncMistral(api_key="test", http_client=http).models.list()).data == []
    assert [r.url.path for r in requests] == ["/v1/models"] * 2
    assert requests[0].headers["authorization"] == "Bearer test"
    await mock.aclose()


@pytest.mark.anyio
async def test_asgi_transport_recipe_serves_the_local_app_in_process() -> None:
    app = httpx.ASGITransport(app=create_app())
    client = AsyncMistral(
        api_key="test", base_url="http://testserver", http_client=httpx.AsyncClient(transport=app)
    )
    completion = await client.chat.complete(model="mistral-small-latest", messages=messages)
    assert completion.choices[0].message.content
    async with client.chat.stream(model=MODEL, messages=messages) as stream:
        assert [chunk async for chunk in stream]
    await client._http.aclose()


@pytest.mark.anyio
async def test_ssl_cert_file_is_read_with_trust_env(
    https_url: str, tls: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca))
    default_ssl_context.cache_clear()  # the store is loaded once per process
    try:
        async with AsyncMistral(api_key="k", base_url=https_url) as client:
            await client.models.list()
        async with AsyncMistral(
            api_key="k", base_url=https_url, trust_env=False, max_retries=0
        ) as client:
            with pytest.raises(APIConnectionError):
                await client.models.list()
    finally:
        default_ssl_context.cache_clear()
