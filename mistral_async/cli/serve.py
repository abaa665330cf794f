"""``mistral-async serve``: the local server in the foreground, with latency and faults from
the command line, so that a client in any language can be tried against it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import urlsplit

FAULT_HELP = (
    "queue a fault, repeatable: KIND[:key=value,...], e.g. 'status:status=429,times=3' or "
    "'status:status=429,gateway=true' or 'stall:seconds=2,path=/v1/chat/*' "
    "(times defaults to 1; times=0 means every matching request)"
)


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    serve.add_argument("--fault", action="append", default=[], metavar="SPEC", help=FAULT_HELP)


def parse_fault(spec: str) -> tuple[str, int | None, dict[str, Any]]:
    """``"status:status=429,times=2"`` -> ``("status", 2, {"status": 429})``.

    Values are read as JSON when they parse (numbers, ``true``), else kept as text (paths).
    """
    kind, _, rest = spec.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"fault parameter {item!r} is not key=value")
        try:
            params[key.strip()] = json.loads(raw)
        except ValueError:
            params[key.strip()] = raw
    times = params.pop("times", 1)
    if not isinstance(times, int):
        raise ValueError(f"times must be an integer, got {times!r}")
    return kind.strip(), (None if times == 0 else times), params


def listen_address(url: str) -> tuple[str, int]:
    """``http://127.0.0.1:9000`` -> ``("127.0.0.1", 9000)``: where ``--base-url`` serves."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"{url!r} is not an http://HOST:PORT address (the server speaks http)")
    try:
        port = parts.port
    except ValueError as exc:  # a port out of range or not a number
        raise ValueError(f"{url!r}: {exc}") from None
    return parts.hostname, port if port is not None else 80


def serve(args: argparse.Namespace) -> int:
    from ..testing import run_server
    from ..testing._server.faults import Faults
    from ..testing._server.serving import port_in_use

    try:
        faults = [parse_fault(spec) for spec in args.fault]
        check = Faults()  # refuse a bad --fault before anything is served
        for kind, times, params in faults:
            check.add(kind, times=times, **params)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        print(f"error: --fault: {exc}", file=sys.stderr)
        return 2
    if args.base_url:
        try:
            args.host, args.port = listen_address(args.base_url)
        except ValueError as exc:
            print(f"error: --base-url: {exc}", file=sys.stderr)
            return 2
    busy = port_in_use(args.host, args.port)
    if busy is not None:
        print(f"error: cannot listen on {args.host}:{args.port}: {busy.strerror}", file=sys.stderr)
        return 1
    print(
        f"Serving a local Mistral-compatible API on http://{args.host}:{args.port} (Ctrl-C stops)"
    )
    run_server(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        latency=args.latency,
        faults=faults,
    )
    return 0
