"""Turn the raw figures of one benchmark run into the markdown of ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

OURS, OURS_SYNC, OURS_AIOHTTP = "mistral_async", "mistral_async sync", "mistral_async[aiohttp]"
HTTPX, AIOHTTP = "httpx + httpx-sse", "aiohttp"
MISTRALAI, OPENAI = "mistralai async", "openai async"
REFERENCE = "httpx + anyio + pydantic + httpx-sse"
CHAT = ("chat c=1", "chat c=64", "chat c=256")
STREAM, EMBED = "stream c=16", "embed c=1"

Figures = dict[tuple[str, str], float]


def _median(runs: Sequence[dict[str, Any]], value: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(value(run) for run in runs)


def figures(data: dict[str, Any]) -> dict[str, Figures]:
    """Medians over the repeats: CPU per request and per chunk, chunks/s, peak RSS."""
    out: dict[str, Figures] = {"cpu": {}, "chunk": {}, "rate": {}, "rss": {}}
    for key, runs in data["runs"].items():
        name, scenario = key.split(" | ")
        out["rss"][name, scenario] = _median(runs, lambda r: r["maxrss_kb"] / 1024)
        parts = [part for run in runs for part in run["segments"] if part["requests"]]
        if not parts:
            continue
        out["cpu"][name, scenario] = _median(parts, lambda r: r["cpu"] / r["requests"])
        if scenario == STREAM:
            out["chunk"][name, scenario] = _median(parts, lambda r: r["cpu"] / r["chunks"])
            out["rate"][name, scenario] = _median(parts, lambda r: r["chunks"] / r["wall"])
    return out


def _num(value: float | None, scale: float = 1.0, digits: int = 0) -> str:
    return "—" if value is None else f"{value * scale:,.{digits}f}"


def _over(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.1g}x"


def _table(header: Sequence[str], names: Sequence[str], *columns: Callable[[str], str]) -> str:
    """One row per client: its name, then each column's text for it."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([name, *(c(name) for c in columns)]) + " |" for name in names]
    return "\n".join(lines) + "\n"


