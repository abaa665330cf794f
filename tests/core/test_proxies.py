"""Proxies: the environment's (httpx's ``trust_env`` rules) and ``proxy=``, on the sharded pool
and on aiohttp, for ``AsyncMistral``, ``Mistral`` and ``with_options``, through a forwarding
proxy on 127.0.0.1 that counts what passes (plain HTTP forwarded, HTTPS tunnelled by CONNECT)."""

from __future__ import annotations

import base64
import importlib.util
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral, async_http_client
from mistral_async._core.proxies import check_proxy, environment_proxies
from mistral_async._core.transport import PoolShards, TransportName
from mistral_async.testing import create_app
from tests._support.asgi_server import serve_asgi
from tests._support.proxy import ForwardingProxy
from tests._support.tls import TLSFiles, make_tls_files

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Name three rivers"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

needs_aiohttp = pytest.mark.skipif(
    importlib.util.find_spec("httpx_aiohttp") is None, reason="the aiohttp extra is not installed"
)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no proxy variable set, whatever the machine's environment says."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)  # urllib ignores HTTP_PROXY under CGI


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ForwardingProxy() as running:
        yield running


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_url(tls: TLSFiles) -> Iterator[str]:
    """The local Mistral app served over TLS on 127.0.0.1 (certificate signed by ``tls.ca``)."""
    app = create_app()
    with serve_asgi(app, ssl_certfile=str(tls.server_cert), ssl_keyfile=str(tls.server_key)) as url:
        yield url


def transports(anyio_backend: str) -> list[TransportName]:
    """The transports a test runs on for this backend: aiohttp runs on asyncio only."""
    installed = importlib.util.find_spec("httpx_aiohttp") is not None
    return ["httpx", "aiohttp"] if anyio_backend == "asyncio" and installed else ["httpx"]


async def complete(client: AsyncMistral) -> None:
    completion = await client.chat.complete(model=MODEL, messages=[USER])
    assert completion.choices


# -- the environment, read as httpx reads it ---------------------------------------------------

ENVIRONMENTS = [
    {"HTTP_PROXY": "http://127.0.0.1:3128"},
    {"HTTPS_PROXY": "127.0.0.1:3129", "ALL_PROXY": "socks5://127.0.0.1:1080"},
    {"ALL_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "127.0.0.1, localhost,.example.com,::1"},
    {"HTTP_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "*"},
    {"http_proxy": "http://127.0.0.1:3128", "no_proxy": "http://127.0.0.2,10.0.0.0/8,example.org"},
]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_environment_is_read_as_httpx_reads_it(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    httpx_utils = pytest.importorskip("httpx._utils")
    reference = getattr(httpx_utils, "get_environment_proxies", None)
    if reference is None:
        pytest.skip("httpx no longer has get_environment_proxies")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert environment_proxies() == reference()


def test_a_bad_proxy_is_refused_without_showing_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ArgumentError, match="'proxy'") as caught:
        check_proxy("ftp://user:hunter2@127.0.0.1:21")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ArgumentError, match=r"httpx\.Proxy"):
        check_proxy(3128)
    with pytest.raises(ArgumentError, match="host"):
        AsyncMistral(api_key="k", proxy="http://")
    monkeypatch.setenv("HTTPS_PROXY", "ftp://user:hunter2@127.0.0.1:21")
    with pytest.raises(ArgumentError, match="HTTPS_PROXY") as caught:
        AsyncMistral(api_key="k")
    assert "hunter2" not in str(caught.value)
    AsyncMistral(api_key="k", trust_env=False)  # the environment is not read


def test_a_socks_proxy_without_socksio_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ArgumentError, match=r"httpx\[socks\]"):
        AsyncMistral(api_key="k", proxy="socks5://127.0.0.1:1080")


def test_proxy_and_trust_env_cannot_come_with_an_http_client() -> None:
    with pytest.raises(ArgumentError, match="'proxy'"):
        AsyncMistral(api_key="k", proxy="http://127.0.0.1:1", http_client=httpx.AsyncClient())
    with pytest.raises(ArgumentError, match="'trust_env'"):
        AsyncMistral(api_key="k", trust_env=False, http_client=httpx.AsyncClient())
    with pytest.raises(ArgumentError, match="'trust_env'"):
        AsyncMistral(api_key="k", trust_env=1)
    shared = AsyncMistral(api_key="k", http_client=httpx.AsyncClient())
    with pytest.raises(ArgumentError, match="'proxy'"):
        shared.with_options(proxy="http://127.0.0.1:1")


# -- requests through the proxy ----------------------------------------------------------------


