"""Mistral's error object: how the local server writes it and how the checker recognises it.

The official OpenAPI file describes only 422 validation errors (and a few operation-specific
400/404/408/409 bodies). The live API answers every other failure (bad key, unknown model, rate
limit, overload) with this object, so the server emits it and the conformance checker accepts
it for the statuses in :data:`UNDECLARED_ERROR_STATUSES`::

    {"object": "error", "message": "...", "type": "invalid_request_error",
     "param": null, "code": null}

Whatever refuses a request (a route, a simulated model, a job) raises :class:`ApiError`; the
app answers it with this object, in one place.
"""

from __future__ import annotations

import json
from typing import Any

# Statuses the official file does not declare for most operations but the live API does send.
# For these the checker requires a Mistral error object instead of reporting an undeclared
# status. 400 is here too: the file declares it for some operations only, and the server uses it
# for requests that are valid JSON but cannot be served (e.g. a chat request to an embedding model).
UNDECLARED_ERROR_STATUSES: frozenset[int] = frozenset(
    {400, 401, 403, 404, 409, 429, 500, 502, 503, 504}
)

# The `type` the live API uses for each status; anything unlisted is a generic `api_error`.
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limited",
    503: "overloaded_error",
}

# Not part of the OpenAPI file: written from the live API's behaviour (see module docstring).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["object", "message", "type"],
    "properties": {
        "object": {"const": "error"},
        "message": {"type": "string"},
        "type": {"type": "string"},
        "param": {"type": ["string", "null"]},
        "code": {"type": ["string", "integer", "null"]},
    },
}

# The gateway in front of the API answers some failures before any error object is made
# (live-api-observations.md): these shapes, for these statuses only, are the live API's too.
GATEWAY_SCHEMAS: dict[int, tuple[dict[str, Any], ...]] = {
    401: (
        {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}, "request_id": {"type": "string"}},
            "additionalProperties": False,
        },
    ),
    429: (
        {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}, "request_id": {"type": "string"}},
            "additionalProperties": False,
        },
    ),
}
UNAUTHORIZED_BODY: dict[str, Any] = {"detail": "Unauthorized"}
GATEWAY_RATE_LIMITED_BODY: dict[str, Any] = {"message": "Requests rate limit exceeded"}
# The `code` the live API puts in the error objects it sends for a status.
_CODES: dict[int, str] = {429: "1300"}

_REASONS: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class ApiError(Exception):
    """A failure answered with a Mistral error object (``status``, and the object's fields)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        """The error object that answers it."""
        return error_object(
            self.status, self.message, error_type=self.error_type, param=self.param, code=self.code
        )


def error_type_for(status: int) -> str:
    """The Mistral error `type` that goes with an HTTP status."""
    return ERROR_TYPES.get(status, "api_error")


def error_object(
    status: int,
    message: str | None = None,
    *,
    error_type: str | None = None,
    param: str | None = None,
    code: str | int | None = None,
) -> dict[str, Any]:
    """A Mistral error object; message and type default to ones that fit `status`."""
    return {
        "object": "error",
        "message": message if message is not None else _REASONS.get(status, f"HTTP {status}"),
        "type": error_type if error_type is not None else error_type_for(status),
        "param": param,
        "code": code if code is not None else _CODES.get(status),
    }


def error_json(
    status: int,
    message: str | None = None,
    *,
    error_type: str | None = None,
    code: str | int | None = None,
) -> bytes:
    """:func:`error_object` serialised, for raw ASGI responses."""
    body = error_object(status, message, error_type=error_type, code=code)
    return json.dumps(body, separators=(",", ":")).encode()
