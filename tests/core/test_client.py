"""Constructor options, environment fallbacks, secrecy of the key, and the public surface."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

import mistral_async
from mistral_async import AsyncMistral, MissingAPIKeyError, Mistral

SECRET = "sk-secret-0123456789"


def test_missing_key_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="MISTRAL_API_KEY"):
        AsyncMistral()
    with pytest.raises(MissingAPIKeyError, match="api_key="):
        Mistral()


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", SECRET)
    monkeypatch.setenv("MISTRAL_BASE_URL", "http://127.0.0.1:1234/")
    client = AsyncMistral()
    assert client.base_url == "http://127.0.0.1:1234"
    assert client._api_key == SECRET
    # explicit arguments win over the environment
    other = AsyncMistral(api_key="explicit", base_url="http://127.0.0.1:5678")
    assert other._api_key == "explicit"
    assert other.base_url == "http://127.0.0.1:5678"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_BASE_URL", raising=False)
    assert AsyncMistral(api_key="k").base_url == "https://api.mistral.ai"


def test_timeout_forms() -> None:
    assert AsyncMistral(api_key="k", timeout=3).timeout == httpx.Timeout(3)
    custom = httpx.Timeout(10, connect=1)
    assert AsyncMistral(api_key="k", timeout=custom).timeout is custom
    default = AsyncMistral(api_key="k").timeout
    assert default.connect == 5.0
    assert default.read == 600.0


def test_key_never_in_repr() -> None:
    for client in (AsyncMistral(api_key=SECRET), Mistral(api_key=SECRET)):
        assert SECRET not in repr(client)
        assert SECRET not in str(client)


@pytest.mark.anyio
async def test_key_never_in_logs(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    server.faults.add("status", status=503, headers={"retry-after-ms": "10"})
    caplog.set_level(logging.DEBUG)
    async with AsyncMistral(api_key=SECRET, base_url=server.url) as client:
        await client.chat.complete(
            model="mistral-small-latest", messages=[{"role": "user", "content": "hi"}]
        )
    assert any("Retrying POST" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert SECRET not in record.getMessage()


def test_public_names_are_listed() -> None:
    public = {name for name in dir(mistral_async) if not name.startswith("_")}
    modules = {"types", "resources", "testing", "cli"}
    modules |= {"cache", "conversation", "embeddings_utils", "tools", "usage"}  # helpers
    assert sorted(mistral_async.__all__) == mistral_async.__all__
    for name in mistral_async.__all__:
        assert hasattr(mistral_async, name), name
    assert public - modules <= set(mistral_async.__all__) | {"annotations"}


def test_error_classes_form_one_tree() -> None:
    for name in mistral_async.__all__:
        obj = getattr(mistral_async, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, mistral_async.MistralError), name
