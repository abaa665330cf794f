"""Embedding utilities: cosine similarity, top-k search, k-means clustering, and embedding
many texts in batches that stay within the API's per-request limits.

The arithmetic works on plain lists; with NumPy installed (``pip install
'mistral-async[numpy]'``) it runs on arrays instead, with the same results. Pass
``backend="python"`` or ``"numpy"`` to choose. Results are always plain Python numbers.

The API refuses an embeddings request over 16,384 tokens in total ("Too many tokens in batch").
Tokens can only be estimated here (:func:`~mistral_async.conversation.estimate_tokens`, about
four characters per token), so the default batch budget is half that, leaving room for text
that tokenizes densely (code, non-Latin scripts); pass ``token_counter=`` for exact counts. A
single text over the budget is sent alone, and the API decides.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import anyio
from typing_extensions import Unpack

from ._core.checks import check_int
from ._core.errors import APIResponseValidationError, ArgumentError
from ._core.options import RequestOptions
from ._core.tokens import estimate_tokens
from ._sync.dual import on_client
from .types.embeddings import EmbeddingDtype

if TYPE_CHECKING:
    from ._core.client import AsyncMistral
    from ._sync.client import Mistral

__all__ = [
    "Clustering",
    "EmbedArgs",
    "SearchHit",
    "batches",
    "cluster_texts",
    "cosine_similarities",
    "cosine_similarity",
    "embed_batched",
    "kmeans",
    "semantic_search",
    "top_k",
]

DEFAULT_MODEL = "mistral-embed"
DEFAULT_BATCH_SIZE = 128
DEFAULT_BATCH_TOKENS = 8_192

Backend = Literal["auto", "numpy", "python"]
Vector = Sequence[float]


def _numpy(backend: Backend) -> Any:
    """The numpy module for ``backend``, or ``None`` for the pure-Python path."""
    if backend == "python":
        return None
    try:
        import numpy
    except ImportError:
        if backend == "numpy":
            raise ImportError(
                "backend='numpy' needs NumPy: pip install 'mistral-async[numpy]'"
            ) from None
        return None
    return numpy


# -- similarity and search -------------------------------------------------------------------


def cosine_similarity(a: Vector, b: Vector) -> float:
    """The cosine of the angle between two vectors (0.0 when either is all zeros)."""
    _same_dimension(len(a), len(b))
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def cosine_similarities(
    query: Vector, vectors: Sequence[Vector], *, backend: Backend = "auto"
) -> list[float]:
    """The cosine similarity of ``query`` to each of ``vectors``, in order."""
    if len(vectors) == 0:
        return []
    np = _numpy(backend)
    if np is None:
        return [cosine_similarity(query, vector) for vector in vectors]
    matrix = np.asarray(vectors, dtype=np.float64)
    q = np.asarray(query, dtype=np.float64)
    if matrix.ndim != 2:
        raise ArgumentError("vectors", "must be a list of vectors of one dimension")
    _same_dimension(q.shape[0], matrix.shape[1])
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(q)
    dots = matrix @ q
    scores = np.divide(dots, norms, out=np.zeros_like(dots), where=norms != 0)
    return [float(s) for s in scores]


@dataclass(frozen=True)
class SearchHit:
    """One result of a search: the item's position, its similarity, and its text if known."""

    index: int
    score: float
    text: str | None = None


def top_k(
    query: Vector,
    vectors: Sequence[Vector],
    k: int = 5,
    *,
    texts: Sequence[str] | None = None,
    backend: Backend = "auto",
) -> list[SearchHit]:
    """The ``k`` vectors most similar to ``query``, best first (ties: lower index first).

    :param texts: the texts of ``vectors``, copied into the hits.
    """
    check_int("k", k, 1)
    if texts is not None and len(texts) != len(vectors):
        raise ArgumentError("texts", f"has {len(texts)} items for {len(vectors)} vectors")
    scores = cosine_similarities(query, vectors, backend=backend)
    best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return [SearchHit(i, scores[i], texts[i] if texts is not None else None) for i in best]


# -- clustering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clustering:
    """The result of :func:`kmeans`: a cluster label per vector, and each cluster's centre."""

    labels: list[int]
    centroids: list[list[float]]
    iterations: int

    def groups(self, items: Sequence[Any] | None = None) -> list[list[Any]]:
        """The members of each cluster (positions, or the matching ``items``), by label."""
        if items is not None and len(items) != len(self.labels):
            raise ArgumentError("items", f"has {len(items)} items for {len(self.labels)} labels")
        out: list[list[Any]] = [[] for _ in self.centroids]
        for position, label in enumerate(self.labels):
            out[label].append(position if items is None else items[position])
        return out


