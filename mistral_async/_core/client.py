"""``AsyncMistral``: options, lifecycle, and the one request pipeline.

Every call goes through :meth:`AsyncMistral._open`: take a concurrency slot, then
:meth:`AsyncMistral._send`: build the request (:mod:`.request`), send, and on a retryable failure
wait as :mod:`.retry` says and send again; an error status becomes a typed error from
:mod:`.errors`. The :class:`.exchange.Exchange` it returns holds the slot until it is closed: at
once for a reply read into the caller's response model, at the end for a stream or download.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

import anyio
import httpx
from typing_extensions import Self, Unpack

from ..usage import UsageTracker
from .bounds import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    check_size,
    read_bounded,
    read_error_body,
)
from .checks import (
    check_api_key,
    check_optional_headers,
    check_optional_int,
    check_optional_seconds,
    check_timeout,
    has_surrogate,
)
from .credentials import KeyProvider, KeySource
from .deadline import DEFAULT_DEADLINE, Deadline
from .errors import (
    APIResponseValidationError,
    ArgumentError,
    ClientClosedError,
    MissingAPIKeyError,
    status_error,
    transport_error,
)
from .exchange import Exchange
from .hooks import AttemptWatch, Hooks, check_hooks
from .http_client import OwnedHttpClients, timeout_of
from .limits import ConcurrencyLimiter
from .logs import configure_from_env, log_failure, log_retry
from .options import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    NOT_GIVEN,
    ClientOverrides,
    NotGiven,
    RequestOptions,
    TimeoutTypes,
    to_timeout,
)
from .proxies import ProxyTypes
from .request import USER_AGENT, APIRequest, RequestBuilder
from .response_info import ResponseInfo
from .retry import DEFAULT_RETRY, RetryPolicy, check_retry_options, next_delay, resolve_policy
from .tracing import content_default, start_span
from .transport import TransportName
from .upload import close_parts

if TYPE_CHECKING:
    from ..cache import ResponseCache
    from ..resources.agents import AsyncAgentsCompletions
    from ..resources.audio import AsyncAudio
    from ..resources.batch import AsyncBatch
    from ..resources.beta import AsyncBeta
    from ..resources.chat import AsyncChat
    from ..resources.classifiers import AsyncClassifiers
    from ..resources.embeddings import AsyncEmbeddings
    from ..resources.files import AsyncFiles
    from ..resources.fim import AsyncFim
    from ..resources.fine_tuning import AsyncFineTuning
    from ..resources.models import AsyncModels
    from ..resources.ocr import AsyncOcr
    from .event_streams import RawEventStream

T = TypeVar("T")


def _check_base_url(base_url: Any) -> str:
    if not isinstance(base_url, str):
        raise ArgumentError("base_url", f"must be a str, got {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url)
        port = url.port
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ArgumentError("base_url", f"is not a valid URL: {base_url!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ArgumentError("base_url", f"must be an http(s) URL with a host, got {base_url!r}")
    if port is not None and not 0 < port < 65536:
        raise ArgumentError("base_url", f"has a port out of range (1-65535): {port}")
    if has_surrogate(base_url):
        raise ArgumentError("base_url", "contains a lone surrogate, which UTF-8 cannot encode")
    # Request paths start with /v1/..., as in the OpenAPI file.
    return base_url.rstrip("/")


class AsyncMistral:
    """Asynchronous client of the Mistral AI API (asyncio and trio).

    :param api_key: the API key; defaults to the ``MISTRAL_API_KEY`` environment variable. Or
        a callable (plain or async) returning it, asked before every attempt of every request,
        for keys that change (see ``mistral_async._core.credentials``).
    :param base_url: defaults to ``MISTRAL_BASE_URL``, then ``https://api.mistral.ai``.
    :param timeout: seconds or an ``httpx.Timeout``; the default allows 5 s to connect and
        600 s for the rest, since a long generation is slow to finish. Left out with an
        ``http_client`` whose timeout is not httpx's default, that client's.
    :param deadline: seconds allowed for each attempt of a non-streaming call, from sending the
        request to the last byte of the reply (600 s by default; ``None``: no limit). The
        timeout bounds each read, so only a deadline ends a server trickling bytes slowly; a
        deadline hit is retried like a timeout, then raises ``APITimeoutError``. Streams have
        none unless the call passes ``deadline=``, which then bounds the whole stream.
    :param max_retries: retries of a failed request (connection errors, timeouts, 408, 409,
        429, 5xx), 2 by default; 0 disables retrying. The short form of ``retry``.
    :param retry: a ``RetryPolicy``: retries, backoff delays, jitter, the longest
        ``Retry-After`` honoured, the statuses retried. Not with ``max_retries``.
    :param hooks: a ``Hooks`` of functions called before and after every attempt (see
        ``mistral_async._core.hooks``); per call, ``hooks=`` adds more.
    :param trace_content: record prompts and completions in OpenTelemetry spans (off unless
        ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``); see ``.tracing``.
    :param max_concurrency: the most requests in flight at once on this client; a stream
        holds its slot until it is closed. ``None``: no limit.
    :param default_headers: headers sent with every request.
    :param http_client: an ``httpx.AsyncClient`` to use as is; the caller keeps ownership and
        closes it. ``mistral_async.async_http_client(...)`` builds one as this client would.
    :param usage_tracker: records every reply's token usage; a new ``UsageTracker`` unless
        given; ``None`` turns recording off.
    :param cache: a ``ResponseCache`` for deterministic chat and FIM requests; off unless given.
    :param transport: ``"httpx"`` (the default, asyncio and trio) or ``"aiohttp"``: the same
        ``httpx.AsyncClient`` on aiohttp's faster HTTP implementation, on asyncio only; needs
        the ``aiohttp`` extra (``pip install 'mistral-async[aiohttp]'``). Not with
        ``http_client``, which brings its own transport.
    :param max_response_bytes: the largest reply body read (64 MiB by default); a larger one
        raises ``ResponseTooLargeError`` and is not kept in memory.
    :param max_event_bytes: the largest line or event of a stream (16 MiB by default).
    :param proxy: a proxy URL or ``httpx.Proxy`` for every request, over the environment's.
    :param trust_env: honour ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``
        (and ``SSL_CERT_FILE``/``SSL_CERT_DIR``) as httpx does; ``False`` ignores them. Neither
        this nor ``proxy`` with ``http_client``, which routes its requests itself.
    """

    def __init__(
        self,
        *,
        api_key: str | KeyProvider | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        deadline: float | None = DEFAULT_DEADLINE,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        hooks: Hooks | None = None,
        trace_content: bool | None = None,
        max_concurrency: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        usage_tracker: UsageTracker | NotGiven | None = NOT_GIVEN,
        cache: ResponseCache | None = None,
        transport: TransportName = "httpx",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        proxy: ProxyTypes | None = None,
        trust_env: bool = True,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if key is None or (key == "" and api_key is None):
            raise MissingAPIKeyError(
                "No API key: pass api_key=... to the client or set the "
                f"{API_KEY_ENV} environment variable."
            )
        self._key_source = KeySource(key) if callable(key) else None
        if self._key_source is None:
            check_api_key(key)
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("http_client", "must be an httpx.AsyncClient")
        if http_client is not None and transport != "httpx":
            raise ArgumentError("transport", "cannot be chosen with http_client")
        if http_client is not None and (proxy is not None or trust_env is not True):
            name = "proxy" if proxy is not None else "trust_env"
            raise ArgumentError(name, "cannot be chosen with http_client, which routes itself")
        if not isinstance(usage_tracker, NotGiven) and not (
            usage_tracker is None or isinstance(usage_tracker, UsageTracker)  # pyright: ignore[reportUnnecessaryIsInstance]
        ):
            raise ArgumentError("usage_tracker", "must be a UsageTracker or None")
        if cache is not None and not callable(getattr(cache, "entry", None)):
            raise ArgumentError("cache", "must be a ResponseCache or None")
        self.base_url: str = _check_base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        )
        if isinstance(timeout, NotGiven):
            timeout = timeout_of(http_client)
        self.timeout: httpx.Timeout = to_timeout(check_timeout("timeout", timeout))
        self.deadline: float | None = check_optional_seconds("deadline", deadline)
        check_retry_options(retry, max_retries)
        self.retry: RetryPolicy = resolve_policy(DEFAULT_RETRY, retry, max_retries)
        """The retry policy of every call (``retry=`` or ``max_retries=`` per call wins)."""
        self.hooks = check_hooks("hooks", hooks)
        self.trace_content = content_default() if trace_content is None else bool(trace_content)
        configure_from_env()
        self.max_response_bytes: int = check_size("max_response_bytes", max_response_bytes)
        self.max_event_bytes: int = check_size("max_event_bytes", max_event_bytes)
        self._limiter = ConcurrencyLimiter(
            check_optional_int("max_concurrency", max_concurrency, minimum=1)
        )
        self._api_key = key
        self._default_headers = check_optional_headers("default_headers", default_headers) or {}
        self._headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self._default_headers,
        }
        if self._key_source is None:  # else set on each attempt
            self._headers["Authorization"] = f"Bearer {key}"
        self._owns_http = http_client is None
        self._proxy, self._trust_env = proxy, trust_env
        # The httpx clients this client builds, shared with its with_options copies.
        self._http_clients: OwnedHttpClients | None = None
        if http_client is None:
            self._http_clients = OwnedHttpClients(self.timeout, transport)
            http_client = self._http_clients.get(proxy, trust_env)
        self._http = http_client
        self._builder = RequestBuilder(
            self._http, base_url=self.base_url, headers=self._headers, timeout=self.timeout
        )
        self._closed = False
        self.usage_tracker: UsageTracker | None = (
            UsageTracker() if isinstance(usage_tracker, NotGiven) else usage_tracker
        )
        self.cache = cache

    def __repr__(self) -> str:
        # Never the key: only what helps tell clients apart.
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries}, "
            f"max_concurrency={self.max_concurrency})"
        )

    @property
    def max_concurrency(self) -> int | None:
        return self._limiter.limit

    @property
    def max_retries(self) -> int:
        """The retries of the client's policy (``retry.max_retries``)."""
        return self.retry.max_retries

    # -- resources (imported on first use, so that importing the package stays cheap) -------

    @cached_property
    def chat(self) -> AsyncChat:
        """Chat completions: ``complete``, ``stream``."""
        from ..resources.chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def fim(self) -> AsyncFim:
        """Fill-in-the-middle code completion: ``complete``, ``stream``."""
        from ..resources.fim import AsyncFim

        return AsyncFim(self)

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:
        """Embeddings: ``create``."""
        from ..resources.embeddings import AsyncEmbeddings

        return AsyncEmbeddings(self)

    @cached_property
    def models(self) -> AsyncModels:
        """Models: ``list``, ``retrieve``, ``delete``; fine-tuned ``update``, ``archive``..."""
        from ..resources.models import AsyncModels

        return AsyncModels(self)

    @cached_property
    def classifiers(self) -> AsyncClassifiers:
        """Moderation and classification: ``moderate``, ``moderate_chat``, ``classify``..."""
        from ..resources.classifiers import AsyncClassifiers

        return AsyncClassifiers(self)

    @cached_property
    def files(self) -> AsyncFiles:
        """Files: ``upload``, ``list``, ``retrieve``, ``delete``, ``download``..."""
        from ..resources.files import AsyncFiles

        return AsyncFiles(self)

    @cached_property
    def fine_tuning(self) -> AsyncFineTuning:
        """Fine-tuning: ``fine_tuning.jobs.create``, ``list``, ``get``, ``cancel``, ``start``."""
        from ..resources.fine_tuning import AsyncFineTuning

        return AsyncFineTuning(self)

    @cached_property
    def batch(self) -> AsyncBatch:
        """Batch inference: ``batch.jobs.create``, ``list``, ``get``, ``cancel``."""
        from ..resources.batch import AsyncBatch

        return AsyncBatch(self)

    @cached_property
    def ocr(self) -> AsyncOcr:
        """OCR: ``process``."""
        from ..resources.ocr import AsyncOcr

        return AsyncOcr(self)

    @cached_property
    def audio(self) -> AsyncAudio:
        """Audio: ``audio.transcriptions``, ``audio.speech``, ``audio.voices``."""
        from ..resources.audio import AsyncAudio

        return AsyncAudio(self)

    @cached_property
    def beta(self) -> AsyncBeta:
        """The beta areas: ``beta.conversations``, ``beta.agents``, ``beta.libraries``."""
        from ..resources.beta import AsyncBeta

        return AsyncBeta(self)

    @cached_property
    def agents(self) -> AsyncAgentsCompletions:
        """Agents completions (deprecated by the API): ``complete``, ``stream``."""
        from ..resources.agents import AsyncAgentsCompletions

        return AsyncAgentsCompletions(self)

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (unless the ``http_client`` was supplied by the caller)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_http and self._http_clients is not None:
            await self._http_clients.aclose()

    @property
    def is_closed(self) -> bool:
        return self._closed or self._http.is_closed

    def _ensure_open(self) -> None:
        if self.is_closed:
            raise ClientClosedError(
                "This client has been closed; create a new AsyncMistral to send requests."
            )

    def with_options(self, **overrides: Unpack[ClientOverrides]) -> Self:
        """A client with some options changed that shares this one's connection pool.

        Each option left out keeps this client's value; one given means what it means to the
        constructor (``max_concurrency=None``: no limit, ``timeout=None``: no timeout), except
        ``default_headers``, which are added to this client's. The new client shares this
        client's concurrency limit unless ``max_concurrency`` is given. Closing it does not
        close the shared pool; closing this client does.
        """
        unknown = overrides.keys() - ClientOverrides.__optional_keys__
        if unknown:
            raise TypeError(f"with_options() got unexpected keyword arguments: {sorted(unknown)}")
        options: ClientOverrides = {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "deadline": self.deadline,
            "max_response_bytes": self.max_response_bytes,
            "max_event_bytes": self.max_event_bytes,
            "retry": self.retry,
            "hooks": self.hooks,
            "trace_content": self.trace_content,
            "usage_tracker": self.usage_tracker,
            "cache": self.cache,
        }
        # retry= or its short form: max_retries= alone changes only the count of this policy.
        check_retry_options(overrides.get("retry"), overrides.get("max_retries"))
        options.update(overrides)
        retries = overrides.get("max_retries")
        if retries is not None:
            options["retry"] = self.retry.with_max_retries(retries)
            del options["max_retries"]
        options["default_headers"] = {
            **self._default_headers,
            **(overrides.get("default_headers") or {}),
        }
        if isinstance(options["usage_tracker"], NotGiven):
            options["usage_tracker"] = self.usage_tracker
        if isinstance(options["timeout"], NotGiven):
            options["timeout"] = self.timeout
        proxy = options.pop("proxy", self._proxy)
        trust_env = options.pop("trust_env", self._trust_env)
        http = self._http
        if "proxy" in overrides or "trust_env" in overrides:  # another route: another pool
            if self._http_clients is None:
                name = "proxy" if "proxy" in overrides else "trust_env"
                raise ArgumentError(name, "cannot be chosen with http_client, which routes itself")
            http = self._http_clients.get(proxy, trust_env)
        new = type(self)(**options, http_client=http)
        new._http_clients, new._proxy, new._trust_env = self._http_clients, proxy, trust_env
        if "max_concurrency" not in overrides:
            new._limiter = self._limiter
        return new

    # -- the pipeline ------------------------------------------------------------------------

    def _policy(self, options: RequestOptions) -> RetryPolicy:
        if not options:
            return self.retry
        return resolve_policy(self.retry, options.get("retry"), options.get("max_retries"))

    async def _send(
        self,
        request: APIRequest,
        options: RequestOptions,
        *,
        stream: bool,
        deadline: Deadline | None = None,
        retries_taken: int = 0,
    ) -> tuple[httpx.Response, ResponseInfo]:
        """Send with retries (the slot is the caller's: see :meth:`_open`); return a successful
        response and what is known of it.

        With ``stream=True`` the body is left unread and the caller must close the response;
        otherwise it has been read and the connection released. A stream's ``deadline`` is
        the caller's, for the stream's whole life; a reply read whole gets its own per attempt.
        """
        self._ensure_open()
        policy = self._policy(options)
        per_attempt = None if stream else options.get("deadline", self.deadline)
        check_optional_seconds("deadline", per_attempt)
        http_request = self._builder.build(request, options, stream=stream)
        keys = self._key_source
        if keys is not None and keys.applies(options):
            await keys.authorize(http_request)  # before the cache, whose entries are per key
        # None unless a hook is set or DEBUG is on: then the loop below skips both at no cost.
        watch = AttemptWatch.of(self.hooks, options.get("hooks"), request.path, stream)
        cached = self.cache.entry(http_request) if self.cache is not None else None
        if cached is not None and (hit := await cached.load()) is not None:
            if watch is not None:
                watch.cached(http_request, hit)
            return hit, ResponseInfo.of(hit, 0, from_cache=True)
        retries = retries_taken
        while True:
            if watch is not None:
                await watch.before(http_request, retries)  # a hook's error ends the call
            if not stream:
                deadline = Deadline.start(per_attempt)
            failure: httpx.RequestError | None = None
            # Bound when no failure was caught (type checkers cannot follow that on their own).
            response: httpx.Response | None = None
            content = b""
            with Deadline.scope(deadline) as scope:
                try:
                    # Always sent streamed: a body is read here, counted against its bound
                    # (both readers close the response however they end).
                    response = await self._http.send(http_request, stream=True)
                    if not response.is_success:
                        content = await read_error_body(response)
                    elif not stream:
                        limit = self._bound("max_response_bytes", options.get("max_response_bytes"))
                        await read_bounded(response, limit, retries)
                except httpx.RequestError as exc:
                    failure = exc
                except RuntimeError as exc:
                    if self._http.is_closed:
                        raise ClientClosedError(
                            "The HTTP client of this client was closed."
                        ) from exc
                    raise
            if scope.cancelled_caught:
                assert deadline is not None
                failure = deadline.failure(http_request)
            if watch is not None:
                await self._after(watch, None if failure is not None else response, failure)
            if failure is not None:
                # A stream's deadline is for its whole life: no attempt fits after it.
                final = stream and scope.cancelled_caught
                delay = None if final else next_delay(failure, retries, policy)
                if delay is None:
                    error = transport_error(failure, http_request, retries)
                    log_failure(http_request, error, retries)
                    raise error from (None if final else failure)
                log_retry(http_request, failure, delay, retries + 1, policy.max_retries)
            else:
                assert response is not None
                if response.is_success:
                    if cached is not None:
                        response = await cached.save(response)
                    return response, ResponseInfo.of(response, retries)
                status = response.status_code
                delay = next_delay(status, retries, policy, response.headers)
                if delay is None:
                    error = status_error(
                        status,
                        content=content,
                        headers=response.headers,
                        request=http_request,
                        retries=retries,
                    )
                    log_failure(http_request, error, retries)
                    raise error
                log_retry(http_request, status, delay, retries + 1, policy.max_retries)
            await anyio.sleep(delay)
            retries += 1
            if keys is not None and keys.applies(options):
                await keys.authorize(http_request)  # every attempt asks again

    @staticmethod
    async def _after(
        watch: AttemptWatch, response: httpx.Response | None, failure: Exception | None
    ) -> None:
        """The after-attempt hooks; an open (stream) response is closed if one raises."""
        try:
            await watch.after(response, failure)
        except BaseException:
            if response is not None and not response.is_closed:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
            raise

    def _bound(self, name: str, given: int | None) -> int:
        """A size bound for one call: ``given`` per call, else the client's."""
        if given is not None:
            return check_size(name, given)
        default: int = getattr(self, name)
        return default

    async def _open(
        self,
        request: APIRequest,
        options: RequestOptions,
        *,
        stream: bool,
        deadline: Deadline | None = None,
    ) -> Exchange:
        """The one way a request goes out: take a concurrency slot, send with retries, and
        return the ``Exchange`` that holds the slot until it is closed.

        The slot is freed here if sending fails or is cancelled, and by the exchange otherwise.
        ``deadline`` is a stream's (see :mod:`.deadline`); the wait for a slot is not under it.
        """
        # The call's span (None unless OpenTelemetry is in use) covers the wait for a slot.
        span = start_span(self.base_url, request, stream=stream, content=self.trace_content)
        limiter = self._limiter
        try:
            await limiter.acquire()
        except BaseException as exc:
            if span is not None:
                span.fail(exc)
            raise
        try:
            response, info = await self._send(request, options, stream=stream, deadline=deadline)
        except BaseException as exc:
            limiter.release()
            if span is not None:
                span.fail(exc)
            raise
        return Exchange(self, request, options, limiter, response, info, deadline, span)

    @overload
    async def _request(
        self, request: APIRequest, cast_to: None, options: RequestOptions
    ) -> None: ...
    @overload
    async def _request(
        self, request: APIRequest, cast_to: type[T], options: RequestOptions
    ) -> T: ...
    @overload
    async def _request(self, request: APIRequest, cast_to: Any, options: RequestOptions) -> Any: ...
    async def _request(self, request: APIRequest, cast_to: Any, options: RequestOptions) -> Any:
        """Send a request and read its reply as ``cast_to`` (see :func:`.replies.parse_reply`:
        a response model, any type pydantic reads, parsed JSON, bytes, or ``None``)."""
        # Here, not at the top: importing the client must not load pydantic (the models and
        # their machinery load with the first call). A cached import costs well under 1 µs.
        from .replies import parse_reply

        try:
            exchange = await self._open(request, options, stream=False)
        finally:
            if request.files:
                close_parts(request.files)  # the files a multipart request opened, if any
        # The reply has been read, so the slot is freed before parsing. Nothing can raise
        # between the two awaits, and the close is shielded from cancellation.
        span = exchange.take_span()  # ended once the model is read, not when the slot is freed
        await exchange.aclose()
        try:
            reply = parse_reply(exchange.response, cast_to, exchange.info)
        except APIResponseValidationError as error:
            if span is not None:
                span.fail(error, exchange.info)
            raise
        if span is not None:
            span.finish(reply, exchange.info)
        if self.usage_tracker is not None and reply is not None:
            self.usage_tracker.observe(reply, request.path)
        return reply

    # -- any endpoint ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        cast_to: Any = object,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """Call any endpoint of the API through the same pipeline as every other call
        (authentication, retries, the concurrency limit, deadlines, typed errors).

        :param method: ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``...
        :param path: the path on the base URL, as in the API reference (``/v1/workflows``).
        :param json: a JSON body; :param params: the query (``None`` values left out, lists
            repeated); :param data: form fields of a ``multipart/form-data`` body, with
            :param files: ``{field: file}``, a file being a path (opened when sent), bytes, a
            binary file object or ``(file name, content[, media type])``.
        :param cast_to: what to read the reply into: a pydantic model, any type pydantic reads
            (``list[Agent]``), ``object``/``dict``/``list`` for the parsed JSON (the default;
            an empty reply reads as ``None``), ``bytes`` for the raw body, ``str``, or ``None``
            to read no body (a 204).
        """
        from .raw import raw_request
        from .replies import check_cast_to

        check_cast_to(cast_to)
        request, call_options = raw_request(
            method, path, json=json, params=params, files=files, data=data, kwargs=options
        )
        return await self._request(request, cast_to, call_options)

    def request_stream(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        idle_timeout: float | None = None,
        **options: Unpack[RequestOptions],
    ) -> RawEventStream:
        """The server-sent events of any streaming endpoint, as ``StreamEvent(event, data,
        id)`` with ``data`` parsed as JSON; use with ``async with`` and/or ``async for``.

        Nothing is sent until it is used. It ends at ``[DONE]`` or when the connection closes;
        an ``error`` (or ``conversation.response.error``) event raises ``StreamError``. Retried
        only before the first event; ``break`` or cancellation closes it. The arguments are
        :meth:`request`'s; ``idle_timeout`` as for the other streams.
        """
        from .event_streams import RawEventStream
        from .raw import raw_request

        request, call_options = raw_request(
            method, path, json=json, params=params, files=files, data=data, kwargs=options
        )
        idle = check_optional_seconds("idle_timeout", idle_timeout)
        return RawEventStream(self, request, call_options, idle_timeout=idle)
