"""``mistral-async``: --version, help, the connection options of every command, and ``chat``."""

from __future__ import annotations

import io
from typing import Any

import pytest

from mistral_async import __version__
from mistral_async.cli.main import main
from mistral_async.cli.serve import listen_address
from mistral_async.testing import LocalServer

COMMANDS = ["demo", "serve", "chat", "batch"]


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The options alone must do: no key or address from the environment."""
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    monkeypatch.delenv("MISTRAL_BASE_URL", raising=False)


def chat_requests(server: LocalServer) -> list[Any]:
    return [
        e.request_json() for e in server.exchanges.snapshot() if e.path == "/v1/chat/completions"
    ]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"mistral-async {__version__}\n"


def test_a_bare_command_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: mistral-async")
    assert all(command in captured.out for command in COMMANDS)
    assert captured.err == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_a_key_and_an_address(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--api-key KEY" in out
    assert "--base-url URL" in out


def test_chat_help_names_the_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["chat", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--model MODEL the model (default mistral-small-latest)" in out
    for option in ("--system TEXT", "--temperature", "--max-tokens N", "--stream"):
        assert option in out


def test_chat_sends_the_options(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--api-key", "sk-cli", "--base-url", server.url, "--model", "mistral-large-latest"]
    options = ["--system", "Answer briefly.", "--temperature", "0.2", "--max-tokens", "17"]
    assert main(["chat", *arguments, *options, "What is the capital of France?"]) == 0
    assert capsys.readouterr().out.strip()  # the answer
    (body,) = chat_requests(server)
    assert body["model"] == "mistral-large-latest"
    assert body["messages"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert (body["temperature"], body["max_tokens"]) == (0.2, 17)


def test_chat_without_options_sends_none_of_them(server: LocalServer) -> None:
    assert main(["chat", "--api-key", "k", "--base-url", server.url, "Hi"]) == 0
    (body,) = chat_requests(server)
    assert body["model"] == "mistral-small-latest"
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert not {"temperature", "max_tokens"} & set(body)


def test_chat_reads_the_prompt_from_stdin(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  Tell me a short story\n"))
    assert main(["chat", "--api-key", "k", "--base-url", server.url, "--stream"]) == 0
    assert capsys.readouterr().out.endswith("\n")
    (body,) = chat_requests(server)
    assert body["messages"] == [{"role": "user", "content": "Tell me a short story"}]
    assert body["stream"] is True


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stdin", "message"), [(Terminal(), "no prompt"), (io.StringIO(" \n"), "empty")]
)
def test_chat_without_a_prompt_is_a_usage_error(
    stdin: io.StringIO,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", stdin)  # a terminal is not waited on: that looks hung
    with pytest.raises(SystemExit) as exit_:
        main(["chat", "--api-key", "k", "--base-url", "http://127.0.0.1:9"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: mistral-async chat")
    assert message in err


def test_chat_without_a_key_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--base-url", "http://127.0.0.1:9", "Hi"]) == 1
    assert "MISTRAL_API_KEY" in capsys.readouterr().err


def test_the_demo_runs_against_a_given_server(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--base-url", server.url, "--api-key", "sk-demo"]) == 0
    out = capsys.readouterr().out
    assert f"Against {server.url}" in out
    assert out.rstrip().endswith("Demo finished.")
    assert chat_requests(server)


def test_serve_listens_on_the_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert listen_address("http://127.0.0.1:9123") == ("127.0.0.1", 9123)
    assert listen_address("http://localhost") == ("localhost", 80)
    for bad in ("https://127.0.0.1:8000", "127.0.0.1:8000", "http://127.0.0.1:99999"):
        with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
            listen_address(bad)
    assert main(["serve", "--base-url", "ftp://127.0.0.1:1"]) == 2
    assert "--base-url" in capsys.readouterr().err
