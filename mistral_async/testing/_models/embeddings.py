"""The simulated model's embeddings: a deterministic, pure hashed bag of words.

Each content word of a text (lower-cased, a plural ``s`` dropped, stop words left out) is
hashed to one dimension and a sign; the counts add up and the vector is L2-normalised. Texts
that share words share dimensions, so their cosine similarity is high, while texts with no word
in common are nearly orthogonal: enough for a semantic search demo to rank the right document
first. A text without content words gets one dimension hashed from the whole text, so no
vector is zero. Values are float32, so the base64 and JSON forms carry the same numbers.

Quantisation (``output_dtype``) follows :mod:`mistral_async.types._embedding_codec`: ``int8`` is
``round(127 v)``, ``uint8`` is ``round(127.5 (v + 1))``, ``binary``/``ubinary`` pack the signs.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Sequence
from typing import Final

from ...types._embedding_codec import encode_base64, pack_bits
from .text import STOPWORDS

DEFAULT_DIMENSIONS: Final = {"mistral-embed": 1024, "codestral-embed": 1536}
MAX_DIMENSION: Final = 3072
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Lower-case words not in ``skip``, ``s`` plurals made singular (``cats`` → ``cat``,
    ``class`` kept)."""
    found = [w for w in _WORD.findall(text.lower()) if w not in skip]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in found]


def _slot(feature: str, dimension: int, seed: int) -> tuple[int, float]:
    digest = hashlib.blake2b(f"{seed}:{feature}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    return number % dimension, 1.0 if (number >> 63) & 1 else -1.0


def embed(text: str, dimension: int, *, seed: int = 0) -> list[float]:
    """The unit-length float32 vector of ``text``."""
    features = words(text, skip=STOPWORDS) or [f"text:{text}"]
    vector = [0.0] * dimension
    for feature in features:
        index, sign = _slot(feature, dimension, seed)
        vector[index] += sign
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    normalised = [v / norm for v in vector]
    return list(struct.unpack(f"<{dimension}f", struct.pack(f"<{dimension}f", *normalised)))


def quantize(vector: Sequence[float], dtype: str) -> list[float]:
    """The vector in ``output_dtype`` (a unit vector's values lie in [-1, 1])."""
    if dtype == "int8":
        return [max(-128, min(127, round(v * 127))) for v in vector]
    if dtype == "uint8":
        return [max(0, min(255, round((v + 1) * 127.5))) for v in vector]
    if dtype in ("binary", "ubinary"):
        return list(pack_bits(vector, signed=dtype == "binary"))
    return list(vector)


def wire_embedding(
    vector: Sequence[float], dtype: str = "float", encoding: str = "float"
) -> list[float] | str:
    """The ``embedding`` field of a reply: numbers, or their base64 string."""
    values = quantize(vector, dtype)
    return encode_base64(values, dtype) if encoding == "base64" else values
