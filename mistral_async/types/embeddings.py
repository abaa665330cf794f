"""Embedding models: the request, the reply, and its vectors as lists or a NumPy array."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, PrivateAttr
from typing_extensions import Required, TypedDict

from ._base import MistralModel, RenamedRequest, ResponseModel
from ._embedding_codec import (
    EmbeddingDtype,
    EncodingFormat,
    decode_embedding,
    decode_to_numpy,
    unpack_bits,
)
from .chat import UsageInfo
from .model_names import EmbeddingModelName

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "EmbeddingDtype",
    "EmbeddingParams",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "EmbeddingResponseData",
    "EncodingFormat",
    "decode_embedding",
    "unpack_bits",
]


class EmbeddingRequest(RenamedRequest):
    """The body of ``POST /v1/embeddings``; validated strictly before sending."""

    model: str
    inputs: str | list[str] = Field(alias="input")
    output_dimension: Annotated[int, Field(gt=0)] | None = None
    output_dtype: EmbeddingDtype | None = None
    encoding_format: EncodingFormat | None = None
    metadata: dict[str, Any] | None = None


class EmbeddingParams(TypedDict, total=False):
    """The keyword arguments of ``embeddings.create`` (see the OpenAPI file)."""

    model: Required[EmbeddingModelName]
    """ID of an embedding model, e.g. ``mistral-embed``."""
    inputs: Required[str | Sequence[str]]
    """One text, or a list of texts (sent as ``input``)."""
    output_dimension: int | None
    """The length of each vector, for models that support it (``codestral-embed``)."""
    output_dtype: EmbeddingDtype | None
    """``float`` (default), ``int8``, ``uint8``, or bit-packed ``binary`` / ``ubinary``."""
    encoding_format: EncodingFormat | None
    """``float`` (default: JSON numbers) or ``base64`` (one string per vector)."""
    metadata: Mapping[str, Any] | None


class EmbeddingResponseData(MistralModel):
    object: str = "embedding"
    # list[float] first: a float vector then matches at once, where trying list[int] first
    # built an error per element (64 x 1024 of them) before moving on; ints still stay ints.
    embedding: list[float] | list[int] | str
    """The vector as sent: numbers, or a base64 string with ``encoding_format="base64"``.
    :attr:`EmbeddingResponse.vectors` decodes either form."""
    index: int = 0


class EmbeddingResponse(ResponseModel):
    id: str = ""
    object: str = "list"
    model: str
    usage: UsageInfo = Field(default_factory=UsageInfo)
    data: list[EmbeddingResponseData] = []

    # The reply does not say which dtype it holds; `embeddings.create` records the one asked
    # for, which a base64 string needs in order to be decoded.
    _output_dtype: EmbeddingDtype = PrivateAttr(default="float")

    @property
    def output_dtype(self) -> EmbeddingDtype:
        """The ``output_dtype`` the vectors were requested in (``float`` by default)."""
        return self._output_dtype

    @property
    def vectors(self) -> list[list[float]]:
        """One list of numbers per input, in input order, base64 decoded.

        Floats for ``float``; ints for the integer dtypes, bit-packed for ``binary`` and
        ``ubinary`` (:func:`unpack_bits` unpacks them).
        """
        ordered = sorted(self.data, key=lambda item: item.index)
        return [decode_embedding(item.embedding, self._output_dtype) for item in ordered]

    def to_numpy(self) -> npt.NDArray[Any]:
        """The vectors as one 2-D NumPy array, one row per input (float32, int8 or uint8).

        Base64 vectors (``encoding_format="base64"``) are read from their bytes straight into
        the array, without a Python number per value.

        :raises ImportError: when NumPy is not installed (``pip install
            'mistral-async[numpy]'``).
        """
        ordered = sorted(self.data, key=lambda item: item.index)
        try:
            return decode_to_numpy([item.embedding for item in ordered], self._output_dtype)
        except ImportError as exc:  # NumPy is imported there, on first use
            raise ImportError(
                "EmbeddingResponse.to_numpy() needs NumPy: pip install 'mistral-async[numpy]'"
            ) from exc
