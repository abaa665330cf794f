"""The embedding wire forms, decoded and encoded by pure functions (no server), and the
reply model's ``vectors`` / ``to_numpy()`` views."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from mistral_async.types._embedding_codec import (
    decode_embedding,
    encode_base64,
    pack_bits,
    unpack_bits,
)
from mistral_async.types.embeddings import EmbeddingResponse

# Little-endian float32 of 1.0, -2.5, 0.15625: 0000803f 000020c0 0000203e.
FLOATS_B64 = "AACAPwAAIMAAACA+"
# The bytes ff 80 7f.
BYTES_B64 = "/4B/"


def test_base64_float_is_little_endian_float32() -> None:
    assert decode_embedding(FLOATS_B64, "float") == [1.0, -2.5, 0.15625]
    assert encode_base64([1.0, -2.5, 0.15625], "float") == FLOATS_B64


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        ("int8", [-1, -128, 127]),
        ("binary", [-1, -128, 127]),
        ("uint8", [255, 128, 127]),
        ("ubinary", [255, 128, 127]),
    ],
)
def test_base64_bytes_are_read_by_signedness(dtype: str, values: list[int]) -> None:
    assert decode_embedding(BYTES_B64, dtype) == values
    assert encode_base64(values, dtype) == BYTES_B64


@pytest.mark.parametrize("dtype", ["float", "int8", "uint8", "binary", "ubinary"])
def test_lists_pass_through(dtype: str) -> None:
    assert decode_embedding([1, 2, 3], dtype) == [1, 2, 3]
    assert decode_embedding((0.5,), dtype) == [0.5]


def test_bad_base64_and_lengths_are_value_errors() -> None:
    with pytest.raises(ValueError, match="not valid base64"):
        decode_embedding("not base64!", "float")
    with pytest.raises(ValueError, match="whole number of float values"):
        decode_embedding(BYTES_B64, "float")  # 3 bytes, not a float32
    with pytest.raises(ValueError, match="unknown output_dtype"):
        decode_embedding([1.0], "float16")


def test_bits_pack_first_value_in_the_top_bit() -> None:
    values = [0.5, -1.0, 0.2, 0.0, 0.0, 0.0, 0.0, 1.0, 0.3]  # 9 values: two bytes
    assert pack_bits(values, signed=False) == [0b1010_0001, 0b1000_0000]
    # binary is offset binary: the unsigned byte minus 128
    assert pack_bits(values, signed=True) == [0b1010_0001 - 128, 0]
    bits = [1, 0, 1, 0, 0, 0, 0, 1, 1]
    assert unpack_bits([161, 128], signed=False, dimension=9) == bits
    assert unpack_bits([33, 0], signed=True, dimension=9) == bits
    assert unpack_bits([33, 0], signed=True) == [*bits, 0, 0, 0, 0, 0, 0, 0]


def test_unpack_rejects_out_of_range_bytes() -> None:
    with pytest.raises(ValueError, match="not a binary byte"):
        unpack_bits([200], signed=True)
    with pytest.raises(ValueError, match="not a ubinary byte"):
        unpack_bits([-1], signed=False)


def _reply(embeddings: list[Any], dtype: str = "float") -> EmbeddingResponse:
    response = EmbeddingResponse.model_validate(
        {
            "id": "e",
            "object": "list",
            "model": "mistral-embed",
            "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
            # out of order on purpose: vectors follow `index`
            "data": [
                {"object": "embedding", "embedding": e, "index": len(embeddings) - 1 - i}
                for i, e in enumerate(embeddings)
            ],
        }
    )
    response._output_dtype = dtype  # type: ignore[assignment]
    return response


def test_vectors_decode_and_follow_index() -> None:
    response = _reply([FLOATS_B64, [0.0, 1.0, 0.5]])
    assert response.vectors == [[0.0, 1.0, 0.5], [1.0, -2.5, 0.15625]]
    assert response.output_dtype == "float"
    ints = _reply([[1, -2], "/4A="], "int8")  # the bytes ff 80
    assert ints.vectors == [[-1, -128], [1, -2]]
    assert all(isinstance(v, int) for v in ints.vectors[1])


def test_to_numpy_shapes_and_dtypes() -> None:
    np = pytest.importorskip("numpy")
    array = _reply([[0.0, 1.0, 0.5], FLOATS_B64]).to_numpy()
    assert array.shape == (2, 3)
    assert array.dtype == np.float32
    assert array[0].tolist() == [1.0, -2.5, 0.15625]
    assert _reply([BYTES_B64], "uint8").to_numpy().dtype == np.uint8
    assert _reply([BYTES_B64], "binary").to_numpy().tolist() == [[-1, -128, 127]]


def test_to_numpy_without_numpy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` now raises ImportError
    response = _reply([[0.0, 1.0]])
    assert response.vectors == [[0.0, 1.0]]  # lists need no NumPy
    with pytest.raises(ImportError, match=r"mistral-async\[numpy\]"):
        response.to_numpy()


def test_to_numpy_reads_base64_straight_from_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    values = [[0.5, -1.25, 3.0, 0.0], [1.0, 2.0, -0.125, 7.5]]
    reply = _reply([encode_base64(v) for v in values])
    # The direct path makes no Python list of the values: `vectors` is never used.
    monkeypatch.setattr(
        EmbeddingResponse, "vectors", property(lambda self: pytest.fail("went through lists"))
    )
    array = reply.to_numpy()
    assert array.dtype == np.float32
    assert array.shape == (2, 4)
    assert array.flags.writeable  # a copy the caller owns, not a view of a bytes object
    assert array.tolist() == values[::-1]  # rows follow `index`
    signed = _reply([encode_base64([-128, 5, 127], "int8")], "int8").to_numpy()
    assert signed.dtype == np.int8
    assert signed.tolist() == [[-128, 5, 127]]


def test_to_numpy_refuses_bad_base64_and_ragged_rows() -> None:
    pytest.importorskip("numpy")
    with pytest.raises(ValueError, match="whole number of float"):
        _reply(["AAA="]).to_numpy()  # two bytes
    with pytest.raises(ValueError, match="not valid base64"):
        _reply(["***"]).to_numpy()
    with pytest.raises(ValueError, match="different lengths"):
        _reply([FLOATS_B64, [1.0, 2.0]]).to_numpy()
    assert _reply([]).to_numpy().shape == (0, 0)
