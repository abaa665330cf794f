"""Embedding helpers' speed: ``python benchmarks/embeddings.py``.

kmeans on 2000 x 1024 vectors, k=8 (the sizes of issue #15), by backend and input kind, and
``EmbeddingResponse.to_numpy()`` on a reply of base64 vectors against JSON numbers. Each
figure is the best of ``--repeat`` runs. A benchmark reports; nothing here asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from mistral_async import embeddings_utils as eu  # noqa: E402
from mistral_async.types._embedding_codec import encode_base64  # noqa: E402
from mistral_async.types.embeddings import EmbeddingResponse  # noqa: E402


def best(repeat: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def blobs(count: int, dimension: int, k: int) -> Any:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(k, dimension))
    return centres[rng.integers(0, k, count)] + 0.8 * rng.normal(size=(count, dimension))


def reply(vectors: Any, base64: bool) -> EmbeddingResponse:
    data = [
        {"object": "embedding", "index": i, "embedding": encode_base64(v) if base64 else v}
        for i, v in enumerate(vectors.astype(np.float32).tolist())
    ]
    return EmbeddingResponse.model_validate({"model": "mistral-embed", "data": data})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--dimension", type=int, default=1024)
    parser.add_argument("--clusters", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python-count", type=int, default=200,
                        help="vectors for the (slow) pure-Python backend")  # fmt: skip
    args = parser.parse_args()
    array = blobs(args.count, args.dimension, args.clusters)
    lists = array.tolist()
    k, n = args.clusters, args.repeat
    print(f"kmeans, {args.count} x {args.dimension}, k={k} (best of {n}):")
    eu.kmeans(array[:50], 2, backend="numpy")  # warm-up
    for name, data in (("ndarray", array), ("lists", lists)):
        seconds = best(n, lambda data=data: eu.kmeans(data, k, backend="numpy"))
        print(f"  numpy backend, from {name}: {seconds:.3f} s")
    few = lists[: args.python_count]
    seconds = best(1, lambda: eu.kmeans(few, k, backend="python"))
    print(f"  python backend, {len(few)} x {args.dimension} from lists: {seconds:.3f} s")
    print(f"to_numpy(), {args.count} x {args.dimension} float32 (best of {n}):")
    for name, is_base64 in (("base64", True), ("JSON numbers", False)):
        response = reply(array, is_base64)
        seconds = best(n, response.to_numpy)
        print(f"  {name}: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
