"""The local Mistral-compatible server as one ASGI application.

Layers, outermost first; each exists for every request::

    RecordingMiddleware        what went over the wire (only with record=True)
    ResponseHeadersMiddleware  x-request-id and rate-limit headers on every response
    AuthMiddleware             bearer key, or 401
    FaultMiddleware            queued faults take over the exchange
    Starlette                  the routes of routes/, API errors as Mistral error objects
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .._spec.error_bodies import ApiError, error_object
from .._spec.exchanges import ExchangeLog
from .._spec.openapi import OpenAPISpec
from .._state.store import Store, state_store
from .faults import FaultMiddleware, Faults, StopSignal
from .middleware import AuthMiddleware, LatencyMiddleware, RateLimits, ResponseHeadersMiddleware
from .recording import RecordingMiddleware
from .routes import ROUTES
from .routes._request import STATE_KEY, RequestInvalid, Settings


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _request_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestInvalid)
    return JSONResponse({"detail": exc.detail}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404/405 for paths and methods no route serves: the live API (a FastAPI
    # app) answers them as FastAPI does, `{"detail": "Not Found"}`, 405 with its `Allow` header.
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _crash(request: Request, exc: Exception) -> Response:
    return JSONResponse(error_object(500, f"Internal server error: {exc!r}"), status_code=500)


class MistralApp:
    """The server's ASGI app, with the handles a test uses to steer and observe it.

    :param api_key: the only bearer key accepted; ``None`` accepts any non-empty key.
    :param validate_requests: check JSON bodies against the spec, answering 422 on violations.
    :param record: append every exchange to :attr:`exchanges`.
    :param seed: mixed into every simulated answer, so two servers can differ.
    :param latency: seconds every request waits before it is served.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        validate_requests: bool = True,
        record: bool = False,
        seed: int = 0,
        spec: OpenAPISpec | None = None,
        latency: float = 0.0,
    ) -> None:
        self.spec: OpenAPISpec = spec if spec is not None else OpenAPISpec.default()
        self.faults: Faults = Faults()
        self.exchanges: ExchangeLog = ExchangeLog()
        self.rate_limits: RateLimits = RateLimits()
        self.stop_signal: StopSignal = StopSignal()
        routes = Starlette(
            routes=ROUTES,
            exception_handlers={
                ApiError: _api_error,
                RequestInvalid: _request_invalid,
                HTTPException: _http_error,
                Exception: _crash,
            },
        )
        setattr(routes.state, STATE_KEY, Settings(self.spec, validate_requests, seed))
        self._routes = routes
        app: ASGIApp = FaultMiddleware(routes, self.faults, self.stop_signal)
        app = AuthMiddleware(app, api_key)
        app = ResponseHeadersMiddleware(app, self.rate_limits)
        if latency > 0:
            app = LatencyMiddleware(app, latency)
        if record:
            app = RecordingMiddleware(app, self.exchanges)
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    @property
    def store(self) -> Store:
        """The in-memory state of the stateful routes: files, jobs, fine-tuned models, agents,
        conversations, and how long simulated jobs take (``store.job_timings``)."""
        return state_store(self._routes.state)

    def reset(self) -> None:
        """Forget recorded exchanges and queued faults; start a fresh rate-limit window."""
        self.exchanges.clear()
        self.faults.clear()
        self.rate_limits.reset()


def create_app(
    *,
    api_key: str | None = None,
    validate_requests: bool = True,
    record: bool = False,
    seed: int = 0,
) -> MistralApp:
    """The server's ASGI app, to serve with any ASGI server or ``httpx.ASGITransport``.

    Faults that drop connections (``disconnect``, ``cut_stream``) need a real server
    (:class:`LocalServer`); the rest work in-process too.
    """
    return MistralApp(
        api_key=api_key, validate_requests=validate_requests, record=record, seed=seed
    )
