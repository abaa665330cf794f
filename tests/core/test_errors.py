"""Errors travel: every error type pickles, unpickles and copies, and none carries the API key.

Task queues, multiprocessing and ``ProcessPoolExecutor`` pickle exceptions, and log handlers and
brokers keep what they receive, so an error must survive the trip and must not take the key along.
"""

from __future__ import annotations

import copy
import importlib
import multiprocessing
import pickle
import pkgutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import anyio.to_thread
import httpx
import pytest
from pydantic import BaseModel

import mistral_async
from mistral_async import AsyncMistral, BadRequestError, MistralError, RateLimitError
from mistral_async._core.errors import status_error, stream_error, transport_error
from mistral_async._core.replies import parse_reply as parse_response
from mistral_async._core.response_info import ResponseInfo
from mistral_async._structured import output_type
from mistral_async._sync.portal import ForkedClientError
from mistral_async.testing import LocalServer
from mistral_async.tools import function_tool
from mistral_async.types.batch import BatchJobOut
from mistral_async.types.chat import ChatCompletionResponse

KEY = "sk-distinctive-123"
URL = "http://127.0.0.1:9/v1/chat/completions"
REPLY_HEADERS = {
    "content-type": "application/json",
    "x-request-id": "req-42",
    "retry-after": "3",
}
ERROR_BODY = {"object": "error", "type": "invalid_model", "code": "1500", "message": "no model"}


def keyed_request() -> httpx.Request:
    """A request as the pipeline sends it: the key in ``Authorization``, a JSON body read."""
    return httpx.Request(
        "POST", URL, headers={"Authorization": f"Bearer {KEY}"}, json={"model": "m"}
    )


