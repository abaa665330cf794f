"""The batch runner beside a plain ``asyncio.gather``: items per second and client CPU per item.

``python benchmarks/bench_runner.py [--items N] [--repeat R] [--concurrency 16 64 256]``

Both send the same chat completions on the same kind of client to the benchmark's fake server
(``benchmarks/server.py``, in its own process, pinned to the second core when there is one;
this process to the first), so that what is measured is the client side:

- ``gather``: ``AsyncMistral(max_concurrency=C)`` and ``asyncio.gather`` over N
  ``chat.complete`` coroutines, created up front, as one would write it by hand;
- ``runner``: ``BatchRunner(client, concurrency=C)`` over a lazy generator of N items
  (``{"custom_id", "body"}`` lines), results read as they complete.

CPU is this process's ``time.process_time()``; each figure is the median of ``--repeat`` runs,
the two ways alternating. 127.0.0.1 only; every loop is bounded by ``--items``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
MODEL = "mistral-small-latest"
MESSAGES = [{"role": "user", "content": "Who is the best French painter? One sentence."}]


def start_server() -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, str(HERE / "server.py"), "--port", "0"]
    if (os.cpu_count() or 1) > 1:
        command += ["--cpu", "1"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline().split()
    if line[:1] != ["PORT"]:
        server.kill()
        raise RuntimeError(f"the bench server did not start: {line}")
    return server, f"http://127.0.0.1:{line[1]}"


async def with_gather(base_url: str, items: int, concurrency: int) -> None:
    from mistral_async import AsyncMistral

    async with AsyncMistral(
        api_key="bench", base_url=base_url, max_concurrency=concurrency
    ) as client:
        replies = await asyncio.gather(
            *(client.chat.complete(model=MODEL, messages=MESSAGES) for _ in range(items))
        )
    assert len(replies) == items


async def with_runner(base_url: str, items: int, concurrency: int) -> None:
    from mistral_async import AsyncMistral, BatchRunner

    def lines() -> Iterator[dict[str, Any]]:
        for n in range(items):
            yield {"custom_id": str(n), "body": {"messages": MESSAGES}}

    async with AsyncMistral(api_key="bench", base_url=base_url) as client:
        runner = BatchRunner(client, model=MODEL, concurrency=concurrency)
        done = 0
        async with runner.run(lines()) as results:
            async for result in results:
                assert result.ok, result.error
                done += 1
    assert done == items


def measure(
    way: Callable[[str, int, int], Awaitable[None]], base_url: str, items: int, concurrency: int
) -> tuple[float, float]:
    """(items per second, client CPU microseconds per item) of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(way(base_url, items, concurrency))  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return items / wall, cpu / items * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    server, base_url = start_server()
    ways = {"gather": with_gather, "runner": with_runner}
    figures: dict[str, dict[str, Any]] = {}
    try:
        measure(with_runner, base_url, min(args.items, 500), 16)  # warm up: imports, pool
        for concurrency in args.concurrency:
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            for _ in range(args.repeat):
                for name, way in ways.items():
                    runs[name].append(measure(way, base_url, args.items, concurrency))
            for name, values in runs.items():
                figures[f"{name}@{concurrency}"] = {
                    "way": name,
                    "concurrency": concurrency,
                    "items_per_second": round(statistics.median(v[0] for v in values), 1),
                    "cpu_us_per_item": round(statistics.median(v[1] for v in values), 1),
                }
    finally:
        server.kill()
        server.wait()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.items} chat completions per run, median of {args.repeat}")
    print(f"{'way':<8} {'concurrency':>11} {'items/s':>9} {'CPU us/item':>12}")
    for row in figures.values():
        print(
            f"{row['way']:<8} {row['concurrency']:>11} {row['items_per_second']:>9.1f} "
            f"{row['cpu_us_per_item']:>12.1f}"
        )


if __name__ == "__main__":
    main()