@pytest.mark.anyio
async def test_the_environment_proxy_is_honoured(
    server: Any, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    for transport in transports(anyio_backend):
        async with AsyncMistral(api_key="k", base_url=server.url, transport=transport) as client:
            await complete(client)
            async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
                assert [chunk async for chunk in stream]
    assert proxy.kinds() == ["forward", "forward"] * len(transports(anyio_backend))
    assert all(p.target.startswith(server.url + "/v1/chat/") for p in proxy.passages)


@pytest.mark.anyio
async def test_no_proxy_and_trust_env_false_go_straight_to_the_server(
    server: Any, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    for transport in transports(anyio_backend):
        async with AsyncMistral(api_key="k", base_url=server.url, transport=transport) as client:
            await complete(client)
    monkeypatch.delenv("NO_PROXY")
    async with AsyncMistral(api_key="k", base_url=server.url, trust_env=False) as client:
        await complete(client)
    assert proxy.passages == []
    assert len(server.exchanges) == len(transports(anyio_backend)) + 1


@pytest.mark.anyio
async def test_the_proxy_option_wins_over_the_environment(
    server: Any, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    with ForwardingProxy() as other:
        monkeypatch.setenv("HTTP_PROXY", other.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the environment's, ignored with proxy=
        for transport in transports(anyio_backend):
            async with AsyncMistral(
                api_key="k",
                base_url=server.url,
                transport=transport,
                proxy=httpx.Proxy(proxy.url),
            ) as client:
                await complete(client)
        assert other.passages == []
    assert proxy.kinds() == ["forward"] * len(transports(anyio_backend))


@pytest.mark.anyio
async def test_proxy_credentials_reach_the_proxy(
    server: Any, proxy: ForwardingProxy, anyio_backend: str
) -> None:
    url = proxy.url.replace("http://", "http://user:s3cret@")
    for transport in transports(anyio_backend):
        async with AsyncMistral(
            api_key="k",
            base_url=server.url,
            transport=transport,
            proxy=url,
        ) as client:
            await complete(client)
            assert "s3cret" not in repr(client)
    expected = "Basic " + base64.b64encode(b"user:s3cret").decode()
    assert [p.proxy_authorization for p in proxy.passages] == [expected] * len(
        transports(anyio_backend)
    )


@pytest.mark.anyio
async def test_https_is_tunnelled_with_connect(
    https_url: str,
    tls: TLSFiles,
    proxy: ForwardingProxy,
    monkeypatch: pytest.MonkeyPatch,
    anyio_backend: str,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # not used for https://
    for transport in transports(anyio_backend):
        async with async_http_client(verify=str(tls.ca), transport=transport) as http:
            client = AsyncMistral(api_key="k", base_url=https_url, http_client=http)
            await complete(client)
            await complete(client)  # the same tunnel, kept alive
    port = https_url.rsplit(":", 1)[1]
    assert proxy.passages
    assert all(p.kind == "tunnel" and p.target == f"127.0.0.1:{port}" for p in proxy.passages)
    assert len(proxy.passages) == len(transports(anyio_backend))
    # the proxy's credentials go with CONNECT (and not through the tunnel)
    with_credentials = proxy.url.replace("http://", "http://user:s3cret@")
    for transport in transports(anyio_backend):
        async with async_http_client(
            verify=str(tls.ca),
            transport=transport,
            proxy=with_credentials,
        ) as http:
            await complete(AsyncMistral(api_key="k", base_url=https_url, http_client=http))
        assert proxy.passages[-1].proxy_authorization == "Basic dXNlcjpzM2NyZXQ="


@pytest.mark.anyio
async def test_an_https_proxy(server: Any, tls: TLSFiles) -> None:
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(tls.server_cert, tls.server_key)
    trusted = ssl.create_default_context(cafile=tls.ca)
    with ForwardingProxy(ssl_context=served) as proxy:
        route = httpx.Proxy(proxy.url, ssl_context=trusted)
        async with AsyncMistral(api_key="k", base_url=server.url, proxy=route) as client:
            await complete(client)
    assert proxy.url.startswith("https://")
    assert proxy.kinds() == ["forward"]


def test_the_blocking_client_goes_through_the_proxy(
    server: Any, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Mistral(api_key="k", base_url=server.url, proxy=proxy.url) as client:
        client.chat.complete(model=MODEL, messages=[USER])
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with Mistral(api_key="k", base_url=server.url) as client:
        client.chat.complete(model=MODEL, messages=[USER])
        with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            assert list(stream)
        client.with_options(trust_env=False).chat.complete(model=MODEL, messages=[USER])
    assert proxy.kinds() == ["forward"] * 3
    assert len(server.exchanges) == 4


@pytest.mark.anyio
async def test_with_options_routes_through_its_own_pool_closed_with_the_client(
    server: Any, proxy: ForwardingProxy
) -> None:
    async with AsyncMistral(api_key="k", base_url=server.url) as client:
        proxied = client.with_options(proxy=proxy.url)
        await complete(proxied)
        await complete(client)
        assert proxy.kinds() == ["forward"]
        assert proxied._http is not client._http
        assert client.with_options(proxy=proxy.url)._http is proxied._http  # one pool a route
        assert proxied.with_options(max_retries=0)._http is proxied._http
        assert client.with_options(max_retries=0)._http is client._http
        await proxied.aclose()  # a copy's close leaves the pools open
        await complete(client.with_options(proxy=proxy.url))
        direct = proxied.with_options(proxy=None)
        assert direct._http is client._http  # back to the client's own route
    assert proxied._http.is_closed  # closed with the client that built it
    with pytest.raises(Exception, match="closed"):
        client.with_options(proxy="http://127.0.0.1:2")


@pytest.mark.anyio
async def test_proxied_requests_keep_the_sharded_reclaiming_pool(
    server: Any, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    async with AsyncMistral(api_key="k", base_url=server.url) as client:
        await complete(client)
        mounted = {id(t): t for t in client._http._mounts.values() if t is not None}
        assert len(mounted) == 1  # one pool for both variables naming one proxy
        (pools,) = mounted.values()
        assert isinstance(pools, PoolShards)
        assert type(pools._shards[0].transport._pool).__name__ == "ReclaimingHTTPProxy"


@needs_aiohttp
def test_aiohttp_refuses_the_proxies_it_cannot_use(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ArgumentError, match="http:// proxies only"):
        AsyncMistral(api_key="k", transport="aiohttp", proxy="https://127.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "https://127.0.0.1:3128")
    with pytest.raises(ArgumentError, match="http:// proxies only"):
        AsyncMistral(api_key="k", transport="aiohttp")
