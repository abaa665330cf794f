"""What logging, hooks and tracing cost: off (the default) and on, beside a build without them.

``python benchmarks/bench_observability.py [--requests N] [--streams M] [--repeat R]
[--baseline PATH]``

Every configuration runs in a fresh worker process (so that whether ``opentelemetry`` has been
imported is that configuration's own), pinned to the first core, against the benchmark's fake
server (``benchmarks/server.py``, pinned to the second); the figure is the worker's CPU
(``time.process_time()``) per chat completion at concurrency 1 and per streamed chunk (200-chunk
streams), the median of ``--repeat`` runs, configurations taking turns. The configurations:

- ``off``: the default: logging at WARNING, no hook, OpenTelemetry never imported;
- ``otel, no provider``: ``opentelemetry.trace`` imported, no tracer provider set;
- ``log info``: the SDK's logger at INFO (retries and failures only: none here);
- ``log debug``: at DEBUG, one line per attempt, into a ``NullHandler``;
- ``no-op hook``: ``Hooks(before_attempt=..., after_attempt=...)`` doing nothing;
- ``tracing``: an SDK tracer provider whose one span processor drops every span;
- ``baseline``: ``off`` with the package found at ``--baseline`` (a checkout without these
  seams, e.g. the branch they were merged into), when given.

It reports; it asserts nothing. 127.0.0.1 only; every loop is bounded by its count.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_runner import MESSAGES, MODEL, start_server  # noqa: E402

CONFIGS = ("off", "otel, no provider", "log info", "log debug", "no-op hook", "tracing")


def configure(config: str) -> dict[str, Any]:
    """Set the process up as ``config`` says; return the client options it adds."""
    import logging

    logger = logging.getLogger("mistral_async")
    logger.setLevel(logging.WARNING)
    if config == "otel, no provider":
        import opentelemetry.trace  # noqa: F401
    elif config in ("log info", "log debug"):
        logger.setLevel(logging.INFO if config == "log info" else logging.DEBUG)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    elif config == "no-op hook":
        from mistral_async import Hooks

        def nothing(attempt: Any) -> None:
            pass

        return {"hooks": Hooks(before_attempt=nothing, after_attempt=nothing)}
    elif config == "tracing":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

        provider = TracerProvider()
        provider.add_span_processor(SpanProcessor())  # the base class: every span dropped
        trace.set_tracer_provider(provider)
    return {}


async def work(base_url: str, requests: int, streams: int, options: dict[str, Any]) -> int:
    """Send ``requests`` completions, then read ``streams`` streams; return the chunks read."""
    from mistral_async import AsyncMistral

    async with AsyncMistral(api_key="bench", base_url=base_url, **options) as client:
        for _ in range(requests):
            await client.chat.complete(model=MODEL, messages=MESSAGES)
        chunks = 0
        for _ in range(streams):
            async with client.chat.stream(model=MODEL, messages=MESSAGES) as stream:
                async for _chunk in stream:
                    chunks += 1
    return chunks


def worker(args: argparse.Namespace) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})
    options = configure(args.worker)
    asyncio.run(work(args.url, 100, 2, options))  # warm up: imports, pool, models
    figures = {}
    for name, requests, streams in (("chat", args.requests, 0), ("stream", 0, args.streams)):
        cpu = time.process_time()
        chunks = asyncio.run(work(args.url, requests, streams, options))
        cpu = time.process_time() - cpu
        figures[name] = cpu / (requests or chunks) * 1e6
    print(json.dumps(figures))


def run_worker(config: str, url: str, args: argparse.Namespace, path: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", config, "--url", url]
    command += ["--requests", str(args.requests), "--streams", str(args.streams)]
    env = {**os.environ, "PYTHONPATH": str(path)}
    env.pop("MISTRAL_ASYNC_LOG", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{config}: {done.stderr.strip()[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--streams", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout of the package to compare")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    runs = [(config, ROOT) for config in CONFIGS]
    if args.baseline is not None:
        runs.insert(0, ("baseline", args.baseline.resolve()))
    server, url = start_server()
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in runs}
    try:
        for _ in range(args.repeat):
            for name, path in runs:
                config = "off" if name == "baseline" else name
                results[name].append(run_worker(config, url, args, path))
    finally:
        server.kill()
        server.wait()
    table = {
        name: {kind: statistics.median(r[kind] for r in rows) for kind in ("chat", "stream")}
        for name, rows in results.items()
    }
    if args.json:
        print(json.dumps(table, indent=2))
        return
    off = table["off"]
    print(
        f"client CPU, median of {args.repeat}: {args.requests} chat completions (c=1), "
        f"{args.streams} streams of 200 chunks"
    )
    header = ("configuration", "chat us/req", "x off", "stream us/chunk", "x off")
    print("{:<20} {:>12} {:>6} {:>16} {:>6}".format(*header))
    for name, row in table.items():
        print(
            f"{name:<20} {row['chat']:>12.1f} {row['chat'] / off['chat']:>6.2f} "
            f"{row['stream']:>16.2f} {row['stream'] / off['stream']:>6.2f}"
        )


if __name__ == "__main__":
    main()
