"""The SDK's log: the ``mistral_async`` logger, its switch, and the lines the pipeline writes.

``MISTRAL_ASYNC_LOG=debug`` (or ``info``), read when a client is created, or
``mistral_async.set_log_level("debug")`` in code, sets the logger's level and gives it a handler
on stderr if it has none (like ``OPENAI_LOG``). The level is the process's, as logging is: a
per-client switch would only pretend otherwise. Applications that configure ``logging``
themselves need neither: the records go to the ``mistral_async`` logger like any other.

- DEBUG: one line per attempt: method, path, status (or the error's type), elapsed ms,
  request id, attempt number, and whether the cache answered.
- INFO: each retry (and its wait), and each call that failed for good.

Lines name the method, the path and the status: never a header, a body, a query or the API key.
Callers test ``log.isEnabledFor`` before building anything, so logging off costs one check per
attempt.
"""

from __future__ import annotations

import logging
import os
from typing import Final

import httpx

from .errors import ArgumentError
from .response_info import request_id

log: Final = logging.getLogger("mistral_async")

LOG_ENV: Final = "MISTRAL_ASYNC_LOG"
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_FORMAT: Final = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

# The value of the environment variable last applied: applied again only when it changes, so
# that a level set in code after the first client is not undone by the next client.
_applied_env: str | None = None


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``set_log_level`` adds (recognised so that it is added once)."""


def set_log_level(level: str | int | None) -> None:
    """Log the SDK's requests from ``level`` up: ``"debug"`` (every attempt), ``"info"``
    (retries and failures), ``"warning"`` (the default: cache store failures only), or a
    ``logging`` level; ``None`` turns the SDK's own handler off again and leaves the level to
    the application's logging configuration.

    The logger gets a handler on stderr unless it (or the root logger) has one already.
    """
    handler = next((h for h in log.handlers if isinstance(h, _Handler)), None)
    if level is None:
        log.setLevel(logging.NOTSET)
        if handler is not None:
            log.removeHandler(handler)
        return
    if isinstance(level, str):
        number = _LEVELS.get(level.strip().lower())
        if number is None:
            raise ArgumentError("level", f"must be one of {sorted(_LEVELS)}, got {level!r}")
    elif isinstance(level, int) and not isinstance(level, bool):  # pyright: ignore[reportUnnecessaryIsInstance]  # called untyped too
        number = level
    else:
        raise ArgumentError("level", f"must be a level name or number, got {level!r}")
    log.setLevel(number)
    if handler is None and not log.handlers and not logging.getLogger().handlers:
        handler = _Handler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        log.addHandler(handler)


def configure_from_env() -> None:
    """Apply ``MISTRAL_ASYNC_LOG`` if it is set and changed since it was last applied; an
    unknown value is ignored (a log switch must never stop a client from being made)."""
    global _applied_env
    value = os.environ.get(LOG_ENV)
    if value is None or value == _applied_env:
        return
    _applied_env = value
    if value.strip().lower() in _LEVELS:
        set_log_level(value)


def log_attempt(
    request: httpx.Request,
    number: int,
    elapsed: float,
    response: httpx.Response | None,
    error: BaseException | None,
    *,
    from_cache: bool = False,
) -> None:
    """The DEBUG line of one attempt (or of a reply the cache gave)."""
    outcome = str(response.status_code) if response is not None else type(error).__name__
    log.debug(
        "%s %s -> %s in %.1f ms (request id %s, attempt %d%s)",
        request.method,
        request.url.path,
        outcome,
        elapsed * 1000.0,
        (request_id(response.headers) if response is not None else None) or "-",
        number,
        ", from cache" if from_cache else "",
    )


def log_retry(
    request: httpx.Request,
    failure: int | BaseException,
    delay: float,
    retry: int,
    max_retries: int,
) -> None:
    """The INFO line before a retry."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "Retrying %s %s in %.2f s after %s (retry %d of %d)",
        request.method,
        request.url.path,
        delay,
        failure if isinstance(failure, int) else type(failure).__name__,
        retry,
        max_retries,
    )


def log_failure(request: httpx.Request | None, error: BaseException, retries: int) -> None:
    """The INFO line of a call that failed for good (its error's type and status, no text:
    an error's message may quote the reply)."""
    if not log.isEnabledFor(logging.INFO):
        return
    status = getattr(error, "status_code", None)
    log.info(
        "%s %s failed: %s%s after %d retr%s",
        request.method if request is not None else "-",
        request.url.path if request is not None else "-",
        type(error).__name__,
        f" ({status})" if status is not None else "",
        retries,
        "y" if retries == 1 else "ies",
    )
