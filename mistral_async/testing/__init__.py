"""A local Mistral-compatible server and an OpenAPI conformance checker, for tests.

``LocalServer`` serves a deterministic simulated model on 127.0.0.1 (chat completions, JSON and
SSE, tools, structured output; the model list), checks requests against Mistral's OpenAPI file,
injects faults on demand (``server.faults.add(...)``) and records every exchange
(``server.exchanges``). ``OpenAPISpec`` and ``assert_conforms`` check any exchange, request or
response against the same file.

Needs the ``server`` extra: ``pip install 'mistral-async[server]'``.
"""

from ._app import MistralApp, create_app
from ._conformance import SpecViolation, assert_all_conform, assert_conforms, exchange_violations
from ._faults import Fault, FaultKind, Faults
from ._openapi import OpenAPISpec, Operation
from ._recording import Exchange, ExchangeLog
from ._server import LocalServer, run_server
from ._store import JobTimings
from ._violations import Violation

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
