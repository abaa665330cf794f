"""The programs in ``examples/`` run, against the local server, and do what they say.

Each example is run as a user runs it (a subprocess with ``MISTRAL_BASE_URL`` and
``MISTRAL_API_KEY`` set, bounded by a timeout) and its output checked; the async ones written
on anyio also run in-process on asyncio and trio. Behaviour that the output cannot show is
checked on the server's side: the web backend's upstream stream is cut when its own client
leaves, and a killed batch job, resumed, sends each request once and writes each result once.
Every exchange they make is checked against the OpenAPI file by the ``server`` fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest

from mistral_async.testing import LocalServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIMEOUT = 60.0
"""Seconds any one example may take; they take one to a few on an idle machine."""


def example_env(server: LocalServer) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MISTRAL_BASE_URL=server.url,
        MISTRAL_API_KEY="sk-example",
        # This checkout's package, whatever is installed.
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    return env


def run_example(
    name: str, server: LocalServer, *args: str, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run ``examples/<name>.py`` to its end; it must succeed."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        env=example_env(server),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed ({done.returncode}):\n{done.stderr}"
    return done


@pytest.fixture
def load_example(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], ModuleType]:
    """Import an example module (its environment pointed at the server), to call its parts."""
    monkeypatch.setenv("MISTRAL_BASE_URL", server.url)
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-example")

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # In sys.modules while it runs: pydantic resolves the models' annotations there.
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        return module

    return load


def test_every_example_is_tested_and_listed() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    source = Path(__file__).read_text()
    for path in sorted(EXAMPLES.glob("*.py")):
        assert f"`{path.name}`" in readme, f"{path.name} is not in examples/README.md"
        assert f'"{path.stem}"' in source, f"{path.name} is not run by {Path(__file__).name}"


# -- the sync script ---------------------------------------------------------------------


def test_sync_script(server: LocalServer) -> None:
    out = run_example("sync_script", server).stdout.splitlines()
    assert (
        out[0]
        == 'answer: You said "Name a French painter, in one line.". ' + out[0].split('". ', 1)[1]
    )
    assert out[1].startswith("tokens: ")
    assert int(out[1].split()[1]) > 0
    # The streamed pieces, printed as they came, add up to the whole answer.
    assert out[2].startswith('stream: You said "Describe the sea in two sentences.". Here is')
    assert out[3] == "finish reason: stop"
    assert out[4] == (
        "error handled: BadRequestError status=400 type=invalid_model "
        "message='Invalid model: no-such-model'"
    )
    paths = [exchange.path for exchange in server.exchanges]
    assert paths == ["/v1/chat/completions"] * 3


# -- structured output -------------------------------------------------------------------


def _check_structured(out: str) -> None:
    lines = out.splitlines()
    assert lines[0].startswith("parsed: Landmark(name=")
    assert " built " in lines[1]
    json.loads(lines[2])  # the streamed JSON text, whole
    assert lines[3].startswith("itinerary: ")
    assert " landmarks" in lines[3]


def test_structured_output_script(server: LocalServer) -> None:
    _check_structured(run_example("structured_output", server).stdout)
    sent = [exchange.request_json() for exchange in server.exchanges]
    # Strict JSON schemas of the two models were sent, the second one streamed.
    assert [body["response_format"]["type"] for body in sent] == ["json_schema"] * 2
    assert [body["response_format"]["json_schema"]["name"] for body in sent] == [
        "Landmark",
        "Itinerary",
    ]
    assert [body.get("stream", False) for body in sent] == [False, True]


@pytest.mark.anyio
async def test_structured_output_in_process(
    load_example: Callable[[str], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(TIMEOUT):
        await load_example("structured_output").main()
    _check_structured(capsys.readouterr().out)


# -- tool runs ---------------------------------------------------------------------------


def _check_tool_run(out: str) -> None:
    lines = out.splitlines()
    steps = [line for line in lines if line.startswith("step 0: ")]
    # The model's calls ran as Python functions and their results went back to it.
    assert steps
    assert all("Paris" in line for line in steps)
    assert any('"sky": "sunny"' in line or "Open-air concert in Paris" in line for line in steps)
    answer = next(line for line in lines if line.startswith("answer: "))
    assert "Based on the tool results" in answer
    assert "stop reason: final_answer, 2 model calls" in out


def test_tool_run_script(server: LocalServer) -> None:
    _check_tool_run(run_example("tool_run", server).stdout)
    first, second = (exchange.request_json() for exchange in server.exchanges)
    assert {tool["function"]["name"] for tool in first["tools"]} == {"get_weather", "find_events"}
    assert second["messages"][-1]["role"] == "tool"


@pytest.mark.anyio
async def test_tool_run_in_process(
    load_example: Callable[[str], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(TIMEOUT):
        await load_example("tool_run").main()
    _check_tool_run(capsys.readouterr().out)


def _check_agent_conversation(out: str) -> None:
    lines = out.splitlines()
    steps = [line for line in lines if line.startswith("step 0: convert_currency(")]
    assert len(steps) == 2  # one function call in each of the two runs, run in Python
    assert '"currency": "EUR"' in steps[0] or '"rate": ' in steps[0]
    assert lines[1].startswith("answer: Based on the tool results: convert_currency returned")
    assert lines[2].startswith("conversation conv_")
    assert lines[2].endswith(": final_answer, 2 model calls")
    assert lines[4].startswith("follow-up: Based on the tool results")
    assert lines[5] == "history: 8 entries"  # 2 inputs, 2 calls, 2 results, 2 answers


def test_agent_conversation_script(server: LocalServer) -> None:
    _check_agent_conversation(run_example("agent_conversation", server).stdout)
    exchanges = list(server.exchanges)
    start = exchanges[0].request_json()
    assert exchanges[0].path == "/v1/conversations"
    assert [tool["function"]["name"] for tool in start["tools"]] == ["convert_currency"]
    conversation_id = exchanges[0].json()["conversation_id"]
    # Every later turn names the conversation and sends only its new entries.
    assert all(e.path.startswith(f"/v1/conversations/{conversation_id}") for e in exchanges[1:])


@pytest.mark.anyio
async def test_agent_conversation_in_process(
    load_example: Callable[[str], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(TIMEOUT):
        await load_example("agent_conversation").main()
    _check_agent_conversation(capsys.readouterr().out)


# -- the trio program --------------------------------------------------------------------


def test_trio_program_cancels_the_long_answer_only(server: LocalServer) -> None:
    # Every stream pauses for 30 s after two events, as a long generation would; answers in
    # JSON pass unchanged. The program must give up on the stream after its 2 s timeout.
    server.faults.add("stall", path="/v1/chat/completions", after_events=2, seconds=30, times=None)
    started = time.monotonic()
    out = run_example("trio_program", server).stdout.splitlines()
    elapsed = time.monotonic() - started
    answered = sorted(line.split(" -> ")[0] for line in out if line.startswith("answered: "))
    assert answered == sorted(
        f"answered: {question}"
        for question in (
            "What is the capital of Italy?",
            "Name a river in Germany.",
            "What colour is a ripe lemon?",
        )
    )
    assert any(line.startswith("cancelled: long answer stopped after 2.0 s") for line in out)
    assert out[-1] == "all tasks done"
    assert 2.0 <= elapsed < 25  # cancelled at its timeout, not at the end of the stall
    server.exchanges.wait_idle()
    (stream,) = [e for e in server.exchanges if e.request_json().get("stream")]
    assert not stream.complete  # the cancelled stream's response was closed early


# -- the batch job -----------------------------------------------------------------------


def _complete_records(path: Path) -> list[dict[str, Any]]:
    """The whole lines of a result file (a kill may leave a partial last one)."""
    raw = path.read_bytes()
    return [json.loads(line) for line in raw.split(b"\n")[:-1] if line.strip()]


def _requested_ids(exchanges: Any, prompt_ids: dict[str, str]) -> Counter[str]:
    return Counter(
        prompt_ids[exchange.request_json()["messages"][-1]["content"]]
        for exchange in exchanges
        if exchange.path == "/v1/chat/completions"
    )


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_batch_job_killed_and_resumed(
    server: LocalServer, tmp_path: Path, stop: signal.Signals
) -> None:
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    total = 120
    # Each request takes 50 ms, so that the run is still going when it is stopped.
    server.faults.add("stall", path="/v1/chat/completions", seconds=0.05, times=None)
    command = [sys.executable, str(EXAMPLES / "batch_job.py"), str(requests), str(results)]
    options = ["--sample", str(total), "--concurrency", "4"]
    process = subprocess.Popen(
        [*command, *options],
        env=example_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not results.exists() or results.read_bytes().count(b"\n") < 20:
            assert process.poll() is None, "the batch job ended before it could be stopped"
            assert time.monotonic() < deadline, "the batch job wrote nothing"
            time.sleep(0.02)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if stop == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted: run the same command again to finish" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    server.exchanges.wait_idle()

    lines = [json.loads(line) for line in requests.read_text().splitlines()]
    prompt_ids = {line["body"]["messages"][-1]["content"]: line["custom_id"] for line in lines}
    every_id = {line["custom_id"] for line in lines}
    first_ids = {record["custom_id"] for record in _complete_records(results)}
    assert 20 <= len(first_ids) < total  # stopped part way
    before_resume = len(server.exchanges)

    server.faults.clear()
    resumed = run_example("batch_job", server, str(requests), str(results), *options)
    assert resumed.stdout.splitlines()[-1].startswith(
        f"{total} requests: {len(first_ids)} done by an earlier run, "
        f"{total - len(first_ids)} succeeded, 0 failed, 0 missing"
    )
    assert f"done {total}/{total} 100%" in resumed.stderr  # the progress lines
    # The resumed run sent exactly the requests whose results were not written, once each.
    sent = _requested_ids(server.exchanges[before_resume:], prompt_ids)
    assert set(sent) == every_id - first_ids
    assert set(sent.values()) == {1}
    # Every request has exactly one result, and a successful one.
    records = _complete_records(results)
    assert results.read_bytes().endswith(b"\n")
    assert Counter(record["custom_id"] for record in records) == Counter(every_id)
    assert all(record["response"]["status_code"] == 200 for record in records)


# -- the web backend ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on this event loop (lifespan on), on 127.0.0.1."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, http="h11", lifespan="on", log_config=None, timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        with anyio.fail_after(10):
            while not server.started:
                assert not task.done(), "the backend did not start"
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        with anyio.fail_after(10):
            await task
        sock.close()


async def _events(response: httpx.Response, limit: int | None = None) -> list[tuple[str, Any]]:
    """The SSE events of a response as (event name, data), up to ``limit`` of them."""
    events: list[tuple[str, Any]] = []
    name = "message"
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: ") :])))
            name = "message"
            if len(events) == limit:
                break
    return events


def _answer(events: list[tuple[str, Any]]) -> str:
    return "".join(data["delta"] for name, data in events if name == "message")


# The web backend is an asyncio program (uvicorn): it runs on asyncio only.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_web_backend_disconnect_cancels_the_upstream_stream(
    server: LocalServer,
    load_example: Callable[[str], ModuleType],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="web_backend")
    # One slot only: if the abandoned stream kept it, the next request would wait for it.
    app = load_example("web_backend").create_app(max_concurrency=1)
    # The upstream answer pauses after three events, long past this test's bounds.
    server.faults.add("stall", path="/v1/chat/completions", after_events=3, seconds=60)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        with anyio.fail_after(10):
            question = {"q": "Tell me a long story about the sea and the wind"}
            async with http.stream("GET", "/chat", params=question) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                first = await _events(response, limit=2)
            # Leaving the block without reading the rest closed the connection: gone.
        assert [name for name, _ in first] == ["message", "message"]
        assert _answer(first).startswith("You said")

        client = app.state.client
        with anyio.fail_after(5):
            # Polled: the state is in another thread (the server's) and in the SDK's limiter.
            while client._limiter.in_flight or not server.exchanges:  # noqa: ASYNC110
                await anyio.sleep(0.01)
        assert client.max_concurrency == 1
        assert "client disconnected: upstream stream closed" in caplog.text
        (upstream,) = server.exchanges
        assert upstream.fault == "stall"
        assert not upstream.complete

        # The shared client's only slot is free: the next request is served at once.
        with anyio.fail_after(5):
            async with http.stream("GET", "/chat", params={"q": "Hello again"}) as response:
                events = await _events(response)
        assert _answer(events).startswith('You said "Hello again". Here is')
        assert events[-1][0] == "done"
        assert events[-1][1]["total_tokens"] > 0

        missing = await http.get("/chat")
        assert missing.status_code == 400


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # uvicorn's graceful stop
            try:
                process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def test_web_backend_script(server: LocalServer) -> None:
    port = _free_port()
    command = [sys.executable, str(EXAMPLES / "web_backend.py"), "--port", str(port)]
    with _running(command, example_env(server)) as process, httpx.Client(timeout=10) as http:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                response = http.get(f"http://127.0.0.1:{port}/chat", params={"q": "Bonjour"})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the web backend did not start"
                time.sleep(0.1)
    assert process.returncode == 0, process.stdout
    data = [line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data")]
    deltas = [json.loads(item) for item in data[:-1]]
    assert "".join(delta["delta"] for delta in deltas).startswith('You said "Bonjour".')
    assert "event: done" in response.text
