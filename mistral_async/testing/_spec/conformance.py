"""Checking recorded exchanges against the spec: :func:`assert_conforms` and friends."""

from __future__ import annotations

from collections.abc import Iterable

from .exchanges import Exchange
from .multipart import parse_multipart
from .openapi import OpenAPISpec

LOCAL_PATH_PREFIX = "/_local/"
"""Paths the local server serves outside the API, as the live API's storage serves the signed
URLs it hands out; the spec does not describe them, so they are not checked."""


class SpecViolation(AssertionError):
    """An exchange that does not conform to the OpenAPI spec; ``violations`` says how."""

    def __init__(self, exchange: Exchange, violations: list[str]) -> None:
        self.exchange = exchange
        self.violations = violations
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        if exchange.request_id:
            where += f" (x-request-id {exchange.request_id})"
        super().__init__(f"{where} breaks the spec:\n  " + "\n  ".join(violations))


def exchange_violations(exchange: Exchange, spec: OpenAPISpec | None = None) -> list[str]:
    """What is wrong with an exchange, as messages; empty if it conforms.

    Not checked (empty list): exchanges a fault broke on purpose, paths under
    :data:`LOCAL_PATH_PREFIX`, and responses the client left before their end (a stream closed
    early is the client's choice). The request is checked only when the response is a
    success: refusing a bad request is conformant, and tests send bad requests on purpose.
    Any other response cut short is a violation.
    """
    if exchange.fault is not None or exchange.disconnected:
        return []
    if exchange.path.startswith(LOCAL_PATH_PREFIX):
        return []  # the local server's own URLs (signed downloads) are no API operation
    spec = spec if spec is not None else OpenAPISpec.default()
    if exchange.status is None:
        return ["no response was sent"]
    problems: list[str] = []
    if not exchange.complete:
        problems.append("the response was not sent to its end")
    if 200 <= exchange.status < 300 and exchange.request_body:
        body: object = exchange.request_body
        content_type = exchange.request_content_type
        if content_type.lower().startswith("multipart/form-data"):
            body = parse_multipart(exchange.request_body, content_type)
        problems += [
            f"request {message}"
            for message in spec.validate_request(exchange.method, exchange.path, body, content_type)
        ]
    problems += spec.validate_response(
        exchange.method,
        exchange.path,
        exchange.status,
        exchange.content_type,
        exchange.response_body,
    )
    return problems


def assert_conforms(exchange: Exchange, *, spec: OpenAPISpec | None = None) -> None:
    """Raise :class:`SpecViolation` unless the exchange conforms.

    See :func:`exchange_violations` for what is checked.
    """
    violations = exchange_violations(exchange, spec)
    if violations:
        raise SpecViolation(exchange, violations)


def assert_all_conform(exchanges: Iterable[Exchange], *, spec: OpenAPISpec | None = None) -> None:
    """Check every exchange; one :class:`AssertionError` listing all that fail."""
    failures = []
    for exchange in exchanges:
        try:
            assert_conforms(exchange, spec=spec)
        except SpecViolation as failure:
            failures.append(str(failure))
    if failures:
        raise AssertionError(f"{len(failures)} exchange(s) break the spec:\n" + "\n".join(failures))
