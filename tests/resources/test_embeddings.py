"""``client.embeddings`` against the local server: vectors, dtypes, encodings, errors, sync."""

from __future__ import annotations

import copy
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mistral_async import ArgumentError, AsyncMistral, BadRequestError, Mistral
from mistral_async.testing import (
    LocalServer,
    MistralApp,
    OpenAPISpec,
    assert_all_conform,
    create_app,
    exchange_violations,
)
from mistral_async.testing._models.embeddings import embed
from mistral_async.types._embedding_codec import unpack_bits
from mistral_async.types.embeddings import EmbeddingResponse
from tests._support.sent import assert_spec_accepts, capturing_client, sent_body

pytestmark = pytest.mark.anyio

MODEL = "mistral-embed"
DTYPES = ["float", "int8", "uint8", "binary", "ubinary"]
DOCUMENTS = [
    "The cat sleeps on the warm sofa all afternoon.",
    "Stock markets fell sharply after the interest rate decision.",
    "Our new recipe: pasta with tomato sauce and fresh basil.",
]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_the_simulated_vectors() -> None:
    # stop words and plurals do not change a vector; a text of stop words only is not zero
    assert embed("The cats", 64) == embed("cat", 64)
    assert embed("Is this what it does?", 64) != [0.0] * 64
    assert math.isclose(math.fsum(v * v for v in embed("", 64)), 1.0, rel_tol=1e-6)
    assert embed("cat", 64, seed=1) != embed("cat", 64)


async def test_one_text_gives_one_unit_vector(client: AsyncMistral) -> None:
    response = await client.embeddings.create(model=MODEL, inputs="Embed this sentence.")
    assert isinstance(response, EmbeddingResponse)
    assert response.model == MODEL
    assert len(response.vectors) == 1
    vector = response.vectors[0]
    assert len(vector) == 1024  # mistral-embed's dimension
    assert math.isclose(math.fsum(v * v for v in vector), 1.0, rel_tol=1e-6)
    assert response.usage.prompt_tokens == 4 == response.usage.total_tokens
    assert response.response_info is not None
    again = await client.embeddings.create(model=MODEL, inputs="Embed this sentence.")
    assert again.vectors == response.vectors  # deterministic


async def test_semantic_search_ranks_the_document_sharing_words(client: AsyncMistral) -> None:
    documents = await client.embeddings.create(model=MODEL, inputs=DOCUMENTS)
    assert [item.index for item in documents.data] == [0, 1, 2]
    for query, expected in [
        ("Where do cats sleep?", 0),
        ("What happened to the stock markets?", 1),
        ("a basil pasta recipe", 2),
    ]:
        found = await client.embeddings.create(model=MODEL, inputs=[query])
        scores = [cosine(found.vectors[0], doc) for doc in documents.vectors]
        assert max(range(3), key=scores.__getitem__) == expected, (query, scores)
        assert scores[expected] > 0.3


async def test_output_dimension(client: AsyncMistral) -> None:
    default = await client.embeddings.create(model="codestral-embed", inputs="x = 1")
    assert len(default.vectors[0]) == 1536
    short = await client.embeddings.create(
        model="codestral-embed", inputs=["def f(): pass", "x = 1"], output_dimension=256
    )
    assert [len(v) for v in short.vectors] == [256, 256]


async def test_integer_dtypes_quantise_the_float_vector(client: AsyncMistral) -> None:
    text = "Quantised vectors keep the signs of the float ones, in fewer bytes."
    args: dict[str, Any] = {"model": "codestral-embed", "inputs": text, "output_dimension": 100}
    floats = (await client.embeddings.create(**args)).vectors[0]
    replies = {
        dtype: await client.embeddings.create(**args, output_dtype=dtype) for dtype in DTYPES
    }
    int8, uint8 = replies["int8"].vectors[0], replies["uint8"].vectors[0]
    assert int8 == [round(v * 127) for v in floats]
    assert all(isinstance(v, int) and 0 <= v <= 255 for v in uint8)
    assert uint8 == [round((v + 1) * 127.5) for v in floats]
    signs = [1 if v > 0 else 0 for v in floats]
    binary, ubinary = replies["binary"].vectors[0], replies["ubinary"].vectors[0]
    assert len(binary) == len(ubinary) == 13  # ceil(100 / 8)
    assert unpack_bits(binary, signed=True, dimension=100) == signs
    assert unpack_bits(ubinary, signed=False, dimension=100) == signs
    assert [b + 128 for b in binary] == ubinary
    assert replies["binary"].output_dtype == "binary"


async def test_to_numpy(client: AsyncMistral) -> None:
    np = pytest.importorskip("numpy")
    response = await client.embeddings.create(model=MODEL, inputs=DOCUMENTS)
    matrix = response.to_numpy()
    assert matrix.shape == (3, 1024)
    assert matrix.dtype == np.float32
    ranked = matrix @ matrix[0]
    assert int(np.argmax(ranked)) == 0
    quantised = await client.embeddings.create(
        model="codestral-embed", inputs=DOCUMENTS, output_dtype="int8"
    )
    assert quantised.to_numpy().dtype == np.int8
    assert quantised.to_numpy().shape == (3, 1536)


