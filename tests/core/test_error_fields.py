"""Every error shape the live API answers with reads into the same typed fields.

Bodies quoted from shared/reference/live-api-observations.md (and the user's notes' nested
``{"error": {...}}``).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest

from mistral_async import (
    AsyncMistral,
    AuthenticationError,
    BadRequestError,
    RateLimitError,
    UnprocessableEntityError,
)
from mistral_async._core.errors import status_error
from mistral_async.testing import LocalServer

INVALID_MODEL = {"object": "error", "message": "Invalid model: mistral-medium-3.5",
                 "type": "invalid_model", "param": None, "code": "1500",
                 "raw_status_code": 400}  # fmt: skip
ORDER = {"object": "error", "message": "Unexpected role 'user' after role 'tool'",
         "type": "invalid_request_message_order", "param": None, "code": "3230"}  # fmt: skip
RATE = {"object": "error", "message": "Rate limit exceeded", "type": "rate_limited",
        "param": None, "code": "1300", "raw_status_code": 429}  # fmt: skip
VALIDATION = {"detail": [{"type": "less_than_equal", "loc": ["body", "temperature"],
              "msg": "Input should be less than or equal to 1.5", "input": 5,
              "ctx": {"le": 1.5}}]}  # fmt: skip


def _error(status: int, body: Any) -> Any:
    content = json.dumps(body).encode()
    headers = httpx.Headers({"content-type": "application/json"})
    return status_error(status, content=content, headers=headers, request=None)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, INVALID_MODEL, ("invalid_model", "1500", None, INVALID_MODEL["message"], 400)),
        (400, ORDER, ("invalid_request_message_order", "3230", None, ORDER["message"], None)),
        (429, RATE, ("rate_limited", "1300", None, "Rate limit exceeded", 429)),
        (429, {"message": "Requests rate limit exceeded"},
         (None, None, None, "Requests rate limit exceeded", None)),
        (401, {"detail": "Unauthorized"}, (None, None, None, "Unauthorized", None)),
        (401, {"message": "Unauthorized", "request_id": "0123456789abcdef0123456789abcdef"},
         (None, None, None, "Unauthorized", None)),
        (422, VALIDATION, (None, None, None, "body.temperature: Input should be less than or"
                           " equal to 1.5", None)),
        (404, {"error": {"type": "not_found_error", "message": "gone", "code": 7}},
         ("not_found_error", "7", None, "gone", None)),
    ],
)  # fmt: skip
def test_every_reference_shape_reads_into_the_fields(
    status: int, body: Any, expected: tuple[Any, ...]
) -> None:
    error = _error(status, body)
    assert (error.type, error.code, error.param, error.message, error.raw_status_code) == expected
    back = pickle.loads(pickle.dumps(error))
    assert (back.type, back.code, back.message) == (*expected[:2], expected[3])


def test_the_classes_follow_the_status() -> None:
    assert isinstance(_error(400, INVALID_MODEL), BadRequestError)
    assert isinstance(_error(401, {"detail": "Unauthorized"}), AuthenticationError)
    assert isinstance(_error(429, RATE), RateLimitError)
    assert isinstance(_error(422, VALIDATION), UnprocessableEntityError)


@pytest.mark.anyio
async def test_the_local_server_replies_read_as_the_live_ones(server: LocalServer) -> None:
    async with AsyncMistral(api_key="sk-test", base_url=server.url, max_retries=0) as client:
        with pytest.raises(BadRequestError) as unknown:
            await client.chat.complete(model="no-such", messages=[{"role": "user", "content": "x"}])
        tool = {"role": "tool", "content": "1", "tool_call_id": "c1", "name": "f"}
        with pytest.raises(BadRequestError) as order:
            await client.chat.complete(
                model="mistral-small-latest", messages=[{"role": "user", "content": "x"}, tool]
            )
    assert (unknown.value.type, unknown.value.code) == ("invalid_model", "1500")
    assert unknown.value.message == "Invalid model: no-such"
    assert (order.value.type, order.value.code) == ("invalid_request_message_order", "3230")
    assert "(messages[1])" in str(order.value)  # the SDK knows what it sent
    async with AsyncMistral(api_key="sk-x", base_url=server.url, max_retries=0) as client:
        server.faults.add("status", status=429)
        with pytest.raises(RateLimitError) as limited:
            await client.models.list()
    assert (limited.value.type, limited.value.code) == ("rate_limited", "1300")
