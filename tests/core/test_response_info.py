"""``ResponseInfo``: the one list of request id headers, and the ``from_cache`` flag."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mistral_async import UsageTracker
from mistral_async._core.errors import status_error
from mistral_async._core.response_info import REQUEST_ID_HEADERS, ResponseInfo
from mistral_async.cache import CACHE_HEADER


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "a", "mistral-correlation-id": "b", "request-id": "c"}, "a"),
        ({"mistral-correlation-id": "b", "request-id": "c"}, "b"),
        ({"request-id": "c"}, "c"),
        ({"x-request-id": "", "request-id": "c"}, "c"),  # an empty header is no id
        ({}, None),
    ],
)
def test_reply_info_and_errors_read_the_same_request_id(
    headers: dict[str, str], expected: str | None
) -> None:
    assert ResponseInfo(200, headers).request_id == expected
    error = status_error(500, content=b"", headers=headers, request=None)
    assert error.request_id == expected
    assert (f"(request id {expected})" in str(error)) == (expected is not None)


def test_request_id_headers_are_in_lookup_order() -> None:
    assert REQUEST_ID_HEADERS == ("x-request-id", "mistral-correlation-id", "request-id")


def _reply(info: ResponseInfo) -> SimpleNamespace:
    usage = SimpleNamespace(prompt_tokens=3, completion_tokens=4)
    return SimpleNamespace(model="m", usage=usage, response_info=info)


def test_usage_skips_a_cached_reply_by_the_flag_not_the_header() -> None:
    assert ResponseInfo(200, {}).from_cache is False
    tracker = UsageTracker()
    tracker.observe(_reply(ResponseInfo(200, {}, from_cache=True)))
    assert tracker.summary().requests == 0
    # The header alone (a proxy may add anything) no longer marks a reply as cached.
    tracker.observe(_reply(ResponseInfo(200, {CACHE_HEADER: "hit"})))
    assert tracker.summary().requests == 1


def test_a_model_built_in_code_has_no_response_info_and_says_so() -> None:
    from mistral_async import MissingResponseInfoError
    from mistral_async._core.response_info import attach_info, info_of
    from mistral_async.types.chat import ChatCompletionResponse
    from mistral_async.types.models import ModelList

    built = ModelList.model_validate({"object": "list", "data": []})
    assert info_of(built) is None
    with pytest.raises(MissingResponseInfoError, match=r"ModelList was not read from a reply"):
        _ = built.response_info
    info = ResponseInfo(200, {"x-request-id": "r1"})
    attach_info(built, info)
    assert built.response_info is info
    assert built.model_copy().response_info is info  # a copy keeps the reply it came from
    # The usage tracker counts a built model (it has no info, so it cannot be a cached one).
    completion = ChatCompletionResponse.model_validate(
        {"id": "c", "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 2}}
    )
    tracker = UsageTracker()
    tracker.observe(completion)
    assert tracker.summary().requests == 1