def kmeans(
    vectors: Sequence[Vector],
    n_clusters: int,
    *,
    max_iterations: int = 100,
    seed: int = 0,
    backend: Backend = "auto",
) -> Clustering:
    """Spherical k-means: vectors are compared by cosine similarity, centres are normalised
    means. Deterministic for a given ``seed`` (k-means++ starting centres).

    Both backends follow the same rules (the same draws from ``random.Random(seed)`` pick the
    starting centres, ties go to the lower cluster, an emptied cluster keeps its centre), so
    they give the same clusters up to floating-point rounding; NumPy's is vectorised and takes
    lists or an array alike.
    """
    check_int("n_clusters", n_clusters, 1)
    check_int("max_iterations", max_iterations, 1)
    if n_clusters > len(vectors):
        raise ArgumentError(
            "n_clusters", f"is {n_clusters}, more than the {len(vectors)} vectors to cluster"
        )
    np = _numpy(backend)
    if np is not None:
        return _kmeans_numpy(np, vectors, n_clusters, max_iterations, random.Random(seed))
    unit = [_normalised(v) for v in vectors]
    _same_dimension(*{len(v) for v in unit})
    centres = _plus_plus(unit, n_clusters, random.Random(seed))
    labels: list[int] = []
    for iteration in range(1, max_iterations + 1):
        new = [max(range(n_clusters), key=lambda c: (_dot(v, centres[c]), -c)) for v in unit]
        if new == labels:
            return Clustering(labels, centres, iteration - 1)
        labels = new
        centres = [_centre(unit, labels, c, centres[c]) for c in range(n_clusters)]
    return Clustering(labels, centres, max_iterations)


def _plus_plus(unit: list[list[float]], k: int, rng: random.Random) -> list[list[float]]:
    """k-means++: each next centre drawn with odds growing with its distance to the chosen."""
    centres = [unit[rng.randrange(len(unit))]]
    while len(centres) < k:
        distances = [min(1.0 - _dot(v, c) for c in centres) for v in unit]
        total = sum(max(d, 0.0) for d in distances)
        if total <= 0:  # fewer distinct points than clusters: repeat one (its twin stays empty)
            centres.append(unit[len(centres) % len(unit)])
            continue
        pick = rng.random() * total
        for vector, distance in zip(unit, distances, strict=True):
            pick -= max(distance, 0.0)
            if pick <= 0:
                centres.append(vector)
                break
        else:
            centres.append(unit[-1])
    return centres


def _kmeans_numpy(
    np: Any, vectors: Sequence[Vector], k: int, max_iterations: int, rng: random.Random
) -> Clustering:
    """:func:`kmeans` on arrays: the pure path's steps, each one matrix operation."""
    if not hasattr(vectors, "shape"):  # a ragged list would make an object array, or fail
        _same_dimension(*{len(v) for v in vectors})
    data = np.asarray(vectors, dtype=np.float64)
    if data.ndim != 2:
        raise ArgumentError("vectors", "must be a list of vectors of one dimension")
    norms = np.sqrt(np.einsum("ij,ij->i", data, data))[:, None]
    unit = np.divide(data, norms, out=data.copy(), where=norms != 0)
    centres = unit[_plus_plus_indices(np, unit, k, rng)]
    labels = np.full(len(unit), -1)
    for iteration in range(1, max_iterations + 1):
        new = np.argmax(unit @ centres.T, axis=1)  # the first of equal scores, as above
        if np.array_equal(new, labels):
            return _clustering(labels, centres, iteration - 1)
        labels = new
        members = labels == np.arange(k)[:, None]  # k x n: which rows are in each cluster
        counts = members.sum(axis=1)
        sums = members.astype(unit.dtype) @ unit
        filled = counts > 0  # an emptied cluster keeps its centre
        means = sums[filled] / counts[filled, None]
        lengths = np.sqrt(np.einsum("ij,ij->i", means, means))[:, None]
        centres[filled] = np.divide(means, lengths, out=means.copy(), where=lengths != 0)
    return _clustering(labels, centres, max_iterations)