async def test_errors(client: AsyncMistral) -> None:
    with pytest.raises(BadRequestError, match="Invalid model: no-such-embed"):
        await client.embeddings.create(model="no-such-embed", inputs="x")
    with pytest.raises(BadRequestError, match="Invalid model: mistral-small-latest"):
        await client.embeddings.create(model="mistral-small-latest", inputs="x")
    with pytest.raises(BadRequestError, match="output_dimension"):
        await client.embeddings.create(model="codestral-embed", inputs="x", output_dimension=4096)
    with pytest.raises(BadRequestError, match="at least one text"):
        await client.embeddings.create(model=MODEL, inputs=[])


@pytest.mark.parametrize(
    ("override", "argument"),
    [
        ({"inputs": 3}, "inputs"),
        ({"inputs": ["ok", 3]}, "inputs[1]"),
        ({"output_dimension": 0}, "output_dimension"),
        ({"output_dimension": 1.5}, "output_dimension"),
        ({"output_dtype": "float16"}, "output_dtype"),
        ({"encoding_format": "hex"}, "encoding_format"),
        ({"dimensions": 3}, "dimensions"),
    ],
)
async def test_bad_arguments_are_named(override: dict[str, Any], argument: str) -> None:
    client = capturing_client()
    with pytest.raises(ArgumentError) as info:
        await client.embeddings.create(**{"model": MODEL, "inputs": "x", **override})
    assert info.value.argument == argument


async def test_inputs_is_the_argument_name() -> None:
    client = capturing_client()
    with pytest.raises(ArgumentError, match="'inputs': is required"):
        await client.embeddings.create(model=MODEL, input="x")  # type: ignore[call-arg]


async def test_the_spec_accepts_what_create_sends() -> None:
    client = capturing_client()
    path, body = await sent_body(
        client.embeddings.create(
            model="codestral-embed",
            inputs=("first", "second"),
            output_dimension=512,
            output_dtype="int8",
            encoding_format="base64",
            metadata={"job": "index"},
        )
    )
    assert path == "/v1/embeddings"
    assert body == {
        "model": "codestral-embed",
        "input": ["first", "second"],
        "output_dimension": 512,
        "output_dtype": "int8",
        "encoding_format": "base64",
        "metadata": {"job": "index"},
    }
    assert_spec_accepts(path, body)


# -- base64 --------------------------------------------------------------------------------
# The spec types EmbeddingResponseData.embedding as an array of numbers only, though its
# EmbeddingRequest offers encoding_format "base64". These exchanges are checked against a copy
# of the spec corrected in memory to allow a string there, and nothing else.


@pytest.fixture(scope="module")
def base64_spec() -> OpenAPISpec:
    document = copy.deepcopy(OpenAPISpec.default().document)
    properties = document["components"]["schemas"]["EmbeddingResponseData"]["properties"]
    properties["embedding"] = {"anyOf": [properties["embedding"], {"type": "string"}]}
    return OpenAPISpec(document)


@pytest.fixture
async def in_process() -> AsyncIterator[tuple[AsyncMistral, MistralApp]]:
    app = create_app(record=True)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    async with http, AsyncMistral(api_key="k", base_url="http://local", http_client=http) as c:
        yield c, app


@pytest.mark.parametrize("dtype", DTYPES)
async def test_base64_decodes_to_the_same_values(
    in_process: tuple[AsyncMistral, MistralApp], base64_spec: OpenAPISpec, dtype: str
) -> None:
    client, app = in_process
    args: dict[str, Any] = {
        "model": "codestral-embed",
        "inputs": DOCUMENTS,
        "output_dimension": 64,
        "output_dtype": dtype,
    }
    plain = await client.embeddings.create(**args)
    encoded = await client.embeddings.create(**args, encoding_format="base64")
    assert all(isinstance(item.embedding, str) for item in encoded.data)
    assert encoded.vectors == plain.vectors
    assert encoded.output_dtype == dtype
    exchanges = app.exchanges.snapshot()
    assert_all_conform(exchanges, spec=base64_spec)
    assert exchange_violations(exchanges[0]) == []
    assert "is not of type 'array'" in " ".join(exchange_violations(exchanges[1]))


# -- sync ------------------------------------------------------------------------------------


def test_sync_create(server: LocalServer) -> None:
    with Mistral(api_key="k", base_url=server.url) as client:
        response = client.embeddings.create(model=MODEL, inputs=["a cat", "a dog"])
    assert isinstance(response, EmbeddingResponse)
    assert [len(v) for v in response.vectors] == [1024, 1024]
