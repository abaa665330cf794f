"""Embedding utilities: similarity, search, clustering (NumPy and pure Python), batching."""

from __future__ import annotations

import random
import sys
from typing import Any

import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral
from mistral_async import embeddings_utils as eu
from mistral_async.embeddings_utils import SearchHit
from mistral_async.testing import LocalServer

BACKENDS = ["python", "numpy"]
DOCS = [
    "The cat sat on the mat",
    "Cats and kittens chase a mouse",
    "Stock markets fell sharply today",
    "Investors sold shares as stock markets dropped",
    "A recipe for apple pie",
    "Bake the apple pie with butter",
]


def embedding_requests(server: LocalServer) -> list[Any]:
    return [e.request_json() for e in server.exchanges.snapshot() if e.path == "/v1/embeddings"]


# -- the arithmetic ----------------------------------------------------------------------------


def test_cosine_similarity() -> None:
    assert eu.cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert eu.cosine_similarity([1, 0], [0, 2]) == pytest.approx(0.0)
    assert eu.cosine_similarity([1, 1], [-1, -1]) == pytest.approx(-1.0)
    assert eu.cosine_similarity([3, 4], [6, 8]) == pytest.approx(1.0)
    assert eu.cosine_similarity([0, 0], [1, 1]) == 0.0
    with pytest.raises(ArgumentError, match="different dimensions"):
        eu.cosine_similarity([1, 2], [1, 2, 3])


@pytest.mark.parametrize("backend", BACKENDS)
def test_similarities_and_top_k(backend: eu.Backend) -> None:
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [0.0, 0.0], [1.0, 0.0]]
    scores = eu.cosine_similarities([1.0, 0.1], vectors, backend=backend)
    assert all(isinstance(s, float) for s in scores)
    assert scores[3] == 0.0
    assert scores == pytest.approx(
        [eu.cosine_similarity([1.0, 0.1], v) for v in vectors], abs=1e-12
    )
    hits = eu.top_k([1.0, 0.0], vectors, 3, texts=list("abcde"), backend=backend)
    assert [h.index for h in hits] == [0, 4, 2]  # equal scores: lower index first
    assert [h.text for h in hits] == ["a", "e", "c"]
    assert hits[0].score == pytest.approx(1.0)
    everything = eu.top_k([1.0, 0.0], vectors, 99, backend=backend)
    assert [h.index for h in everything] == [0, 4, 2, 1, 3]
    assert eu.top_k([1.0, 0.0], [], 3, backend=backend) == []
    with pytest.raises(ArgumentError, match="'k'"):
        eu.top_k([1.0], [[1.0]], 0, backend=backend)
    with pytest.raises(ArgumentError, match="texts"):
        eu.top_k([1.0], [[1.0]], 1, texts=["a", "b"], backend=backend)
    with pytest.raises(ArgumentError, match="dimensions"):
        eu.cosine_similarities([1.0, 0.0], [[1.0, 0.0, 0.0]], backend=backend)


