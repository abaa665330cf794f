"""What a call would send, caught at the transport and never sent: for checking request bodies
against the spec's request schemas in-process."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from mistral_async import AsyncMistral
from mistral_async.testing import OpenAPISpec


class Sent(Exception):
    """Raised by the transport with the request, so that nothing goes further."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(f"{request.method} {request.url.path}")
        self.request = request


def _catch(request: httpx.Request) -> httpx.Response:
    raise Sent(request)


def capturing_client() -> AsyncMistral:
    return AsyncMistral(
        api_key="sk-test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(_catch))
    )


async def sent_body(call: Awaitable[Any]) -> tuple[str, dict[str, Any]]:
    """The path and JSON body that awaiting ``call`` sends."""
    with pytest.raises(Sent) as info:
        await call
    request = info.value.request
    return request.url.path, json.loads(request.content)


def assert_spec_accepts(path: str, body: dict[str, Any]) -> None:
    problems = OpenAPISpec.default().validate_request("POST", path, body, "application/json")
    assert problems == [], problems
