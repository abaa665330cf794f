"""The wire forms of an embedding, as pure functions: decoding what the API sends, and the
encoding the local server uses to send it.

The OpenAPI file names the options (``output_dtype``: float, int8, uint8, binary, ubinary;
``encoding_format``: float, base64) but not their encodings; these follow Mistral's embeddings
guide and the convention base64 embeddings share across APIs:

- ``float``: 32-bit floats; ``int8``: integers from -128 to 127; ``uint8``: from 0 to 255.
- ``binary`` and ``ubinary``: one bit per dimension (1 where the value is positive), packed
  eight to a byte with the first dimension in the most significant bit, so a vector has
  ``ceil(output_dimension / 8)`` entries. ``ubinary`` sends each byte as it is (0..255);
  ``binary`` sends it as int8 by the offset binary method: ``byte - 128``.
- ``encoding_format="base64"``: the embedding is one string, the base64 of the values as
  bytes: little-endian float32 for ``float``, one byte per value otherwise (two's complement
  for the signed ``int8`` and ``binary``).
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import numpy.typing as npt

EmbeddingDtype = Literal["float", "int8", "uint8", "binary", "ubinary"]
EncodingFormat = Literal["float", "base64"]

# struct format of one value of each dtype.
_FORMATS: Final[dict[str, str]] = {
    "float": "f",
    "int8": "b",
    "uint8": "B",
    "binary": "b",
    "ubinary": "B",
}
NUMPY_DTYPES: Final[dict[str, str]] = {
    "float": "float32",
    "int8": "int8",
    "uint8": "uint8",
    "binary": "int8",
    "ubinary": "uint8",
}
"""The NumPy dtype that holds each ``output_dtype`` without loss."""


def _format(dtype: str) -> str:
    try:
        return _FORMATS[dtype]
    except KeyError:
        raise ValueError(
            f"unknown output_dtype {dtype!r}; expected one of {list(_FORMATS)}"
        ) from None


def decode_embedding(value: Sequence[float] | str, dtype: str = "float") -> list[float]:
    """The values of one embedding as the API sent them, whatever the ``encoding_format``.

    A list is returned as a list (ints for the integer dtypes: ``int`` is a ``float`` for
    typing); a base64 string is decoded by ``dtype``. Bit-packed dtypes stay packed (see
    :func:`unpack_bits`).

    :raises ValueError: for a string that is not base64 of whole ``dtype`` values.
    """
    code = _format(dtype)
    if not isinstance(value, str):
        return list(value)
    raw = _b64_bytes(value, dtype)
    return list(struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw))


def _b64_bytes(value: str, dtype: str) -> bytes:
    """The raw bytes of a base64 embedding, checked to hold whole ``dtype`` values."""
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"embedding is not valid base64: {exc}") from None
    size = struct.calcsize(_format(dtype))
    if len(raw) % size:
        raise ValueError(f"{len(raw)} bytes are not a whole number of {dtype} values")
    return raw


def decode_to_numpy(
    values: Sequence[Sequence[float] | str], dtype: str = "float"
) -> npt.NDArray[Any]:
    """Several embeddings as one 2-D array of :data:`NUMPY_DTYPES` ``[dtype]``, one row each.

    Base64 strings go straight from their bytes into the array (no Python number per value);
    lists of numbers are converted as they are. Needs NumPy (imported here, on first use).

    :raises ValueError: for bad base64 (as :func:`decode_embedding`), or rows of different
        lengths.
    """
    import numpy as np

    target: Any = np.dtype(NUMPY_DTYPES[dtype])
    # The wire is little-endian whatever the machine; `astype` is free on a little-endian one.
    wire: Any = target.newbyteorder("<")
    rows = [
        np.frombuffer(_b64_bytes(v, dtype), dtype=wire)
        if isinstance(v, str)
        else np.asarray(v, dtype=target)
        for v in values
    ]
    if not rows:
        return np.empty((0, 0), dtype=target)
    lengths = {len(row) for row in rows}
    if len(lengths) > 1:
        raise ValueError(f"embeddings of different lengths: {sorted(lengths)}")
    return np.stack(rows).astype(target, copy=False)


def encode_base64(values: Sequence[float], dtype: str = "float") -> str:
    """The base64 form of an embedding's values (the inverse of :func:`decode_embedding`)."""
    return base64.b64encode(struct.pack(f"<{len(values)}{_format(dtype)}", *values)).decode()


def pack_bits(values: Sequence[float], *, signed: bool) -> list[int]:
    """Pack the signs of ``values`` (1 if positive) into bytes, first value in the top bit;
    ``signed`` gives the ``binary`` form (byte - 128), otherwise the ``ubinary`` one."""
    packed: list[int] = []
    for start in range(0, len(values), 8):
        byte = 0
        for offset, value in enumerate(values[start : start + 8]):
            if value > 0:
                byte |= 0x80 >> offset
        packed.append(byte - 128 if signed else byte)
    return packed


def unpack_bits(
    packed: Sequence[float], *, signed: bool, dimension: int | None = None
) -> list[int]:
    """The 0/1 bits of a ``binary`` (``signed=True``) or ``ubinary`` embedding.

    :param dimension: how many bits to keep (the ``output_dimension``), when it is not a
        multiple of 8; by default all ``8 * len(packed)``.
    """
    bits: list[int] = []
    for value in packed:
        byte = int(value) + 128 if signed else int(value)
        if not 0 <= byte <= 255:
            kind = "binary" if signed else "ubinary"
            raise ValueError(f"{value!r} is not a {kind} byte")
        bits.extend((byte >> shift) & 1 for shift in range(7, -1, -1))
    return bits if dimension is None else bits[:dimension]
