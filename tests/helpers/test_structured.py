"""Structured output: ``chat.parse`` / ``chat.stream_parse``, strict schemas and typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, field_validator

from mistral_async import (
    AsyncMistral,
    ContentFilterFinishReasonError,
    LengthFinishReasonError,
    Mistral,
    ParsedChatCompletion,
    ParseError,
    StrictSchemaError,
    StructuredOutputError,
)
from mistral_async._structured import output_type, strict_json_schema
from mistral_async.testing import LocalServer

MODEL = "mistral-small-latest"
ASK = [{"role": "user", "content": "Tell me about Paris, the capital of France"}]


class Country(BaseModel):
    name: str
    code: str | None = None


class City(BaseModel):
    """A city and its country."""

    name: str
    population: int
    country: Country
    districts: list[str] = []
    nickname: Optional[str] = None  # noqa: UP045 - the Optional spelling must work too


def mock_client(reply: Callable[[dict[str, Any]], dict[str, Any]]) -> AsyncMistral:
    """A client whose every chat completion is ``reply(request_body)``, answered in memory."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json=reply(body))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncMistral(api_key="test", base_url="http://mock", http_client=http)


def completion(text: str, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "model": MODEL,
        "created": 1,
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
    }


# -- the schema, without a server -------------------------------------------------------------