BLOBS = [
    [1.0, 0.1, 0.0],
    [0.0, 1.0, 0.1],
    [0.9, 0.0, 0.1],
    [0.1, 0.0, 1.0],
    [0.0, 0.9, 0.0],
    [0.0, 0.1, 0.9],
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_finds_the_clusters(backend: eu.Backend) -> None:
    result = eu.kmeans(BLOBS, 3, backend=backend)
    groups = sorted(sorted(g) for g in result.groups())
    assert groups == [[0, 2], [1, 4], [3, 5]]
    assert len(result.centroids) == 3
    assert all(isinstance(x, float) for c in result.centroids for x in c)
    assert result.iterations >= 1
    assert result.groups(list("abcdef"))[result.labels[0]] == ["a", "c"]


def test_kmeans_gives_the_same_answer_with_and_without_numpy() -> None:
    for seed in range(5):
        python = eu.kmeans(BLOBS, 3, seed=seed, backend="python")
        numpy = eu.kmeans(BLOBS, 3, seed=seed, backend="numpy")
        assert python.labels == numpy.labels
        flat = [x for centre in numpy.centroids for x in centre]
        assert [x for centre in python.centroids for x in centre] == pytest.approx(flat)


def _points(count: int, dimension: int, seed: int) -> list[list[float]]:
    """Deterministic, well-spread points (no NumPy needed to make them)."""
    rng = random.Random(seed)
    return [[rng.uniform(-1.0, 1.0) for _ in range(dimension)] for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_kmeans_backends_agree_on_seeding_labels_and_iterations(seed: int) -> None:
    np = pytest.importorskip("numpy")
    points = _points(60, 5, seed)
    for iterations in (1, 100):  # 1: the k-means++ centres' first assignment, seeding alone
        python = eu.kmeans(points, 4, seed=seed, max_iterations=iterations, backend="python")
        for data in (points, np.asarray(points)):  # lists and an array take the same path
            vectorised = eu.kmeans(data, 4, seed=seed, max_iterations=iterations, backend="numpy")
            assert_same_clustering(vectorised, python)
            assert all(isinstance(label, int) for label in vectorised.labels)


def assert_same_clustering(got: eu.Clustering, expected: eu.Clustering) -> None:
    """Equal labels and iterations; centres equal up to floating-point rounding."""
    assert (got.labels, got.iterations) == (expected.labels, expected.iterations)
    assert len(got.centroids) == len(expected.centroids)
    for mine, theirs in zip(got.centroids, expected.centroids, strict=True):
        assert all(isinstance(x, float) for x in mine)
        assert mine == pytest.approx(theirs, abs=1e-12)


def test_kmeans_numpy_keeps_the_rules_of_the_pure_path() -> None:
    pytest.importorskip("numpy")
    # Fewer distinct points than clusters: a centre is repeated and its twin stays empty.
    same = [[0.0, 1.0]] + [[1.0, 0.0]] * 3
    python = eu.kmeans(same, 3, seed=2, backend="python")
    assert_same_clustering(eu.kmeans(same, 3, seed=2, backend="numpy"), python)
    assert python.labels == [0, 1, 1, 1]
    assert python.centroids == [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]  # the twin stays empty
    # All-zero vectors are kept as they are (no division by zero) in both.
    zeros = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]
    assert_same_clustering(
        eu.kmeans(zeros, 2, backend="numpy"), eu.kmeans(zeros, 2, backend="python")
    )
    with pytest.raises(ArgumentError, match="dimensions"):
        eu.kmeans([[1.0], [1.0, 2.0]], 1, backend="numpy")


def test_kmeans_edge_cases() -> None:
    same = [[1.0, 0.0]] * 3
    assert eu.kmeans(same, 2, backend="python").labels == [0, 0, 0]
    assert eu.kmeans([[1.0, 0.0]], 1).labels == [0]
    with pytest.raises(ArgumentError, match="n_clusters"):
        eu.kmeans(BLOBS, 7)
    with pytest.raises(ArgumentError, match="n_clusters"):
        eu.kmeans(BLOBS, 0)
    with pytest.raises(ArgumentError, match="dimensions"):
        eu.kmeans([[1.0], [1.0, 2.0]], 1)
    with pytest.raises(ArgumentError, match="items"):
        eu.kmeans(BLOBS, 2).groups(["too", "few"])


def test_without_numpy_the_pure_path_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` now fails
    assert eu.top_k([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], 1)[0].index == 1
    assert sorted(sorted(g) for g in eu.kmeans(BLOBS, 3).groups()) == [[0, 2], [1, 4], [3, 5]]
    with pytest.raises(ImportError, match=r"mistral-async\[numpy\]"):
        eu.cosine_similarities([1.0], [[1.0]], backend="numpy")


def test_batches_by_count_and_by_tokens() -> None:
    texts = [f"text {i}" for i in range(10)]
    assert eu.batches(texts, max_batch_size=4) == [texts[0:4], texts[4:8], texts[8:10]]
    sizes = {"a": 3, "b": 3, "c": 3, "big": 50, "d": 1}
    plan = eu.batches(
        ["a", "b", "c", "big", "d"], max_batch_tokens=6, token_counter=lambda t: sizes[t]
    )
    assert plan == [["a", "b"], ["c"], ["big"], ["d"]]  # an oversized text goes alone
    assert eu.batches([]) == []
    assert eu.batches(["x" * 100_000]) == [["x" * 100_000]]
    with pytest.raises(ArgumentError, match="max_batch_size"):
        eu.batches(texts, max_batch_size=0)
    with pytest.raises(ArgumentError, match="max_batch_tokens"):
        eu.batches(texts, max_batch_tokens=-1)
    with pytest.raises(ArgumentError, match=r"texts\[1\]"):
        eu.batches(["ok", 3])  # type: ignore[list-item]


def test_default_batches_stay_well_under_the_api_limit() -> None:
    # The API refuses over 16,384 tokens per request; the estimate may be low by up to 2x.
    texts = ["word " * 400] * 100  # ~500 estimated tokens each
    for batch in eu.batches(texts):
        assert sum(eu.estimate_tokens(t) for t in batch) <= 16_384 // 2
        assert len(batch) <= eu.DEFAULT_BATCH_SIZE


# -- against the local server ------------------------------------------------------------------


@pytest.mark.anyio
async def test_embed_batched_keeps_the_order_across_concurrent_batches(
    client: AsyncMistral, server: LocalServer
) -> None:
    texts = [f"document number {i} about topic {i % 3}" for i in range(25)]
    reference = (await client.embeddings.create(model="mistral-embed", inputs=texts)).vectors
    server.reset()
    vectors = await eu.embed_batched(client, texts, max_batch_size=4, max_concurrency=2)
    assert vectors == reference
    requests = embedding_requests(server)
    assert sorted(len(r["input"]) for r in requests) == [1] + [4] * 6
    assert all(r["model"] == "mistral-embed" for r in requests)


@pytest.mark.anyio
async def test_embed_batched_passes_arguments_and_checks_them(
    client: AsyncMistral, server: LocalServer
) -> None:
    vectors = await eu.embed_batched(client, ["a b", "c d"], output_dimension=8)
    assert [len(v) for v in vectors] == [8, 8]
    assert embedding_requests(server)[0]["output_dimension"] == 8
    assert await eu.embed_batched(client, []) == []
    with pytest.raises(ArgumentError, match="not one string"):
        await eu.embed_batched(client, "a single string")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="max_concurrency"):
        await eu.embed_batched(client, ["a"], max_concurrency=0)


@pytest.mark.anyio
async def test_semantic_search_over_texts(client: AsyncMistral, server: LocalServer) -> None:
    hits = await eu.semantic_search(client, "falling stock markets", DOCS, top=2)
    assert [h.index for h in hits] == [2, 3]
    assert hits[0].text == DOCS[2]
    assert hits[0].score >= hits[1].score
    assert len(embedding_requests(server)) == 1  # query and documents in one request


@pytest.mark.anyio
async def test_semantic_search_over_precomputed_vectors(
    client: AsyncMistral, server: LocalServer
) -> None:
    vectors = await eu.embed_batched(client, DOCS)
    hits = await eu.semantic_search(client, "apple pie recipe", DOCS, vectors=vectors, top=1)
    assert hits == [SearchHit(4, hits[0].score, DOCS[4])]
    assert embedding_requests(server)[-1]["input"] == ["apple pie recipe"]
    with pytest.raises(ArgumentError, match="vectors"):
        await eu.semantic_search(client, "q", DOCS, vectors=vectors[:2])


@pytest.mark.anyio
async def test_cluster_texts(client: AsyncMistral) -> None:
    groups = await eu.cluster_texts(client, DOCS, 3, max_batch_size=2)
    assert sorted(groups) == sorted([DOCS[0:2], DOCS[2:4], DOCS[4:6]])
    with pytest.raises(ArgumentError, match="n_clusters"):
        await eu.cluster_texts(client, DOCS[:2], 3)


@pytest.mark.anyio
async def test_usage_of_batches_is_recorded(client: AsyncMistral) -> None:
    await eu.embed_batched(client, DOCS, max_batch_size=2)
    summary = client.usage_tracker.summary(model="mistral-embed")  # type: ignore[union-attr]
    assert summary.requests == 3
    assert summary.fully_priced


def test_the_blocking_client_has_the_utilities_too(server: LocalServer) -> None:
    with Mistral(api_key="test", base_url=server.url) as client:
        vectors = eu.embed_batched(client, DOCS, max_batch_size=4)
        assert len(vectors) == len(DOCS)
        hits = eu.semantic_search(client, "kittens", DOCS, top=1)
        assert hits[0].index == 1
        groups = eu.cluster_texts(client, DOCS, 3)
        assert sorted(groups) == sorted([DOCS[0:2], DOCS[2:4], DOCS[4:6]])
