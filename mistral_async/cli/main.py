"""The ``mistral-async`` command: ``demo``, ``serve``, ``chat`` and ``batch``.

Every command takes ``--api-key`` and ``--base-url``: for ``chat`` and ``batch`` they replace
``MISTRAL_API_KEY`` and ``MISTRAL_BASE_URL``; ``demo`` runs against ``--base-url`` instead of
its built-in server; ``serve`` accepts only ``--api-key`` and listens on ``--base-url``'s
address. A bare ``mistral-async`` prints the help.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .._core.errors import MistralError
from .._version import __version__

DEFAULT_MODEL = "mistral-small-latest"


def connection_options(*, serving: bool = False) -> argparse.ArgumentParser:
    """The ``--api-key`` and ``--base-url`` options, as a parent parser of a command."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("connection")
    if serving:
        group.add_argument("--api-key", default=None, metavar="KEY",
                           help="accept only this key (default: any)")  # fmt: skip
        group.add_argument("--base-url", default=None, metavar="URL",
                           help="listen on this URL's host and port, e.g. "
                           "http://127.0.0.1:8000 (instead of --host and --port)")  # fmt: skip
        return options
    group.add_argument("--api-key", default=None, metavar="KEY",
                       help="the API key (default: $MISTRAL_API_KEY)")  # fmt: skip
    group.add_argument("--base-url", default=None, metavar="URL",
                       help="the API's address (default: $MISTRAL_BASE_URL, else "
                       "https://api.mistral.ai)")  # fmt: skip
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mistral-async", description="Async-first client of the Mistral AI API."
    )
    parser.add_argument("--version", action="version", version=f"mistral-async {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    client = connection_options()

    commands.add_parser(
        "demo",
        parents=[client],
        help="run the SDK end to end against the built-in local server (no key needed)",
        description="Run the SDK end to end against the built-in local server, offline; "
        "with --base-url, against that server instead.",
    )

    serve = commands.add_parser(
        "serve", parents=[connection_options(serving=True)],
        help="run the local Mistral-compatible server",
    )  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    from .serve import add_serve_arguments

    add_serve_arguments(serve)

    chat = commands.add_parser(
        "chat",
        parents=[client],
        help="send one prompt and print the answer",
        description="Send one prompt and print the answer. Without PROMPT, the prompt is "
        "read from standard input (echo 'Hi' | mistral-async chat).",
    )
    chat.add_argument("prompt", nargs="?", help="the prompt (default: read from stdin)")
    chat.add_argument("--model", default=DEFAULT_MODEL,
                      help=f"the model (default {DEFAULT_MODEL})")  # fmt: skip
    chat.add_argument("--system", default=None, metavar="TEXT",
                      help="a system message sent before the prompt")  # fmt: skip
    chat.add_argument("--temperature", type=float, default=None,
                      help="sampling temperature (default: the model's)")  # fmt: skip
    chat.add_argument("--max-tokens", type=int, default=None, metavar="N",
                      help="most tokens in the answer")  # fmt: skip
    chat.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    chat.set_defaults(command_parser=chat)  # its usage line, for errors in the prompt

    from .batch import add_batch_parser

    add_batch_parser(commands, parents=[client])
    return parser


def _prompt(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.prompt is not None:
        return str(args.prompt)
    stdin = sys.stdin
    if stdin is None or stdin.isatty():  # nothing piped in: waiting would look like a hang
        parser.error("chat: no prompt; give one, or pipe it on standard input")
    text = stdin.read().strip()
    if not text:
        parser.error("chat: the prompt read from standard input is empty")
    return text


def _chat(args: argparse.Namespace, prompt: str) -> int:
    from .._sync.client import Mistral
    from ..types.chat import MessageParam

    messages: list[MessageParam] = [{"role": "user", "content": prompt}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    options: dict[str, Any] = {}
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.max_tokens is not None:
        options["max_tokens"] = args.max_tokens
    with Mistral(api_key=args.api_key, base_url=args.base_url) as client:
        if args.stream:
            with client.chat.stream(model=args.model, messages=messages, **options) as answer:
                for text in answer.text_deltas():
                    print(text, end="", flush=True)
            print()
        else:
            print(client.chat.complete(model=args.model, messages=messages, **options).text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(api_key=args.api_key, base_url=args.base_url)
        if args.command == "serve":
            from .serve import serve

            return serve(args)
        if args.command == "batch":
            from .batch import run_batch_command

            return run_batch_command(args)
        return _chat(args, _prompt(args, args.command_parser))
    except MistralError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
