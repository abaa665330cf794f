"""The blocking client's lifecycle under stress: close/exit mid-stream, GC on the loop, fork."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from mistral_async import Mistral

MODEL = "mistral-small-latest"
LONG = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4000}


def _run(code: str, timeout: float = 15.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_close_from_another_thread_with_a_partly_read_stream(server: Any) -> None:
    # The stream stalls after its first event: before the fix close() waited for it (30 s).
    server.faults.add("stall", seconds=30, after_events=1)
    done = _run(
        f"""
        import threading, time
        from mistral_async import Mistral
        client = Mistral(api_key="k", base_url={server.url!r})
        it = iter(client.chat.stream(**{LONG!r}))
        next(it)
        time.sleep(0.3)  # the read-ahead fills its buffer and blocks
        t = threading.Thread(target=client.close)
        start = time.monotonic()
        t.start(); t.join(8)
        assert not t.is_alive(), "close() hung"
        print("closed", round(time.monotonic() - start, 2))
        """
    )
    assert done.returncode == 0, done.stderr
    assert "closed" in done.stdout


def test_exit_with_a_partly_read_stream(server: Any) -> None:
    server.faults.add("stall", seconds=30, after_events=1)
    done = _run(
        f"""
        import time
        from mistral_async import Mistral
        client = Mistral(api_key="k", base_url={server.url!r})
        it = iter(client.chat.stream(**{LONG!r}))
        next(it)
        time.sleep(0.3)
        print("exiting")
        """
    )
    assert done.returncode == 0, done.stderr


def test_gc_on_the_loop_thread_cleans_up(server: Any) -> None:
    unraisable: list[Any] = []
    old = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        client = Mistral(api_key="k", base_url=server.url, max_concurrency=1)
        server.faults.add("stall", seconds=30, after_events=1)
        it = iter(client.chat.stream(**LONG))
        next(it)
        cycle: list[Any] = [it]
        cycle.append(cycle)
        del it, cycle

        async def collect() -> None:
            gc.collect()

        client._portal.call(collect)
        # The slot is free again: with max_concurrency=1 this call would wait forever otherwise.
        assert client.chat.complete(model=MODEL, messages=[{"role": "user", "content": "x"}])
        client.close()
    finally:
        sys.unraisablehook = old
    assert unraisable == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_fork_child_gets_a_clear_error(server: Any) -> None:
    done = _run(
        f"""
        import os, threading
        from mistral_async import Mistral
        from mistral_async._sync.portal import ForkedClientError
        client = Mistral(api_key="k", base_url={server.url!r})
        msg = [{{"role": "user", "content": "hi"}}]
        client.chat.complete(model={MODEL!r}, messages=msg)
        pid = os.fork()
        if pid == 0:
            errors = []
            def call():
                try:
                    client.chat.complete(model={MODEL!r}, messages=msg)
                except ForkedClientError as exc:
                    errors.append(exc)
            call()
            t = threading.Thread(target=call); t.start(); t.join(5)
            fresh = Mistral(api_key="k", base_url={server.url!r})
            fresh.chat.complete(model={MODEL!r}, messages=msg)
            fresh.close()
            client.close()
            os._exit(0 if len(errors) == 2 else 3)
        _, status = os.waitpid(pid, 0)
        client.chat.complete(model={MODEL!r}, messages=msg)
        client.close()
        assert os.waitstatus_to_exitcode(status) == 0, status
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_close_midway_through_32_threads(server: Any) -> None:
    import threading
    import time

    from mistral_async import ClientClosedError

    client = Mistral(api_key="k", base_url=server.url)
    msg = [{"role": "user", "content": "hi"}]
    unexpected: list[BaseException] = []

    def work(i: int) -> None:
        for _ in range(50):  # bounded
            try:
                if i % 2:
                    client.chat.complete(model=MODEL, messages=msg)
                else:
                    for _chunk in client.chat.stream(model=MODEL, messages=msg):
                        pass
            except ClientClosedError:
                return
            except BaseException as exc:
                unexpected.append(exc)
                return

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(32)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    closer = threading.Thread(target=client.close, daemon=True)
    closer.start()
    closer.join(8)
    assert not closer.is_alive(), "close() hung"
    for t in threads:
        t.join(8)
    assert not any(t.is_alive() for t in threads)
    assert unexpected == []
