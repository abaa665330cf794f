"""``mistral-async serve``: latency and faults from the command line, a busy port reported."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest

from mistral_async.cli.main import main
from mistral_async.cli.serve import parse_fault
from mistral_async.testing._server.app import MistralApp
from mistral_async.testing._server.serving import _closed_socket_filter, port_in_use


def test_fault_specs_read_as_faults_add_takes_them() -> None:
    assert parse_fault("status:status=429,times=3") == ("status", 3, {"status": 429})
    assert parse_fault("status:status=429,gateway=true") == (
        "status",
        1,
        {"status": 429, "gateway": True},
    )
    assert parse_fault("stall:seconds=0.5,path=/v1/chat/*,times=0") == (
        "stall",
        None,
        {"seconds": 0.5, "path": "/v1/chat/*"},
    )
    assert parse_fault("disconnect") == ("disconnect", 1, {})


def test_a_bad_fault_is_refused_before_serving(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--fault", "explode"]) == 2
    assert main(["serve", "--fault", "status:colour=red"]) == 2
    captured = capsys.readouterr()
    assert "--fault" in captured.err
    assert "Serving" not in captured.out


def test_a_busy_port_is_reported_and_nothing_served(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert port_in_use("127.0.0.1", port) is not None
        assert main(["serve", "--port", str(port)]) == 1
    captured = capsys.readouterr()
    assert f"cannot listen on 127.0.0.1:{port}" in captured.err
    assert "Serving" not in captured.out


@pytest.mark.anyio
async def test_latency_delays_every_reply() -> None:
    app = MistralApp(latency=0.2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as http:
        started = time.monotonic()
        reply = await http.get("/v1/models", headers={"Authorization": "Bearer k"})
    assert reply.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_closed_socket_warnings_are_dropped() -> None:
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.WARNING, __file__, 1, message, None, None)

    assert not _closed_socket_filter.filter(record("socket.send() raised exception."))
    assert _closed_socket_filter.filter(record("something else"))