def completion(finish_reason: str, content: str) -> ChatCompletionResponse:
    return ChatCompletionResponse.model_validate(
        {
            "id": "cmpl-1",
            "object": "chat.completion",
            "model": "mistral-small-latest",
            "created": 1,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
    )


class Answer(BaseModel):
    value: int


def caught(call: Callable[[], object]) -> MistralError:
    """The error a real builder raises (rather than returns)."""
    with pytest.raises(MistralError) as info:
        call()
    return info.value


def reply_with_retries(response: httpx.Response, retries: int) -> object:
    return parse_response(response, ChatCompletionResponse, ResponseInfo.of(response, retries))


def status(code: int) -> Callable[[httpx.Request], MistralError]:
    def build(request: httpx.Request) -> MistralError:
        content = httpx.Response(code, json=ERROR_BODY).content
        headers = httpx.Headers(REPLY_HEADERS)
        return status_error(code, content=content, headers=headers, request=request, retries=2)

    return build


# Each error type, built the way the package builds it (the real builders where there is one).
BUILDERS: dict[type[MistralError], Callable[[httpx.Request], MistralError]] = {
    mistral_async.MistralError: lambda r: MistralError("something went wrong"),
    mistral_async.ArgumentError: lambda r: mistral_async.ArgumentError(
        "messages[1].content", "must be a string"
    ),
    mistral_async.ToolDefinitionError: lambda r: caught(lambda: function_tool(42)),  # type: ignore[arg-type]
    mistral_async.StrictSchemaError: lambda r: caught(lambda: output_type(42)),  # type: ignore[arg-type]
    mistral_async.MissingAPIKeyError: lambda r: mistral_async.MissingAPIKeyError("no key"),
    mistral_async.MissingResponseInfoError: lambda r: mistral_async.MissingResponseInfoError(
        "built in code"
    ),
    mistral_async.ClientClosedError: lambda r: mistral_async.ClientClosedError("closed"),
    mistral_async.SyncInEventLoopError: lambda r: mistral_async.SyncInEventLoopError("in loop"),
    ForkedClientError: lambda r: ForkedClientError("forked"),
    mistral_async.JobWaitTimeoutError: lambda r: mistral_async.JobWaitTimeoutError(
        "Job job-1 is still RUNNING after 5 s of waiting.",
        BatchJobOut.model_construct(
            id="job-1", status="RUNNING", endpoint="/v1/chat/completions", created_at=1
        ),
    ),
    mistral_async.BatchInputError: lambda r: mistral_async.BatchInputError(
        "not JSON", line=3, path="in.jsonl"
    ),
    mistral_async.DuplicateCustomIDError: lambda r: mistral_async.DuplicateCustomIDError(
        "custom_id 'a' again", line=4, path="in.jsonl"
    ),
    mistral_async.BatchOutputError: lambda r: mistral_async.BatchOutputError("bad line 2"),
    mistral_async.StructuredOutputError: lambda r: mistral_async.StructuredOutputError(
        "no parsed output", raw_text="{}", completion=completion("stop", "{}")
    ),
    mistral_async.LengthFinishReasonError: lambda r: caught(
        lambda: output_type(Answer).parse(completion("length", '{"val'))
    ),
    mistral_async.ContentFilterFinishReasonError: lambda r: caught(
        lambda: output_type(Answer).parse(completion("content_filter", ""))
    ),
    mistral_async.ParseError: lambda r: caught(
        lambda: output_type(Answer).parse(completion("stop", '{"value": "x"}'))
    ),
    mistral_async.APIError: lambda r: mistral_async.APIError(
        "the batch job reported an error", request=r, body={"message": "x"}, retries=1
    ),
    mistral_async.APIConnectionError: lambda r: transport_error(
        httpx.ConnectError("refused", request=r), r, 2
    ),
    mistral_async.APITimeoutError: lambda r: transport_error(
        httpx.ReadTimeout("slow", request=r), r, 1
    ),
    mistral_async.StreamIdleTimeoutError: lambda r: mistral_async.StreamIdleTimeoutError(
        f"no event for 1 s on {r.method} {r.url}", request=r, retries=0
    ),
    mistral_async.APIResponseValidationError: lambda r: caught(
        lambda: reply_with_retries(
            httpx.Response(200, json={"id": 1}, headers=REPLY_HEADERS, request=r), 1
        )
    ),
    mistral_async.ResponseTooLargeError: lambda r: mistral_async.ResponseTooLargeError(
        f"The reply is larger than max_response_bytes=10 bytes on {r.method} {r.url}",
        limit=10,
        request=r,
        retries=0,
    ),
    mistral_async.StreamError: lambda r: stream_error(
        ERROR_BODY, status_code=200, headers=httpx.Headers(REPLY_HEADERS), request=r, retries=0
    ),
    mistral_async.APIStatusError: status(418),
    mistral_async.BadRequestError: status(400),
    mistral_async.AuthenticationError: status(401),
    mistral_async.PermissionDeniedError: status(403),
    mistral_async.NotFoundError: status(404),
    mistral_async.ConflictError: status(409),
    mistral_async.UnprocessableEntityError: status(422),
    mistral_async.RateLimitError: status(429),
    mistral_async.InternalServerError: status(503),
}


def error_types() -> set[type[BaseException]]:
    """Every exception class the SDK defines: the public names and every module's attributes.

    ``mistral_async.testing`` is left out: its exceptions are the local server's own, never
    raised to a caller of the SDK. ``__main__`` modules run the CLI when imported.
    """
    modules = [mistral_async]
    for info in pkgutil.walk_packages(mistral_async.__path__, "mistral_async."):
        if not info.name.startswith("mistral_async.testing") and not info.name.endswith("__main__"):
            modules.append(importlib.import_module(info.name))
    return {
        obj
        for module in modules
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseException)
        and obj.__module__.startswith("mistral_async")
        and not obj.__module__.startswith("mistral_async.testing")
        # The transport's own httpx exceptions never reach a caller: the client wraps them.
        and not issubclass(obj, httpx.HTTPError)
    }


def test_every_error_type_is_in_the_table() -> None:
    # A new error type fails here until it has a row, and so gets the pickling tests below.
    types = error_types()
    assert {t for t in types if not issubclass(t, MistralError)} == set()
    assert types == set(BUILDERS)


def built() -> Iterator[tuple[type[MistralError], MistralError]]:
    for cls, build in BUILDERS.items():
        request = keyed_request()
        error = build(request)
        assert type(error) is cls, (cls, type(error))
        assert request.headers["authorization"] == f"Bearer {KEY}"  # the original is untouched
        yield cls, error


def same(a: Any, b: Any) -> bool:
    """Equal-looking: requests by method, URL, headers and body; anything else by value or repr."""
    if isinstance(a, httpx.Request) and isinstance(b, httpx.Request):
        return (a.method, a.url, a.headers, a.content) == (b.method, b.url, b.headers, b.content)
    return bool(a == b) or repr(a) == repr(b)


