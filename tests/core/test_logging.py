"""The SDK's log: ``MISTRAL_ASYNC_LOG`` / ``set_log_level``, one DEBUG line per attempt, INFO
for retries and failures, and never a header or the key, over real sockets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

import mistral_async
from mistral_async import (
    APIConnectionError,
    ArgumentError,
    AsyncMistral,
    AuthenticationError,
    Mistral,
    ResponseCache,
    RetryPolicy,
    set_log_level,
)
from mistral_async._core import logs
from mistral_async._core.hooks import AttemptWatch

MODEL = "mistral-small-latest"
USER = {"role": "user", "content": "Tell me about rivers"}
CHAT = "/v1/chat/completions"
KEY = "sk-DISTINCTIVE-7f3a9c0451"
FAST = RetryPolicy(initial_delay=0.01)
LOGGER = "mistral_async"

ATTEMPT = re.compile(
    r"^(?P<method>[A-Z]+) (?P<path>/\S*) -> (?P<outcome>\S+) in (?P<ms>[\d.]+) ms "
    r"\(request id (?P<id>\S+), attempt (?P<attempt>\d+)(?P<cache>, from cache)?\)$"
)


@pytest.fixture(autouse=True)
def _restore_logger() -> Iterator[None]:
    """Each test leaves the logger (and the environment switch) as it found them."""
    logger = logging.getLogger(LOGGER)
    level, handlers = logger.level, list(logger.handlers)
    applied = logs._applied_env
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers
    logs._applied_env = applied


def assert_no_secret(records: list[logging.LogRecord]) -> None:
    """The key (and so the Authorization header) in no record, whatever part of it."""
    for record in records:
        formatter = logging.Formatter()
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
        assert KEY not in formatter.format(record)  # the traceback too, if any
        assert "authorization" not in record.getMessage().lower()


def attempts(records: list[logging.LogRecord]) -> list[re.Match[str]]:
    found = []
    for record in records:
        match = ATTEMPT.match(record.getMessage())
        if match is not None:
            assert record.levelno == logging.DEBUG
            found.append(match)
    return found


@pytest.mark.anyio
async def test_debug_has_one_line_per_attempt_and_no_secret(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    options: Any = {"api_key": KEY, "base_url": server.url, "retry": FAST}
    async with AsyncMistral(**options, cache=ResponseCache()) as client:
        server.faults.add("status", status=503, times=1, path=CHAT)
        completion = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
        again = await client.chat.complete(model=MODEL, messages=[USER], temperature=0)
        assert again.response_info.from_cache
        server.faults.add("status", status=401, times=1, path=CHAT)
        with pytest.raises(AuthenticationError):
            await client.chat.complete(model=MODEL, messages=[USER])
        server.faults.add("disconnect", times=1, path=CHAT)
        with pytest.raises(APIConnectionError):
            await client.chat.complete(model=MODEL, messages=[USER], max_retries=0)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            await stream.get_final_completion()
    records = caplog.records
    assert_no_secret(records)
    lines = attempts(records)
    got = [(m["method"], m["path"], m["outcome"], m["attempt"], bool(m["cache"])) for m in lines]
    assert got == [
        ("POST", CHAT, "503", "1", False),
        ("POST", CHAT, "200", "2", False),
        ("POST", CHAT, "200", "0", True),
        ("POST", CHAT, "401", "1", False),
        ("POST", CHAT, "RemoteProtocolError", "1", False),
        ("POST", CHAT, "200", "1", False),
    ]
    # The request id is the reply's; the elapsed time a number of milliseconds.
    assert lines[1]["id"] == completion.response_info.request_id
    assert lines[4]["id"] == "-"
    assert all(float(m["ms"]) >= 0 for m in lines)
    info = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(info) == 3
    assert info[0].startswith(f"Retrying POST {CHAT} in ")
    assert "after 503 (retry 1 of 2)" in info[0]
    assert info[1] == f"POST {CHAT} failed: AuthenticationError (401) after 0 retries"
    assert info[2] == f"POST {CHAT} failed: APIConnectionError after 0 retries"


@pytest.mark.anyio
async def test_info_has_retries_and_failures_only(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    async with AsyncMistral(api_key=KEY, base_url=server.url, retry=FAST) as client:
        await client.chat.complete(model=MODEL, messages=[USER])
        server.faults.add("status", status=429, times=1, path=CHAT)
        await client.chat.complete(model=MODEL, messages=[USER])
        # A stream cut before its first event is retried: logged as a retry too.
        server.faults.add("cut_stream", after_events=0, path=CHAT)
        async with client.chat.stream(model=MODEL, messages=[USER]) as stream:
            await stream.get_final_completion()
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert_no_secret(caplog.records)
    assert not attempts(caplog.records)
    assert len(messages) == 2
    assert "after 429 (retry 1 of 2)" in messages[0]
    assert "after RemoteProtocolError (retry 1 of 2)" in messages[1]


def test_the_blocking_client_logs_the_same(server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with Mistral(api_key=KEY, base_url=server.url) as client:
        client.chat.complete(model=MODEL, messages=[USER])
    assert_no_secret(caplog.records)
    assert [m["outcome"] for m in attempts(caplog.records)] == ["200"]


def test_set_log_level_sets_the_level_and_one_handler() -> None:
    logger = logging.getLogger(LOGGER)
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = []  # pytest's capture handler would count as a configured handler
    try:
        set_log_level("debug")
        set_log_level("DEBUG")
        assert logger.level == logging.DEBUG
        ours = [h for h in logger.handlers if isinstance(h, logs._Handler)]
        assert len(ours) == 1
        set_log_level(logging.INFO)
        assert logger.level == logging.INFO
        set_log_level(None)
        assert logger.level == logging.NOTSET
        assert not [h for h in logger.handlers if isinstance(h, logs._Handler)]
    finally:
        root.handlers[:] = saved
    assert mistral_async.set_log_level is set_log_level
    for bad in ("loud", True, 1.5):
        with pytest.raises(ArgumentError, match="level"):
            set_log_level(bad)  # type: ignore[arg-type]


def test_the_environment_switch_is_read_when_a_client_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.WARNING)
    monkeypatch.setenv("MISTRAL_ASYNC_LOG", "debug")
    AsyncMistral(api_key=KEY)
    assert logger.level == logging.DEBUG
    # A level set in code afterwards stays: the same switch is not applied twice.
    set_log_level("warning")
    AsyncMistral(api_key=KEY)
    assert logger.level == logging.WARNING
    monkeypatch.setenv("MISTRAL_ASYNC_LOG", "info")
    AsyncMistral(api_key=KEY)
    assert logger.level == logging.INFO
    # An unknown value never stops a client from being made.
    monkeypatch.setenv("MISTRAL_ASYNC_LOG", "verbose")
    AsyncMistral(api_key=KEY)
    assert logger.level == logging.INFO


def test_nothing_is_prepared_when_logging_is_off_and_no_hook_is_set() -> None:
    logging.getLogger(LOGGER).setLevel(logging.WARNING)
    assert AttemptWatch.of(None, None, CHAT, stream=False) is None
    logging.getLogger(LOGGER).setLevel(logging.DEBUG)
    assert AttemptWatch.of(None, None, CHAT, stream=False) is not None