def _plus_plus_indices(np: Any, unit: Any, k: int, rng: random.Random) -> list[int]:
    """The rows :func:`_plus_plus` would choose, from the same draws of ``rng``."""
    n = len(unit)
    chosen = [rng.randrange(n)]
    # Each row's distance to its nearest chosen centre, updated with each new one.
    nearest = 1.0 - unit @ unit[chosen[0]]
    while len(chosen) < k:
        weights = np.maximum(nearest, 0.0)
        total = float(weights.sum())
        if total <= 0:
            chosen.append(len(chosen) % n)
        else:
            # The first row whose running total of weights reaches the draw.
            pick = rng.random() * total
            chosen.append(min(int(np.searchsorted(np.cumsum(weights), pick)), n - 1))
        nearest = np.minimum(nearest, 1.0 - unit @ unit[chosen[-1]])
    return chosen


def _clustering(labels: Any, centres: Any, iterations: int) -> Clustering:
    return Clustering([int(i) for i in labels], centres.tolist(), iterations)


def _centre(
    unit: list[list[float]], labels: list[int], cluster: int, previous: list[float]
) -> list[float]:
    members = [v for v, label in zip(unit, labels, strict=True) if label == cluster]
    if not members:
        return previous  # an emptied cluster keeps its centre
    return _normalised([sum(column) / len(members) for column in zip(*members, strict=True)])


def _dot(a: Vector, b: Vector) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _normalised(vector: Vector) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else [float(x) for x in vector]


# -- batching --------------------------------------------------------------------------------


def batches(
    texts: Sequence[str],
    *,
    max_batch_size: int = DEFAULT_BATCH_SIZE,
    max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
    token_counter: Callable[[str], int] = estimate_tokens,
) -> list[list[str]]:
    """Split ``texts``, in order, into batches of at most ``max_batch_size`` texts and
    ``max_batch_tokens`` estimated tokens (a text over the budget makes a batch alone)."""
    return [list(texts[s]) for s in _slices(texts, max_batch_size, max_batch_tokens, token_counter)]


def _slices(
    texts: Sequence[str], size: int, budget: int, count: Callable[[str], int]
) -> list[slice]:
    check_int("max_batch_size", size, 1)
    check_int("max_batch_tokens", budget, 1)
    out: list[slice] = []
    start, tokens = 0, 0
    for index, text in enumerate(texts):
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError(f"texts[{index}]", f"must be a string, got {type(text).__name__}")
        cost = count(text)
        if index > start and (index - start >= size or tokens + cost > budget):
            out.append(slice(start, index))
            start, tokens = index, 0
        tokens += cost
    if start < len(texts):
        out.append(slice(start, len(texts)))
    return out


class EmbedArgs(RequestOptions, total=False):
    """Options of the helpers that embed texts: the model, its output, and the batching."""

    model: str
    """``mistral-embed`` by default."""
    output_dimension: int | None
    output_dtype: EmbeddingDtype | None
    max_batch_size: int
    """Texts per request, 128 by default."""
    max_batch_tokens: int
    """Estimated tokens per request, 8,192 by default (the API allows 16,384)."""
    max_concurrency: int | None
    """Requests of this call in flight at once (the client's own limit applies too)."""
    token_counter: Callable[[str], int]
    """Counts a text's tokens; :func:`~mistral_async.conversation.estimate_tokens` by default."""


@dataclass(frozen=True)
class _Plan:
    """How to embed some texts: the batches, and the arguments of each request."""

    texts: Sequence[str]
    slices: list[slice]
    model: str
    limit: int | None
    create: dict[str, Any]


def _plan(texts: Sequence[str], kwargs: Mapping[str, Any]) -> _Plan:
    if isinstance(texts, str):
        raise ArgumentError("texts", "must be a list of strings, not one string")
    create = dict(kwargs)
    model = create.pop("model", DEFAULT_MODEL)
    limit = create.pop("max_concurrency", None)
    if limit is not None:
        check_int("max_concurrency", limit, 1)
    slices = _slices(
        texts,
        create.pop("max_batch_size", DEFAULT_BATCH_SIZE),
        create.pop("max_batch_tokens", DEFAULT_BATCH_TOKENS),
        create.pop("token_counter", estimate_tokens),
    )
    return _Plan(texts, slices, model, limit, create)


