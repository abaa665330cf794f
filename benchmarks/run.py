"""Run every client on every scenario against one bench server; write ``benchmarks/RESULTS.md``.

``python benchmarks/run.py [--repeats 3] [--quick] [--clients NAME,...]`` (or ``nox -s bench``).

The server runs in its own process on core 1 and each (client, scenario) in a fresh process on
core 0, one after another, when the machine has two cores to give; every figure is the median of
``--repeats`` runs of 3 measured segments each, the order of the clients rotating from one repeat
to the next. CPU figures are the client process's own (all its threads), not the server's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clients import CLIENTS  # noqa: E402
from report import REFERENCE, write_report  # noqa: E402

IMPORT_REFERENCE = "import httpx, anyio, pydantic, httpx_sse"


@dataclass(frozen=True)
class Scenario:
    key: str
    kind: str
    """The worker's scenario: chat, stream, embed or construct."""
    concurrency: int
    requests: int
    sync_clients: bool = True
    """Whether the blocking clients run it (not at concurrencies that need hundreds of threads)."""


SCENARIOS = [
    Scenario("chat c=1", "chat", 1, 1500),
    Scenario("chat c=64", "chat", 64, 2500, sync_clients=False),
    Scenario("chat c=256", "chat", 256, 2500, sync_clients=False),
    Scenario("stream c=16", "stream", 16, 120),
    Scenario("embed c=1", "embed", 1, 40),
]
SECONDS = 4.0
"""The most any one measured loop may take; slow clients do fewer requests."""


class Pinning:
    """Server on core 1, clients on core 0, when this process may use both."""

    def __init__(self) -> None:
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.server, self.client = (cores[1], cores[0]) if len(cores) >= 2 else (None, None)

    def args(self, core: int | None) -> list[str]:
        return [] if core is None else ["--cpu", str(core)]

    def describe(self) -> str:
        if self.server is None:
            return "not pinned (fewer than 2 cores available)"
        return f"server pinned to core {self.server}, each client process to core {self.client}"


def start_server(pinning: Pinning) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--port", "0", *pinning.args(pinning.server)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"the bench server did not start: {line!r}")
    return server, f"http://127.0.0.1:{line.split()[1]}"


def run_worker(client: str, scenario: str, args: Sequence[str]) -> dict[str, Any] | None:
    command = [sys.executable, str(HERE / "worker.py"), client, scenario, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        print(f"  ! {client} / {scenario} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def time_imports(
    statements: dict[str, str], pinning: Pinning, repeats: int
) -> dict[str, float | None]:
    """The median CPU time of each statement in a fresh interpreter, in seconds.

    The statements take turns, round after round, so that a busy spell of the machine weighs on
    all of them alike; CPU time rather than wall time, for the same reason.
    """
    core = pinning.client

    def pin() -> None:
        if core is not None:
            os.sched_setaffinity(0, {core})

    times: dict[str, list[float]] = {name: [] for name in statements}
    for round_ in range(repeats + 1):  # the first round only writes the bytecode caches
        for name, statement in statements.items():
            code = (
                f"import time; t = time.process_time(); {statement}; print(time.process_time() - t)"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=pin
            )
            if done.returncode == 0 and round_:
                times[name].append(float(done.stdout))
    return {name: statistics.median(found) if found else None for name, found in times.items()}


def versions(names: Sequence[str]) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in sorted(set(names)):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    names = [name for name in CLIENTS if not args.clients or name in args.clients]
    pinning = Pinning()
    scale = 0.1 if args.quick else 1.0
    server, url = start_server(pinning)
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    failures = 0
    started = time.perf_counter()
    try:
        for repeat in range(args.repeats):
            order = names[repeat % len(names) :] + names[: repeat % len(names)]
            for scenario in SCENARIOS:
                print(f"repeat {repeat + 1}/{args.repeats}: {scenario.key}", flush=True)
                for name in order:
                    if CLIENTS[name].sync and not scenario.sync_clients:
                        continue
                    requests = max(scenario.concurrency, int(scenario.requests * scale))
                    worker_args = [
                        "--base-url", url,
                        "--concurrency", str(scenario.concurrency),
                        "--requests", str(requests),
                        "--seconds", str(SECONDS * scale),
                        *pinning.args(pinning.client),
                    ]  # fmt: skip
                    result = run_worker(name, scenario.kind, worker_args)
                    if result is None:
                        failures += 1
                    else:
                        runs.setdefault((name, scenario.key), []).append(result)
        print("construction and import", flush=True)
        construct = {}
        for name in names:
            worker_args = ["--base-url", url, "--requests", "30", *pinning.args(pinning.client)]
            result = run_worker(name, "construct", worker_args)
            if result is not None:
                construct[name] = result["seconds"]
        statements = {name: CLIENTS[name].imports for name in names}
        statements[REFERENCE] = IMPORT_REFERENCE
        imports = time_imports(statements, pinning, 3 if args.quick else 11)
    finally:
        server.kill()
        server.wait()
    packages = [package for name in names for package in CLIENTS[name].packages]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "pinning": pinning.describe(),
        "repeats": args.repeats,
        "seconds": round(time.perf_counter() - started),
        "versions": versions([*packages, "httpx", "httpcore", "pydantic", "anyio"]),
        "clients": names,
        "imports": {name: statements[name] for name in statements},
        "runs": {f"{name} | {key}": results for (name, key), results in runs.items()},
        "construct": construct,
        "failures": failures,
        "import_seconds": imports,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of the work: a smoke test")
    parser.add_argument("--clients", type=lambda text: text.split(","), default=None)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--raw", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    data = measure(args)
    args.raw.write_text(json.dumps(data, indent=1) + "\n")
    args.output.write_text(write_report(data))
    print(f"wrote {args.output} ({data['seconds']} s)")
    if data["failures"]:
        raise SystemExit(f"{data['failures']} measurements failed: see the errors above")


if __name__ == "__main__":
    main()
