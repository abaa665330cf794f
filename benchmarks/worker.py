"""Measure one client on one scenario, in a process of its own; print the figures as JSON.

``python benchmarks/worker.py CLIENT SCENARIO --base-url URL [--concurrency C] [--requests N]``

Scenarios: ``chat``, ``stream`` and ``embed`` (requests, after a warm-up at the same
concurrency), ``construct`` (the client's construction, many times). CPU is the whole process's
(every thread), from ``time.process_time()``; the loop is bounded by ``--requests`` and
``--seconds``, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from clients import CLIENTS, Client, Ops


class Budget:
    """Requests left to send and the time they must be sent by; shared by all workers."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.left = requests
        self.deadline = time.perf_counter() + seconds
        self.done = 0
        self.chunks = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0 or time.perf_counter() > self.deadline:
                return False
            self.left -= 1
            return True

    def record(self, result: Any) -> None:
        with self._lock:
            self.done += 1
            if isinstance(result, int):
                self.chunks += result


async def run_async(op: Callable[[], Any], concurrency: int, budget: Budget) -> None:
    async def worker() -> None:
        while budget.take():
            budget.record(await op())

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def run_sync(op: Callable[[], Any], concurrency: int, budget: Budget) -> None:
    def worker() -> None:
        while budget.take():
            budget.record(op())

    if concurrency == 1:
        worker()
        return
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()


def _warm_count(args: argparse.Namespace) -> int:
    return max(args.concurrency, min(args.requests // 10, 100))


def _segments(args: argparse.Namespace) -> Iterator[Budget]:
    """The measured loop, cut in ``--segments`` parts measured apart (more samples per process).

    Each budget is made as its segment starts, since its time limit runs from then."""
    for _ in range(args.segments):
        yield Budget(
            max(args.concurrency, args.requests // args.segments), args.seconds / args.segments
        )


class Stopwatch:
    """CPU time of the whole process and wall time, between ``start()`` and ``stop()``."""

    def start(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def stop(self, budget: Budget) -> dict[str, Any]:
        cpu, wall = time.process_time() - self.cpu, time.perf_counter() - self.wall
        return {"cpu": cpu, "wall": wall, "requests": budget.done, "chunks": budget.chunks}


def _op(ops: Ops, scenario: str) -> Callable[[], Any]:
    return {"chat": ops.chat, "stream": ops.stream, "embed": ops.embed}[scenario]


async def main_async(client: Client, args: argparse.Namespace) -> dict[str, Any]:
    if args.scenario == "construct":
        return await construct(client, args)
    ops = client.make(args.base_url)
    op, watch = _op(ops, args.scenario), Stopwatch()
    try:
        await run_async(op, args.concurrency, Budget(_warm_count(args), args.seconds))
        segments = []
        for budget in _segments(args):
            watch.start()
            await run_async(op, args.concurrency, budget)
            segments.append(watch.stop(budget))
        return {"segments": segments}
    finally:
        await ops.close()


def main_sync(client: Client, args: argparse.Namespace) -> dict[str, Any]:
    if args.scenario == "construct":
        return asyncio.run(construct(client, args))
    ops = client.make(args.base_url)
    op, watch = _op(ops, args.scenario), Stopwatch()
    try:
        run_sync(op, args.concurrency, Budget(_warm_count(args), args.seconds))
        segments = []
        for budget in _segments(args):
            watch.start()
            run_sync(op, args.concurrency, budget)
            segments.append(watch.stop(budget))
        return {"segments": segments}
    finally:
        ops.close()


async def construct(client: Client, args: argparse.Namespace) -> dict[str, Any]:
    """The median time to construct the client (sync clients too: only the build is timed)."""
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        ops = client.make(args.base_url)
        times.append(time.perf_counter() - start)
        closing = ops.close()
        if inspect.isawaitable(closing):
            await closing
    return {"seconds": statistics.median(times), "count": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", choices=sorted(CLIENTS))
    parser.add_argument("scenario", choices=["chat", "stream", "embed", "construct"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    client = CLIENTS[args.client]
    result = main_sync(client, args) if client.sync else asyncio.run(main_async(client, args))
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))


if __name__ == "__main__":
    main()