def assert_alike(copied: MistralError, original: MistralError) -> None:
    assert type(copied) is type(original)
    assert copied.args == original.args
    assert str(copied) == str(original)
    assert repr(copied) == repr(original)
    assert vars(copied).keys() == vars(original).keys()
    for name, value in vars(original).items():
        assert same(getattr(copied, name), value), name


def assert_no_key(error: MistralError) -> None:
    for text in (str(error), repr(error), repr(vars(error))):
        assert KEY not in text
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert KEY.encode() not in pickle.dumps(error, protocol)
    request = getattr(error, "request", None)
    if request is not None:
        assert not any(KEY in value for value in request.headers.values())
        assert request.headers["authorization"] == "Bearer ***"


@pytest.mark.parametrize("cls", list(BUILDERS), ids=lambda cls: cls.__name__)
def test_error_pickles_with_every_protocol_and_without_the_key(cls: type[MistralError]) -> None:
    error = BUILDERS[cls](keyed_request())
    assert_no_key(error)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        restored = pickle.loads(pickle.dumps(error, protocol))
        assert_alike(restored, error)
        assert_no_key(restored)


def test_errors_copy_and_deepcopy() -> None:
    for _, error in built():
        for copied in (copy.copy(error), copy.deepcopy(error)):
            assert_alike(copied, error)
            assert_no_key(copied)


def test_api_errors_keep_what_callers_read() -> None:
    for cls, error in built():
        if not issubclass(cls, mistral_async.APIError) or cls is mistral_async.APIError:
            continue
        assert isinstance(error, mistral_async.APIError)
        restored = pickle.loads(pickle.dumps(error))
        assert restored.request is not None
        assert (restored.request.method, str(restored.request.url)) == ("POST", URL)
        assert restored.request.content == b'{"model":"m"}'
        assert restored.retries == error.retries
        if isinstance(error, mistral_async.APIStatusError | mistral_async.StreamError):
            assert isinstance(restored, mistral_async.APIStatusError | mistral_async.StreamError)
            assert restored.status_code == error.status_code
            assert restored.type == "invalid_model"
            assert restored.request_id == "req-42"
            assert restored.body == ERROR_BODY
            assert restored.headers["retry-after"] == "3"


def test_a_response_kept_on_an_error_is_masked_too() -> None:
    request = keyed_request()
    error: Any = mistral_async.APIError("kept a response", request=request)
    error.response = httpx.Response(500, text="boom", request=request)
    for seen in (error, pickle.loads(pickle.dumps(error)), copy.deepcopy(error)):
        assert seen.response.request.headers["authorization"] == "Bearer ***"
        assert seen.response.text == "boom"
        assert KEY.encode() not in pickle.dumps(seen)
    assert request.headers["authorization"] == f"Bearer {KEY}"


# -- end to end: real replies from the local server, through a process pool and back ---------


def raise_in_worker(error: BaseException) -> None:
    """Runs in the worker process: the error arrived by pickle and goes back by pickle."""
    raise error


@pytest.fixture(scope="module")
def worker() -> Iterator[ProcessPoolExecutor]:
    # spawn: a fresh interpreter that shares nothing with this one but what is pickled.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.mark.anyio
async def test_real_errors_cross_a_process_pool(
    server: LocalServer, worker: ProcessPoolExecutor
) -> None:
    server.faults.add("status", status=429, headers={"retry-after": "7"})
    messages = [{"role": "user", "content": "hi"}]
    async with AsyncMistral(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(RateLimitError) as limited:
            await client.chat.complete(model="mistral-small-latest", messages=messages)
        with pytest.raises(BadRequestError) as missing:
            await client.chat.complete(model="no-such-model", messages=messages)
    for original in (limited.value, missing.value):
        assert_no_key(original)
        future = worker.submit(raise_in_worker, original)
        with pytest.raises(type(original)) as info:
            await anyio.to_thread.run_sync(future.result, 60)
        back = info.value
        assert str(back) == str(original)
        assert (back.status_code, back.request_id, back.body) == (
            original.status_code,
            original.request_id,
            original.body,
        )
        assert back.request is not None
        assert original.request is not None
        assert (back.request.method, back.request.url) == (
            original.request.method,
            original.request.url,
        )
        assert_no_key(back)
    assert limited.value.retry_after == "7"
