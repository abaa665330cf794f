"""Every ```python block of README.md runs, as written, against the local server.

One test per README section (the nearest ``##`` or ``###`` heading): its blocks run in order in
one namespace, since a section is written as one continuing example (upload a file, then list,
download and delete it), while each section starts afresh from the prelude, so that no block
depends on a section far above it. New sections are picked up on their own; a block that is not
Python (a shell command, a diagram) is fenced as ``bash`` or plain and is not run.

The prelude is what a reader of the README has at hand: ``MISTRAL_API_KEY`` and
``MISTRAL_BASE_URL`` pointing at the test's ``LocalServer`` on 127.0.0.1 (so ``AsyncMistral()``
works as the README writes it); ``client`` (an ``AsyncMistral``) and ``sync_client`` (a
``Mistral``) on that server; ``AsyncMistral`` and ``Mistral`` imported; ``messages`` (a chat) and
``texts`` (a few short documents); and a working directory holding the files the README names
(``train.jsonl``, ``requests.jsonl``, ``corp-ca.pem``, ``talk.wav``, ``policy.pdf``, ...).
Every exchange is checked against the OpenAPI file at teardown, as in every test using the
``server`` fixture.

Blocks with top-level ``await`` run on an event loop thread (an anyio blocking portal, asyncio
and trio); the others run in a plain thread, where ``Mistral`` and ``anyio.run`` work. Each
block has ``BLOCK_TIMEOUT`` seconds. A failure names the section, the block and its README line,
with the traceback's README lines, so that whoever changed that section can fix it.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import certifi
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from mistral_async import AsyncMistral, Mistral
from mistral_async.testing import LocalServer
from tests._support.audio import wav_bytes
from tests._support.jobs import TRAINING

README = Path(__file__).parent.parent / "README.md"
BLOCK_TIMEOUT = 30.0  # seconds; a README block against the local server takes well under one

FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^(#{2,3}) (.+?)\s*$")


@dataclass(frozen=True)
class Block:
    section: str
    number: int  # 1-based, within its section
    line: int  # the README line of its first line of code
    source: str


def python_blocks(text: str) -> dict[str, list[Block]]:
    """The ```python blocks of a Markdown text, by section, in order."""
    sections: dict[str, list[Block]] = {}
    titles: dict[int, str] = {}
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        fence = FENCE.match(lines[n])
        if fence is None:
            heading = HEADING.match(lines[n])
            if heading is not None:
                level = len(heading[1])
                titles = {k: v for k, v in titles.items() if k < level}
                titles[level] = heading[2]
            n += 1
            continue
        end = next(
            (m for m in range(n + 1, len(lines)) if lines[m].startswith(fence[1])), len(lines)
        )
        if fence[2] in ("python", "py"):
            section = " > ".join(titles[k] for k in sorted(titles)) or "(top)"
            blocks = sections.setdefault(section, [])
            source = "\n".join(lines[n + 1 : end]) + "\n"
            blocks.append(Block(section, len(blocks) + 1, n + 2, source))
        n = end + 1
    return sections


SECTIONS = python_blocks(README.read_text(encoding="utf-8"))


def _batch_lines() -> str:
    lines = [
        {
            "custom_id": f"request-{n}",
            "body": {"messages": [{"role": "user", "content": f"question {n}"}], "max_tokens": 8},
        }
        for n in range(3)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


WAV = wav_bytes(1.0)  # a second of a sine tone
# Not UTF-8 (the binary-marker comment), so the local server reads it as a PDF, not as text.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _write_files(folder: Path) -> None:
    """The files the README's examples name, in their working directory."""
    (folder / "train.jsonl").write_bytes(TRAINING)
    (folder / "requests.jsonl").write_text(_batch_lines())
    (folder / "batch.jsonl").write_text(_batch_lines())
    (folder / "in.jsonl").write_text(_batch_lines())
    shutil.copyfile(certifi.where(), folder / "corp-ca.pem")  # a real bundle of CA certificates
    for name in ("talk.wav", "me.wav"):
        (folder / name).write_bytes(WAV)
    (folder / "policy.pdf").write_bytes(PDF)


def _readme_lines(error: BaseException) -> str:
    """The traceback of an error raised by a block, README frames only (the rest is ours)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(README)]
    return "".join(traceback.format_list(frames))


class BlockFailed(AssertionError):
    pass


def _describe(block: Block, total: int, why: str) -> str:
    return (
        f"README.md section {block.section!r}, block {block.number} of {total} "
        f"(line {block.line}): {why}\n{block.source}"
    )


def _compile(block: Block) -> Any:
    # The blank lines put the block at its own lines of README.md in tracebacks.
    padded = "\n" * (block.line - 1) + block.source
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # and not this module's `from __future__` imports:
    return compile(padded, str(README), "exec", flags=flags, dont_inherit=True)


async def _await_block(code: Any, namespace: dict[str, Any]) -> None:
    with anyio.fail_after(BLOCK_TIMEOUT):
        await eval(code, namespace)


def _run_in_thread(code: Any, namespace: dict[str, Any]) -> None:
    """Runs a block without ``await`` in a thread of its own (no event loop there), bounded."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            exec(code, namespace)
        except BaseException as error:  # reported by the test's thread
            errors.append(error)

    thread = threading.Thread(target=target, name="readme-block", daemon=True)
    thread.start()
    thread.join(BLOCK_TIMEOUT)
    if thread.is_alive():
        raise TimeoutError(f"still running after {BLOCK_TIMEOUT} s")
    if errors:
        raise errors[0]


def run_section(blocks: list[Block], namespace: dict[str, Any], portal: BlockingPortal) -> None:
    for block in blocks:
        try:
            code = _compile(block)
        except SyntaxError as error:
            raise BlockFailed(_describe(block, len(blocks), f"SyntaxError: {error}")) from None
        try:
            if code.co_flags & inspect.CO_COROUTINE:
                portal.call(_await_block, code, namespace)
            else:
                _run_in_thread(code, namespace)
        except Exception as error:
            why = f"{type(error).__name__}: {error}\n{_readme_lines(error)}"
            raise BlockFailed(_describe(block, len(blocks), why)) from error


@pytest.fixture(params=["asyncio", "trio"])
def portal(request: pytest.FixtureRequest) -> Iterator[BlockingPortal]:
    with start_blocking_portal(backend=request.param) as portal:
        yield portal


@pytest.fixture
def prelude(
    server: LocalServer,
    portal: BlockingPortal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    """The names every README block may use (see the module's docstring)."""
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-readme")
    monkeypatch.setenv("MISTRAL_BASE_URL", server.url)
    monkeypatch.chdir(tmp_path)
    _write_files(tmp_path)
    client = portal.call(AsyncMistral)  # made on the loop it is used on
    with Mistral() as sync_client:
        yield {
            "__name__": "readme",
            "AsyncMistral": AsyncMistral,
            "Mistral": Mistral,
            "client": client,
            "sync_client": sync_client,
            "messages": [{"role": "user", "content": "Who is the best French painter?"}],
            "texts": [
                "The cat sat on the mat.",
                "A dog barked at the postman.",
                "Cats and dogs are pets.",
                "Paris is the capital of France.",
                "The Louvre is a museum in Paris.",
            ],
        }
        portal.call(client.aclose)


def test_the_readme_has_python_blocks_in_many_sections() -> None:
    # A guard on the extraction itself: a broken parser would make every test below vanish.
    assert len(SECTIONS) >= 15
    assert "Use" in SECTIONS
    assert all(block.source.strip() for blocks in SECTIONS.values() for block in blocks)


async def _fine_tuned_model(client: AsyncMistral) -> str:
    """The id of a model fine-tuned on the local server (its jobs take a fraction of a second)."""
    upload = await client.files.upload(TRAINING, purpose="fine-tune", filename="train.jsonl")
    job = await client.fine_tuning.jobs.create(
        model="open-mistral-nemo",
        training_files=[{"file_id": upload.id}],
        hyperparameters={"training_steps": 1},
    )
    job = await client.fine_tuning.jobs.wait(job.id, poll_interval=0.02, timeout=BLOCK_TIMEOUT)
    assert job.fine_tuned_model is not None, job
    return job.fine_tuned_model


# Prelude names that cost a request or more: made only for the sections that use them.
ON_DEMAND = {"fine_tuned_model": _fine_tuned_model}


@pytest.mark.parametrize("section", list(SECTIONS))
def test_readme_section_runs(section: str, prelude: dict[str, Any], portal: BlockingPortal) -> None:
    blocks = SECTIONS[section]
    for name, make in ON_DEMAND.items():
        if any(re.search(rf"(?<![.\w]){name}\b", block.source) for block in blocks):
            prelude[name] = portal.call(make, prelude["client"])
    run_section(blocks, prelude, portal)


SAMPLE = """# Title

## Good

```python
x = 1
```

```bash
not python at all
```

## Broken

### Deep

```python
y = x + 1  # x belongs to another section
```
"""


def test_blocks_are_grouped_by_section_and_only_python_runs() -> None:
    sections = python_blocks(SAMPLE)
    assert list(sections) == ["Good", "Broken > Deep"]
    assert sections["Broken > Deep"][0].line == 18
    assert sections["Good"][0].source == "x = 1\n"


def test_a_failing_block_names_its_section_block_and_line() -> None:
    sections = python_blocks(SAMPLE)
    with start_blocking_portal("asyncio") as portal:
        run_section(sections["Good"], {}, portal)
        with pytest.raises(BlockFailed) as failure:
            run_section(sections["Broken > Deep"], {}, portal)
    message = str(failure.value)
    assert "section 'Broken > Deep', block 1 of 1 (line 18)" in message
    assert "NameError: name 'x' is not defined" in message
    assert f'File "{README}", line 18' in message  # the README's own line, in the traceback


def test_a_block_that_hangs_fails_after_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.BLOCK_TIMEOUT", 0.2)
    sleepy = [Block("Slow", 1, 1, "import time\ntime.sleep(2)\n")]
    awaiting = [Block("Slow", 1, 1, "import anyio\nawait anyio.sleep(2)\n")]
    with start_blocking_portal("asyncio") as portal:
        for blocks in (sleepy, awaiting):
            started = time.monotonic()
            with pytest.raises(BlockFailed, match=r"'Slow'.*TimeoutError"):
                run_section(blocks, {}, portal)
            assert time.monotonic() - started < 1.5