def write_report(data: dict[str, Any]) -> str:
    f = figures(data)
    cpu, chunk, rate, rss = f["cpu"], f["chunk"], f["rate"], f["rss"]
    names: list[str] = data["clients"]
    imports: dict[str, float | None] = data["import_seconds"]
    construct: dict[str, float] = data["construct"]

    def ratio(table: Figures, name: str, scenario: str, base: str) -> float | None:
        return _over(table.get((name, scenario)), table.get((base, scenario)))

    parts = [
        "# Benchmark results\n",
        f"{data['date']} · {data['machine']} · {data['pinning']} · each figure the median of "
        f"{data['repeats']} runs x 3 measured segments · whole run {data['seconds']} s · "
        "`nox -s bench` (or `python benchmarks/run.py`).\n",
        "Every client is built with its own defaults and asked for the same work by "
        "`benchmarks/clients.py`, against the fake server of `benchmarks/server.py` (pre-built "
        "replies, its own process and core). CPU is the client process's own, all threads, "
        "measured after a warm-up. `x mistral_async` is the client's figure over this SDK's "
        "(above 1: this SDK is cheaper).\n",
        "## Chat completion, non-streaming: client CPU per request (µs)\n",
        _table(
            ["client", *CHAT, "x mistral_async (c=1 / 64 / 256)"],
            names,
            *(lambda name, s=s: _num(cpu.get((name, s)), 1e6) for s in CHAT),
            lambda name: " / ".join(_ratio(ratio(cpu, name, s, OURS)) for s in CHAT),
        ),
        "The blocking clients run at concurrency 1 only (64 or 256 would take as many threads).\n",
        "## Streaming: 200-chunk streams, 16 at a time\n",
        _table(
            ["client", "CPU per chunk (µs)", "chunks/s", "x mistral_async (CPU)"],
            names,
            lambda name: _num(chunk.get((name, STREAM)), 1e6, 1),
            lambda name: _num(rate.get((name, STREAM))),
            lambda name: _ratio(ratio(chunk, name, STREAM, OURS)),
        ),
        "The blocking clients stream from 16 threads.\n",
        "## Embeddings: 64 inputs, 64 x 1024 floats per reply\n",
        _table(
            ["client", "CPU per request (ms)", "x mistral_async", "peak RSS (MB)"],
            names,
            lambda name: _num(cpu.get((name, EMBED)), 1e3, 2),
            lambda name: _ratio(ratio(cpu, name, EMBED, OURS)),
            lambda name: _num(rss.get((name, EMBED))),
        ),
        "## Start-up and memory\n",
        _table(
            ["client", "import statement", "import (ms CPU)", "construction (ms)", "peak RSS (MB)"],
            [name for name in [*names, REFERENCE] if name in data["imports"]],
            lambda name: f"`{data['imports'][name]}`",
            lambda name: _num(imports.get(name), 1e3, 1),
            lambda name: _num(construct.get(name), 1e3, 3),
            lambda name: _num(rss.get((name, STREAM))),
        ),
        "Import: CPU time in a fresh interpreter, median of 11, the statements taking turns. "
        "Construction: median of 30 in one process, closing each (not timed). Peak RSS: the "
        "process that ran the streaming scenario (import, construction, warm-up, 120 streams).\n",
    ]

    def at_most(bound: float) -> Callable[[float], bool]:
        return lambda value: value <= bound

    def at_least(bound: float) -> Callable[[float], bool]:
        return lambda value: value >= bound

    imports_ratio = _over(imports.get(OURS), imports.get(REFERENCE))
    targets: list[tuple[str, float | None, Callable[[float], bool]]] = [
        ("chat CPU, c=1: ≤ 1.15x raw httpx", ratio(cpu, OURS, CHAT[0], HTTPX), at_most(1.15)),
        *(
            (f"chat CPU, {s[5:]}: ≤ 1x raw httpx", ratio(cpu, OURS, s, HTTPX), at_most(1))
            for s in CHAT[1:]
        ),
        *(
            (
                f"chat CPU, {s[5:]}: mistralai async ≥ 5x ours",
                ratio(cpu, MISTRALAI, s, OURS),
                at_least(5),
            )
            for s in CHAT
        ),
        *(
            (
                f"chat CPU, {s[5:]}: openai async > ours",
                ratio(cpu, OPENAI, s, OURS),
                lambda r: r > 1,
            )
            for s in CHAT
        ),
        (
            "stream CPU/chunk: ≤ 1.5x httpx + httpx-sse + json",
            ratio(chunk, OURS, STREAM, HTTPX),
            at_most(1.5),
        ),
        *(
            (
                f"stream CPU/chunk: {o} several (≥ 2) times ours",
                ratio(chunk, o, STREAM, OURS),
                at_least(2),
            )
            for o in (OPENAI, MISTRALAI)
        ),
        (
            "sync shim stream CPU/chunk: ≤ 2x async",
            ratio(chunk, OURS_SYNC, STREAM, OURS),
            at_most(2),
        ),
        ("import: ≤ 1.2x httpx + anyio + pydantic + httpx-sse", imports_ratio, at_most(1.2)),
        (
            "construction: ≤ a bare httpx.AsyncClient",
            _over(construct.get(OURS), construct.get(HTTPX)),
            at_most(1),
        ),
        *(
            (
                f"aiohttp transport, chat {s[5:]}: ≤ 2x raw aiohttp",
                ratio(cpu, OURS_AIOHTTP, s, AIOHTTP),
                at_most(2),
            )
            for s in CHAT
        ),
        (
            "aiohttp transport, stream: ≤ 2x raw aiohttp",
            ratio(chunk, OURS_AIOHTTP, STREAM, AIOHTTP),
            at_most(2),
        ),
    ]
    outcome = {label: (value, test) for label, value, test in targets}

    def verdict(label: str) -> str:
        value, test = outcome[label]
        return "n/a" if value is None else ("**met**" if test(value) else "**not met**")

    parts += [
        "## Targets of issue #6 (ratios from this run)\n",
        _table(["target", "ratio", ""], list(outcome), lambda t: _ratio(outcome[t][0]), verdict),
        f"The sync shim's cost over the async core: {_ratio(ratio(cpu, OURS_SYNC, CHAT[0], OURS))} "
        f"the CPU per chat request at concurrency 1, "
        f"{_ratio(ratio(chunk, OURS_SYNC, STREAM, OURS))} per streamed chunk.\n",
        "## Versions\n",
        _table(["package", "version"], sorted(data["versions"]), data["versions"].__getitem__),
    ]
    return "\n".join(parts)