async def _embed(client: AsyncMistral, plan: _Plan) -> list[list[float]]:
    vectors: list[list[float]] = [[] for _ in plan.texts]
    limiter = anyio.CapacityLimiter(plan.limit) if plan.limit else contextlib.nullcontext()

    async def one(part: slice) -> None:
        async with limiter:
            response = await client.embeddings.create(
                model=plan.model, inputs=list(plan.texts[part]), **plan.create
            )
        got = response.vectors
        if len(got) != part.stop - part.start:
            raise APIResponseValidationError(
                f"{len(got)} vectors came back for {part.stop - part.start} texts",
                status_code=200,
            )
        vectors[part] = got

    async with anyio.create_task_group() as group:
        for part in plan.slices:
            group.start_soon(one, part)
    return vectors


@overload
def embed_batched(
    client: AsyncMistral, texts: Sequence[str], **kwargs: Unpack[EmbedArgs]
) -> Coroutine[Any, Any, list[list[float]]]: ...
@overload
def embed_batched(
    client: Mistral, texts: Sequence[str], **kwargs: Unpack[EmbedArgs]
) -> list[list[float]]: ...
def embed_batched(
    client: AsyncMistral | Mistral, texts: Sequence[str], **kwargs: Unpack[EmbedArgs]
) -> Any:
    """Embed any number of texts: one vector per text, in order.

    The texts are split by :func:`batches` and the batches sent concurrently, within the
    client's ``max_concurrency`` and, if given, this call's own ``max_concurrency``.
    """
    return on_client(client, _embed, _plan(texts, kwargs))


@overload
def semantic_search(
    client: AsyncMistral,
    query: str,
    texts: Sequence[str],
    *,
    top: int = 5,
    vectors: Sequence[Vector] | None = None,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> Coroutine[Any, Any, list[SearchHit]]: ...
@overload
def semantic_search(
    client: Mistral,
    query: str,
    texts: Sequence[str],
    *,
    top: int = 5,
    vectors: Sequence[Vector] | None = None,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> list[SearchHit]: ...
def semantic_search(
    client: AsyncMistral | Mistral,
    query: str,
    texts: Sequence[str],
    *,
    top: int = 5,
    vectors: Sequence[Vector] | None = None,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> Any:
    """The ``top`` texts most similar to ``query``, best first.

    :param vectors: the texts' embeddings if already computed (only the query is embedded);
        otherwise the query and the texts are embedded together.
    """
    check_int("top", top, 1)
    if vectors is not None and len(vectors) != len(texts):
        raise ArgumentError("vectors", f"has {len(vectors)} vectors for {len(texts)} texts")
    plan = _plan([query, *texts] if vectors is None else [query], kwargs)
    return on_client(client, _search, plan, texts, vectors, top, backend)


async def _search(
    client: AsyncMistral,
    plan: _Plan,
    texts: Sequence[str],
    vectors: Sequence[Vector] | None,
    top: int,
    backend: Backend,
) -> list[SearchHit]:
    embedded = await _embed(client, plan)
    candidates = embedded[1:] if vectors is None else vectors
    return top_k(embedded[0], candidates, top, texts=texts, backend=backend)


@overload
def cluster_texts(
    client: AsyncMistral,
    texts: Sequence[str],
    n_clusters: int,
    *,
    seed: int = 0,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> Coroutine[Any, Any, list[list[str]]]: ...
@overload
def cluster_texts(
    client: Mistral,
    texts: Sequence[str],
    n_clusters: int,
    *,
    seed: int = 0,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> list[list[str]]: ...
def cluster_texts(
    client: AsyncMistral | Mistral,
    texts: Sequence[str],
    n_clusters: int,
    *,
    seed: int = 0,
    backend: Backend = "auto",
    **kwargs: Unpack[EmbedArgs],
) -> Any:
    """Embed ``texts`` and group them into ``n_clusters`` clusters of similar meaning (each
    cluster's texts in their original order; use :func:`kmeans` for labels and centres)."""
    check_int("n_clusters", n_clusters, 1)
    if n_clusters > len(texts):
        raise ArgumentError("n_clusters", f"is {n_clusters}, more than the {len(texts)} texts")
    return on_client(client, _cluster, _plan(texts, kwargs), n_clusters, seed, backend)


async def _cluster(
    client: AsyncMistral, plan: _Plan, n_clusters: int, seed: int, backend: Backend
) -> list[list[str]]:
    vectors = await _embed(client, plan)
    return kmeans(vectors, n_clusters, seed=seed, backend=backend).groups(list(plan.texts))


def _same_dimension(*dimensions: int) -> None:
    if len(set(dimensions)) > 1:
        raise ArgumentError("vectors", f"have different dimensions: {sorted(set(dimensions))}")
