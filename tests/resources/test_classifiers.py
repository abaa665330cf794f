"""``client.classifiers`` against the local server: moderation and classification of texts and
conversations, the reply models' views, errors, and the sync twin."""

from __future__ import annotations

from typing import Any

import pytest

from mistral_async import ArgumentError, AsyncMistral, BadRequestError, Mistral
from mistral_async.testing import LocalServer
from mistral_async.types.chat import UserMessage
from mistral_async.types.classifiers import (
    MODERATION_CATEGORIES,
    ClassificationResponse,
    InstructRequest,
    ModerationObject,
    ModerationResponse,
)
from tests._support.sent import assert_spec_accepts, capturing_client, sent_body

pytestmark = pytest.mark.anyio

MODEL = "mistral-moderation-latest"
BENIGN = "What a lovely day for a walk in the park."
DANGEROUS = "Explain how to build a bomb."
CHAT = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "My email is jane@example.com, can you remember it?"},
]


def test_moderation_object_views() -> None:
    result = ModerationObject.model_validate(
        {
            "categories": {"sexual": False, "pii": True, "jailbreaking": True},
            "category_scores": {"sexual": 0.01, "pii": 0.9, "jailbreaking": 0.8},
        }
    )
    assert result.flagged
    assert result.flagged_categories == ["pii", "jailbreaking"]  # unknown categories kept
    assert not ModerationObject().flagged
    assert len(MODERATION_CATEGORIES) == 9


async def test_moderate_texts(client: AsyncMistral) -> None:
    response = await client.classifiers.moderate(model=MODEL, inputs=[BENIGN, DANGEROUS])
    assert isinstance(response, ModerationResponse)
    assert response.model == MODEL
    assert response.id
    benign, dangerous = response.results
    assert set(benign.categories) == set(MODERATION_CATEGORIES) == set(benign.category_scores)
    assert not benign.flagged
    assert all(score < 0.01 for score in benign.category_scores.values())
    assert dangerous.flagged_categories == ["dangerous_and_criminal_content"]
    assert dangerous.category_scores["dangerous_and_criminal_content"] >= 0.5
    assert response.flagged
    single = await client.classifiers.moderate(model=MODEL, inputs=BENIGN, metadata={"a": 1})
    assert len(single.results) == 1
    assert not single.flagged
    assert single.results[0].category_scores == benign.category_scores  # deterministic


async def test_moderate_chat(client: AsyncMistral) -> None:
    one = await client.classifiers.moderate_chat(model=MODEL, inputs=CHAT)
    assert len(one.results) == 1
    assert one.results[0].flagged_categories == ["pii"]
    many = await client.classifiers.moderate_chat(
        model=MODEL,
        inputs=[CHAT, [UserMessage(content=BENIGN)], [{"role": "user", "content": DANGEROUS}]],
    )
    assert [r.flagged_categories for r in many.results] == [
        ["pii"],
        [],
        ["dangerous_and_criminal_content"],
    ]


async def test_classify(client: AsyncMistral) -> None:
    response = await client.classifiers.classify(
        model=MODEL, inputs=["I love this great product", "terrible, awful service"]
    )
    assert isinstance(response, ClassificationResponse)
    happy, unhappy = response.results
    assert set(happy) == {"moderation", "sentiment"}
    assert happy["sentiment"].label == "positive"
    assert unhappy["sentiment"].label == "negative"
    assert sum(happy["sentiment"].scores.values()) == pytest.approx(1.0)
    assert set(happy["moderation"].scores) == set(MODERATION_CATEGORIES)


async def test_classify_chat(client: AsyncMistral) -> None:
    one = await client.classifiers.classify_chat(model=MODEL, inputs={"messages": CHAT})
    assert len(one.results) == 1
    assert one.results[0]["moderation"].label == "pii"
    many = await client.classifiers.classify_chat(
        model=MODEL,
        inputs=[
            InstructRequest(messages=[UserMessage(content="a wonderful, happy day")]),
            {"messages": [{"role": "user", "content": "the worst"}]},
        ],
    )
    assert [r["sentiment"].label for r in many.results] == ["positive", "negative"]


async def test_errors(client: AsyncMistral) -> None:
    with pytest.raises(BadRequestError, match="Invalid model: no-such-moderator"):
        await client.classifiers.moderate(model="no-such-moderator", inputs="x")
    with pytest.raises(BadRequestError, match="Invalid model: mistral-embed"):
        await client.classifiers.moderate_chat(model="mistral-embed", inputs=CHAT)
    with pytest.raises(BadRequestError, match="Invalid model: mistral-small-latest"):
        await client.classifiers.classify(model="mistral-small-latest", inputs="x")


@pytest.mark.parametrize(
    ("method", "inputs", "argument"),
    [
        ("moderate", 5, "inputs"),
        ("moderate", ["ok", None], "inputs[1]"),
        ("moderate_chat", "hello", "inputs"),
        ("moderate_chat", [{"role": "robot", "content": "x"}], "inputs[0]"),
        ("classify", {"text": "x"}, "inputs"),
        ("classify_chat", {"messages": "hi"}, "inputs.messages"),
        ("classify_chat", {"messages": [], "extra": 1}, "inputs.extra"),
    ],
)
async def test_bad_arguments_are_named(method: str, inputs: Any, argument: str) -> None:
    client = capturing_client()
    with pytest.raises(ArgumentError) as info:
        await getattr(client.classifiers, method)(model=MODEL, inputs=inputs)
    assert info.value.argument == argument


@pytest.mark.parametrize(
    ("method", "path", "args"),
    [
        ("moderate", "/v1/moderations", {"inputs": ["a", "b"], "metadata": {"k": "v"}}),
        ("classify", "/v1/classifications", {"inputs": "a", "metadata": {"k": 1}}),
        ("moderate_chat", "/v1/chat/moderations", {"inputs": [CHAT, CHAT]}),
        ("classify_chat", "/v1/chat/classifications", {"inputs": [{"messages": CHAT}]}),
    ],
)
async def test_the_spec_accepts_what_each_method_sends(
    method: str, path: str, args: dict[str, Any]
) -> None:
    client = capturing_client()
    sent_path, body = await sent_body(getattr(client.classifiers, method)(model=MODEL, **args))
    assert sent_path == path
    assert body["input"] == args["inputs"]  # sent under the spec's name
    assert_spec_accepts(path, body)


def test_sync(server: LocalServer) -> None:
    with Mistral(api_key="k", base_url=server.url) as client:
        moderated = client.classifiers.moderate(model=MODEL, inputs=DANGEROUS)
        assert isinstance(moderated, ModerationResponse)
        assert moderated.flagged
        chat = client.classifiers.moderate_chat(model=MODEL, inputs=CHAT)
        assert chat.results[0].flagged_categories == ["pii"]
        classified = client.classifiers.classify(model=MODEL, inputs="great")
        assert classified.results[0]["sentiment"].label == "positive"
        conversations = client.classifiers.classify_chat(model=MODEL, inputs={"messages": CHAT})
        assert isinstance(conversations, ClassificationResponse)
