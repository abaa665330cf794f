"""Developer sessions: ``nox -s tests lint typecheck demo`` (and ``bench`` for the benchmarks)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "demo"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, on asyncio and trio."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """The end-to-end demo against the local server."""
    session.install("-e", ".[server]")
    session.run("python", "-m", "mistral_async", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks of issue #6: this SDK beside the other Python clients, in one run.

    The competitors are installed here only, never as dependencies of the package; uvloop
    speeds up the bench server alone. Writes benchmarks/RESULTS.md (and results.json).
    """
    session.install("-e", ".[aiohttp]", "mistralai", "openai", "aiohttp", "httpx-sse", "uvloop")
    session.run("python", "benchmarks/run.py", *session.posargs)
