"""A local Mistral-compatible server and an OpenAPI conformance checker, for tests.

``LocalServer`` serves a deterministic simulated model on 127.0.0.1 (chat completions, JSON and
SSE, tools, structured output; the model list; agents and stateful conversations), checks
requests against Mistral's OpenAPI file, injects faults on demand (``server.faults.add(...)``)
and records every exchange (``server.exchanges``). ``OpenAPISpec`` and ``assert_conforms``
check any exchange, request or response against the same file.

Needs the ``server`` extra: ``pip install 'mistral-async[server]'``.

Layers, lowest first; each imports only those above it in this list::

    _spec/     the OpenAPI file as checks: operations, violations, error objects, exchanges
    _models/   the simulated models: pure functions from a request to its answer
    _state/    the in-memory store, the simulated jobs (batch, fine-tuning), agents, conversations
    _server/   the ASGI app, its middleware and faults, the routes, the uvicorn server
"""

from ._server.app import MistralApp, create_app
from ._server.faults import Fault, FaultKind, Faults
from ._server.serving import LocalServer, run_server
from ._spec.conformance import (
    SpecViolation,
    assert_all_conform,
    assert_conforms,
    exchange_violations,
)
from ._spec.exchanges import Exchange, ExchangeLog
from ._spec.openapi import OpenAPISpec, Operation
from ._spec.violations import Violation
from ._state.store import JobTimings

__all__ = [
    "Exchange",
    "ExchangeLog",
    "Fault",
    "FaultKind",
    "Faults",
    "JobTimings",
    "LocalServer",
    "MistralApp",
    "OpenAPISpec",
    "Operation",
    "SpecViolation",
    "Violation",
    "assert_all_conform",
    "assert_conforms",
    "create_app",
    "exchange_violations",
    "run_server",
]
