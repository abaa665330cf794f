"""The one chat-request builder: what ``chat.*``, conversations and the batch runner send."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mistral_async import ArgumentError, Conversation, ResponseCache
from mistral_async._batch.endpoints import CHAT, body_arguments, endpoint
from mistral_async.resources.chat import PATH, chat_request

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Hi"}


def test_arguments_become_a_validated_body_and_options() -> None:
    request, options = chat_request(
        {"model": MODEL, "messages": [USER], "temperature": 0, "timeout": 5.0}, stream=False
    )
    assert (request.method, request.path) == ("POST", PATH)
    assert request.json == {
        "model": MODEL,
        "messages": [USER],
        "temperature": 0.0,
        "stream": False,
    }
    assert options == {"timeout": 5.0}


def test_stream_is_the_callers_choice_not_the_arguments() -> None:
    arguments = {"model": MODEL, "messages": [USER], "stream": True}
    assert chat_request(arguments, stream=False)[0].json["stream"] is False
    assert chat_request({**arguments, "stream": False}, stream=True)[0].json["stream"] is True


@pytest.mark.parametrize(
    ("arguments", "where"),
    [
        ({"model": MODEL, "messages": [USER], "temprature": 0.5}, "temprature"),
        ({"model": MODEL, "messages": [USER], "temperature": 3}, "temperature"),
        ({"model": MODEL, "messages": [{"role": "robot"}]}, "messages"),
        ({"messages": [USER]}, "model"),
    ],
)
def test_bad_arguments_are_refused_before_sending(arguments: dict[str, Any], where: str) -> None:
    with pytest.raises(ArgumentError, match=where):
        chat_request(arguments, stream=False)


def test_a_conversation_sends_what_the_builder_builds() -> None:
    conversation = Conversation(model=MODEL, system="Be brief.", params={"temperature": 0.2})
    new = conversation._new_messages("Hi")
    for stream in (False, True):
        built = conversation._request(new, {"max_tokens": 8, "timeout": 3.0}, stream=stream)
        expected = chat_request(
            {
                "model": MODEL,
                "messages": [{"role": "system", "content": "Be brief."}, USER],
                "temperature": 0.2,
                "max_tokens": 8,
                "timeout": 3.0,
            },
            stream=stream,
        )
        assert built == expected


def test_a_batch_chat_item_is_the_same_request_as_a_call() -> None:
    # The runner turns a Batch API body into chat.complete's arguments; chat.complete builds.
    body = {"messages": [USER], "max_tokens": 8, "stream": True}
    arguments = body_arguments(endpoint(CHAT), body, MODEL)
    request, options = chat_request(arguments, stream=False)
    assert request.json == {"model": MODEL, "messages": [USER], "max_tokens": 8, "stream": False}
    assert options == {}
    assert CHAT == PATH


def test_the_cache_keys_what_the_builder_builds() -> None:
    cache = ResponseCache()

    def entry(stream: bool, **arguments: Any) -> Any:
        request, _ = chat_request({"model": MODEL, "messages": [USER], **arguments}, stream=stream)
        url = "http://127.0.0.1" + request.path
        return cache.entry(httpx.Request(request.method, url, json=request.json))

    assert entry(False) is None  # not deterministic: never cached
    plain, streamed = entry(False, temperature=0), entry(True, temperature=0)
    assert plain is not None
    assert streamed is not None
    assert plain.key != streamed.key  # a stream and a reply are separate entries
    assert entry(False, random_seed=7).key != plain.key
    assert entry(False, temperature=0).key == plain.key