def test_strict_schema_closes_every_object_and_requires_every_property() -> None:
    fmt = output_type(City).response_format
    assert fmt["type"] == "json_schema"
    spec = fmt["json_schema"]
    assert spec["name"] == "City"
    assert spec["strict"] is True
    assert spec["description"] == "A city and its country."
    schema = spec["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "population", "country", "districts", "nickname"]
    nested = schema["$defs"]["Country"]
    assert nested["additionalProperties"] is False
    assert nested["required"] == ["name", "code"]


def test_strict_schema_does_not_touch_its_input() -> None:
    original = City.model_json_schema()
    before = json.dumps(original, sort_keys=True)
    strict_json_schema(original)
    assert json.dumps(original, sort_keys=True) == before


def test_dataclasses_and_typeddicts_work_too() -> None:
    @dataclass
    class Point:
        x: int
        y: int

    schema = output_type(Point).response_format["json_schema"]["schema"]
    assert schema["required"] == ["x", "y"]
    assert schema["additionalProperties"] is False


def test_dict_means_json_mode() -> None:
    assert output_type(dict).response_format == {"type": "json_object"}


class FreeForm(BaseModel):
    scores: dict[str, int]


class Anything(BaseModel):
    value: Any


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class Opaque:
    pass


class HoldsOpaque(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    thing: Opaque


@pytest.mark.parametrize(
    ("response_format", "words"),
    [
        (FreeForm, "free-form keys"),
        (Anything, "typing.Any"),
        (Open, "extra='allow'"),
        (list[City], "top level"),
        (int, "top level"),
        (HoldsOpaque, "no JSON schema"),
        ({"type": "json_object"}, "expects a type"),
        ("City", "expects a type"),
    ],
)
def test_types_that_cannot_be_strict_are_refused(response_format: Any, words: str) -> None:
    with pytest.raises(StrictSchemaError, match="response_format") as info:
        output_type(response_format)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)  # an ArgumentError, raised before any request


# -- against the local server ------------------------------------------------------------------


@pytest.mark.anyio
async def test_parse_sends_a_strict_schema_and_returns_the_instance(
    client: AsyncMistral, server: LocalServer
) -> None:
    result = await client.chat.parse(model=MODEL, messages=ASK, response_format=City)
    assert isinstance(result, ParsedChatCompletion)
    city = result.parsed
    assert isinstance(city, City)
    assert isinstance(city.country, Country)
    assert city.name == "Paris"
    assert result.parsed_choices == [city]
    assert json.loads(result.text) == city.model_dump()
    assert result.response_info is not None
    assert result.response_info.status_code == 200
    sent = server.exchanges[-1].request_json()
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert sent["response_format"]["json_schema"]["schema"]["additionalProperties"] is False


@pytest.mark.anyio
async def test_parse_passes_other_arguments_and_parses_every_choice(
    client: AsyncMistral, server: LocalServer
) -> None:
    result = await client.chat.parse(
        model=MODEL, messages=ASK, response_format=City, n=2, temperature=0.5, random_seed=3
    )
    assert len(result.parsed_choices) == 2
    assert all(isinstance(c, City) for c in result.parsed_choices)
    sent = server.exchanges[-1].request_json()
    assert (sent["n"], sent["temperature"], sent["random_seed"]) == (2, 0.5, 3)


@pytest.mark.anyio
async def test_json_mode_returns_the_decoded_object(
    client: AsyncMistral, server: LocalServer
) -> None:
    result = await client.chat.parse(model=MODEL, messages=ASK, response_format=dict)
    assert isinstance(result.parsed, dict)
    assert "Paris" in result.parsed["answer"]
    assert server.exchanges[-1].request_json()["response_format"] == {"type": "json_object"}


@pytest.mark.anyio
async def test_a_cut_answer_raises_length_error_with_the_raw_text(client: AsyncMistral) -> None:
    with pytest.raises(LengthFinishReasonError) as info:
        await client.chat.parse(model=MODEL, messages=ASK, response_format=City, max_tokens=3)
    error = info.value
    assert isinstance(error, StructuredOutputError)
    assert error.raw_text
    assert not error.raw_text.endswith("}")
    assert error.completion.choices[0].finish_reason == "length"
    assert "max_tokens" in str(error)


class StrictCity(BaseModel):
    name: str
    population: int

    @field_validator("population")
    @classmethod
    def big(cls, value: int) -> int:
        if value < 1000:
            raise ValueError("a city has at least 1000 people")
        return value


@pytest.mark.anyio
async def test_an_answer_that_does_not_validate_raises_parse_error(client: AsyncMistral) -> None:
    # The server's JSON fits the schema, but not the model's own validator.
    with pytest.raises(ParseError) as info:
        await client.chat.parse(model=MODEL, messages=ASK, response_format=StrictCity)
    error = info.value
    assert isinstance(error, ValueError)
    assert json.loads(error.raw_text)["population"] < 1000
    assert error.errors
    assert error.errors[0]["loc"] == ("population",)
    assert "StrictCity: population" in str(error)


@pytest.mark.anyio
async def test_text_that_is_not_json_raises_parse_error() -> None:
    async with mock_client(lambda body: completion("Sure! Here it is: {oops")) as client:
        with pytest.raises(ParseError, match="not valid JSON") as info:
            await client.chat.parse(model=MODEL, messages=ASK, response_format=City)
    assert info.value.raw_text == "Sure! Here it is: {oops"


@pytest.mark.anyio
async def test_a_filtered_answer_raises_content_filter_error() -> None:
    async with mock_client(lambda body: completion('{"name": ', "content_filter")) as client:
        with pytest.raises(ContentFilterFinishReasonError) as info:
            await client.chat.parse(model=MODEL, messages=ASK, response_format=City)
    assert info.value.raw_text == '{"name": '


@pytest.mark.anyio
async def test_bad_arguments_are_refused_before_sending() -> None:
    def never(body: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("nothing may be sent")

    async with mock_client(never) as client:
        with pytest.raises(StrictSchemaError):
            await client.chat.parse(model=MODEL, messages=ASK, response_format=FreeForm)
        with pytest.raises(ValueError, match="temperature"):
            await client.chat.parse(model=MODEL, messages=ASK, response_format=City, temperature=9)


@pytest.mark.anyio
async def test_stream_parse_yields_text_then_the_parsed_object(client: AsyncMistral) -> None:
    async with client.chat.stream_parse(model=MODEL, messages=ASK, response_format=City) as stream:
        pieces = [text async for text in stream.text_deltas()]
    assert len(pieces) > 1
    final = await stream.get_final_completion()
    assert isinstance(final.parsed, City)
    assert "".join(pieces) == final.text
    assert final.parsed == City.model_validate_json(final.text)
    assert final.response_info is not None


@pytest.mark.anyio
async def test_stream_parse_raises_the_same_errors(client: AsyncMistral) -> None:
    stream = client.chat.stream_parse(model=MODEL, messages=ASK, response_format=City, max_tokens=4)
    with pytest.raises(LengthFinishReasonError):
        await stream.get_final_completion()
    assert stream.closed


def test_the_blocking_client_parses_too(server: LocalServer) -> None:
    with Mistral(api_key="test", base_url=server.url) as client:
        result = client.chat.parse(model=MODEL, messages=ASK, response_format=City)
        assert isinstance(result.parsed, City)
        with client.chat.stream_parse(model=MODEL, messages=ASK, response_format=City) as stream:
            text = "".join(stream.text_deltas())
            final = stream.get_final_completion()
        assert final.text == text
        assert isinstance(final.parsed, City)
        with pytest.raises(LengthFinishReasonError):
            client.chat.parse(model=MODEL, messages=ASK, response_format=City, max_tokens=2)
