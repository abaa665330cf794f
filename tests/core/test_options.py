"""Client options, declared once: ``ClientOptions`` against the constructor, ``NOT_GIVEN``, and
``with_options`` (a key left out keeps its value; a key given means what the constructor says)."""

from __future__ import annotations

import copy
import inspect
import pickle

import httpx
import pytest

from mistral_async import AsyncMistral, Mistral, ResponseCache, UsageTracker
from mistral_async._core.options import NOT_GIVEN, ClientOptions, ClientOverrides, NotGiven


def keywords(fn: object) -> set[str]:
    parameters = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    return {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_client_options_are_the_constructor_keywords() -> None:
    assert keywords(AsyncMistral.__init__) == set(ClientOptions.__optional_keys__)
    assert not ClientOptions.__required_keys__
    assert set(ClientOverrides.__optional_keys__) == (
        set(ClientOptions.__optional_keys__) - {"http_client", "transport"}
    )


def test_not_given_is_one_named_value() -> None:
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert isinstance(NOT_GIVEN, NotGiven)
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN


def test_the_blocking_client_takes_the_same_options() -> None:
    tracker, cache = UsageTracker(), ResponseCache()
    options: ClientOptions = {
        "api_key": "k",
        "base_url": "http://127.0.0.1:1",
        "timeout": 3.0,
        "max_retries": 5,
        "max_concurrency": 7,
        "default_headers": {"x-a": "1"},
        "usage_tracker": tracker,
        "cache": cache,
    }
    with Mistral(**options) as client:
        core = client.async_client
        assert (core.base_url, core.max_retries, core.max_concurrency) == options_tuple(options)
        assert core.timeout == httpx.Timeout(3.0)
        assert (core.usage_tracker, core.cache) == (tracker, cache)
        assert core._headers["x-a"] == "1"
    with pytest.raises(TypeError, match="nope"):
        Mistral(api_key="k", nope=1)  # type: ignore[call-arg]


def options_tuple(options: ClientOptions) -> tuple[object, ...]:
    return options.get("base_url"), options.get("max_retries"), options.get("max_concurrency")


def test_with_options_keeps_what_is_left_out() -> None:
    tracker, cache = UsageTracker(), ResponseCache()
    base = AsyncMistral(
        api_key="k",
        base_url="http://127.0.0.1:1",
        timeout=3.0,
        max_retries=5,
        max_concurrency=2,
        default_headers={"x-a": "1"},
        usage_tracker=tracker,
        cache=cache,
    )
    same = base.with_options()
    assert (same.base_url, same.timeout, same.max_retries) == (
        base.base_url,
        base.timeout,
        base.max_retries,
    )
    assert same._limiter is base._limiter  # one limit for both
    assert (same.usage_tracker, same.cache, same._api_key) == (tracker, cache, "k")
    assert same._http is base._http
    assert base.with_options(usage_tracker=NOT_GIVEN).usage_tracker is tracker


def test_with_options_given_none_means_none() -> None:
    base = AsyncMistral(api_key="k", max_concurrency=2, timeout=3.0, cache=ResponseCache())
    other = base.with_options(max_concurrency=None, timeout=None, usage_tracker=None, cache=None)
    assert other.max_concurrency is None  # no limit, and not the shared one
    assert other._limiter is not base._limiter
    assert other.timeout == httpx.Timeout(None)
    assert other.usage_tracker is None
    assert other.cache is None
    assert base.with_options(max_concurrency=4).max_concurrency == 4


def test_with_options_adds_headers_and_refuses_what_it_cannot_change() -> None:
    base = AsyncMistral(api_key="k", default_headers={"x-a": "1"})
    other = base.with_options(default_headers={"x-b": "2"})
    assert (other._headers["x-a"], other._headers["x-b"]) == ("1", "2")
    assert "x-b" not in base._headers
    for keyword in ("http_client", "transport", "nope"):
        with pytest.raises(TypeError, match=keyword):
            base.with_options(**{keyword: None})  # type: ignore[misc]
    with Mistral(api_key="k") as client, pytest.raises(TypeError, match="transport"):
        client.with_options(transport="httpx")  # type: ignore[call-arg]
