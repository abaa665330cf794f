"""The ``mistral-async`` command: ``demo``, ``serve``, ``chat`` and ``batch``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._core.errors import MistralError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mistral-async", description="Async-first client of the Mistral AI API."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "demo", help="run the SDK end to end against the built-in local server (no key needed)"
    )

    serve = commands.add_parser("serve", help="run the local Mistral-compatible server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--api-key", default=None, help="accept only this key (default: any)")
    from .serve import add_serve_arguments

    add_serve_arguments(serve)

    chat = commands.add_parser(
        "chat", help="send one prompt (uses MISTRAL_API_KEY and MISTRAL_BASE_URL)"
    )
    chat.add_argument("prompt")
    chat.add_argument("--model", default="mistral-small-latest")
    chat.add_argument("--stream", action="store_true", help="print the answer as it arrives")

    from .batch import add_batch_parser

    add_batch_parser(commands)
    return parser


def _chat(prompt: str, model: str, stream: bool) -> int:
    from .._sync.client import Mistral
    from ..types.chat import MessageParam

    with Mistral() as client:
        messages: list[MessageParam] = [{"role": "user", "content": prompt}]
        if stream:
            with client.chat.stream(model=model, messages=messages) as answer:
                for text in answer.text_deltas():
                    print(text, end="", flush=True)
            print()
        else:
            print(client.chat.complete(model=model, messages=messages).text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo()
        if args.command == "serve":
            from .serve import serve

            return serve(args)
        if args.command == "batch":
            from .batch import run_batch_command

            return run_batch_command(args)
        return _chat(args.prompt, args.model, args.stream)
    except MistralError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
