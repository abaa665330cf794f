"""mistral_async: an async-first Python SDK for the Mistral AI API.

``AsyncMistral`` is the client; ``Mistral`` is the same client for blocking code.

The layers, each a folder; imports go down only (docs/architecture.md has the rules):

    cli/          the ``mistral-async`` command: demo, batch
    _batch/       the batch runner: pacing, token estimates, JSONL runs, the Batch API backend
    conversation, embeddings_utils    helpers that take either client
    _sync/        ``Mistral``: the async core run on a portal thread; views in one leaf module
    resources/    one module per API area: check arguments, describe the request, name the model
    tools, _structured, cache, usage  helpers the resources and the client use
    _core/        ``AsyncMistral`` and its one pipeline: options, request, transport, retry,
                  limits, errors, response info, pagination, held responses, streams, downloads
    types/        the pydantic models, named as in the OpenAPI file
    testing/      a local Mistral-compatible server, for tests; imports only ``types``

Public names are imported on first use (PEP 562), so that importing the package costs little
more than its dependencies. The ``TYPE_CHECKING`` block below is the only list of them: the
lazy look-up and ``__all__`` are read from it when the package is imported.
"""

from __future__ import annotations

import re as _re
import sys as _sys
from importlib import import_module as _import_module
from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._version import __version__ as __version__

if _TYPE_CHECKING:
    from ._batch.items import BatchItem as BatchItem
    from ._batch.items import BatchResult as BatchResult
    from ._batch.items import RunnerOptions as RunnerOptions
    from ._batch.jsonl import BatchFileSummary as BatchFileSummary
    from ._batch.progress import BatchProgress as BatchProgress
    from ._batch.progress import ProgressPrinter as ProgressPrinter
    from ._batch.runner import BatchRun as BatchRun
    from ._batch.runner import BatchRunner as BatchRunner
    from ._batch.sync_runner import SyncBatchRunner as SyncBatchRunner
    from ._core.client import AsyncMistral as AsyncMistral
    from ._core.download import FileDownload as FileDownload
    from ._core.errors import APIConnectionError as APIConnectionError
    from ._core.errors import APIError as APIError
    from ._core.errors import APIResponseValidationError as APIResponseValidationError
    from ._core.errors import APIStatusError as APIStatusError
    from ._core.errors import APITimeoutError as APITimeoutError
    from ._core.errors import ArgumentError as ArgumentError
    from ._core.errors import AuthenticationError as AuthenticationError
    from ._core.errors import BadRequestError as BadRequestError
    from ._core.errors import BatchInputError as BatchInputError
    from ._core.errors import BatchOutputError as BatchOutputError
    from ._core.errors import ClientClosedError as ClientClosedError
    from ._core.errors import ConflictError as ConflictError
    from ._core.errors import ContentFilterFinishReasonError as ContentFilterFinishReasonError
    from ._core.errors import DuplicateCustomIDError as DuplicateCustomIDError
    from ._core.errors import InternalServerError as InternalServerError
    from ._core.errors import JobWaitTimeoutError as JobWaitTimeoutError
    from ._core.errors import LengthFinishReasonError as LengthFinishReasonError
    from ._core.errors import MissingAPIKeyError as MissingAPIKeyError
    from ._core.errors import MissingResponseInfoError as MissingResponseInfoError
    from ._core.errors import MistralError as MistralError
    from ._core.errors import NotFoundError as NotFoundError
    from ._core.errors import ParseError as ParseError
    from ._core.errors import PermissionDeniedError as PermissionDeniedError
    from ._core.errors import RateLimitError as RateLimitError
    from ._core.errors import ResponseTooLargeError as ResponseTooLargeError
    from ._core.errors import StreamError as StreamError
    from ._core.errors import StreamIdleTimeoutError as StreamIdleTimeoutError
    from ._core.errors import StrictSchemaError as StrictSchemaError
    from ._core.errors import StructuredOutputError as StructuredOutputError
    from ._core.errors import SyncInEventLoopError as SyncInEventLoopError
    from ._core.errors import ToolDefinitionError as ToolDefinitionError
    from ._core.errors import UnprocessableEntityError as UnprocessableEntityError
    from ._core.event_streams import ConversationEventStream as ConversationEventStream
    from ._core.event_streams import RawEventStream as RawEventStream
    from ._core.event_streams import SpeechStream as SpeechStream
    from ._core.event_streams import StreamEvent as StreamEvent
    from ._core.event_streams import TranscriptionStream as TranscriptionStream
    from ._core.hooks import Attempt as Attempt
    from ._core.hooks import Hooks as Hooks
    from ._core.http_client import async_http_client as async_http_client
    from ._core.limits import RateLimitInfo as RateLimitInfo
    from ._core.logs import set_log_level as set_log_level
    from ._core.options import RequestOptions as RequestOptions
    from ._core.pagination import AsyncCursorPaginator as AsyncCursorPaginator
    from ._core.pagination import AsyncPaginator as AsyncPaginator
    from ._core.response_info import ResponseInfo as ResponseInfo
    from ._core.retry import RetryPolicy as RetryPolicy
    from ._core.streaming import AsyncStream as AsyncStream
    from ._core.streaming import ChatCompletionStream as ChatCompletionStream
    from ._structured import ParsedChatCompletion as ParsedChatCompletion
    from ._structured import ParsedChatCompletionStream as ParsedChatCompletionStream
    from ._sync.client import Mistral as Mistral
    from ._sync.portal import ForkedClientError as ForkedClientError
    from ._sync.views import SyncBatchRun as SyncBatchRun
    from ._sync.views import SyncChatCompletionStream as SyncChatCompletionStream
    from ._sync.views import SyncConversationEventStream as SyncConversationEventStream
    from ._sync.views import SyncConversationRunStream as SyncConversationRunStream
    from ._sync.views import SyncConversationSteps as SyncConversationSteps
    from ._sync.views import SyncFileDownload as SyncFileDownload
    from ._sync.views import SyncPaginator as SyncPaginator
    from ._sync.views import SyncParsedChatCompletionStream as SyncParsedChatCompletionStream
    from ._sync.views import SyncSpeechStream as SyncSpeechStream
    from ._sync.views import SyncStream as SyncStream
    from ._sync.views import SyncToolSteps as SyncToolSteps
    from ._sync.views import SyncTranscriptionStream as SyncTranscriptionStream
    from .cache import CacheStats as CacheStats
    from .cache import CacheStore as CacheStore
    from .cache import InMemoryCacheStore as InMemoryCacheStore
    from .cache import ResponseCache as ResponseCache
    from .conversation import Conversation as Conversation
    from .conversation import ConversationStore as ConversationStore
    from .conversation import ConversationStream as ConversationStream
    from .resources.conversation_run import ConversationRun as ConversationRun
    from .resources.conversation_run import ConversationRunStream as ConversationRunStream
    from .resources.conversation_run import ConversationStep as ConversationStep
    from .resources.conversation_run import ConversationSteps as ConversationSteps
    from .tools import FunctionTool as FunctionTool
    from .tools import ToolResult as ToolResult
    from .tools import ToolRun as ToolRun
    from .tools import ToolStep as ToolStep
    from .tools import ToolSteps as ToolSteps
    from .tools import function_tool as function_tool
    from .usage import ModelPrice as ModelPrice
    from .usage import PriceTable as PriceTable
    from .usage import UsageRecord as UsageRecord
    from .usage import UsageSummary as UsageSummary
    from .usage import UsageTracker as UsageTracker


def _read_exports() -> dict[str, str]:
    """Each public name and the module that defines it, from the block above.

    Reading this file's own lines (about 0.1 ms) keeps one list; the package's tests check
    that it matches what the type checker reads (every line is ``from ._x import Y as Y``).
    """
    get_source = getattr(__spec__.loader, "get_source", None)  # every loader of source files
    source = get_source(__name__) if get_source is not None else None
    if not isinstance(source, str):
        raise ImportError("mistral_async needs its source files (its __init__.py lists its names)")
    block = source.split("if _TYPE_CHECKING:\n", 1)[1].split("\n\n", 1)[0]
    line = _re.compile(r"    from (\.[\w.]+) import (\w+) as \2")
    return {m[2]: m[1] for m in map(line.fullmatch, block.splitlines()) if m is not None}


_MODULE_OF = _read_exports()
_PUBLISHED: set[str] = set()  # modules whose public names say mistral_async already

# Type checkers read the public names from the ``X as X`` imports above (the re-export form),
# not from this computed list, which they cannot evaluate.
__all__ = sorted([*_MODULE_OF, "__version__"])  # pyright: ignore[reportUnsupportedDunderAll]


def _publish() -> None:
    """Name ``mistral_async`` as the module of every public name loaded so far (as httpx does):
    reprs and tracebacks show ``mistral_async.RateLimitError``, where users import it from,
    and pickle, which finds a class by ``__module__``, gets it back from here."""
    for name, module in _MODULE_OF.items():
        loaded = _sys.modules.get(__name__ + module)
        if loaded is None or module in _PUBLISHED:
            continue
        value = getattr(loaded, name)
        if getattr(value, "__module__", None) == loaded.__name__:
            value.__module__ = __name__
    _PUBLISHED.update(m for m in _MODULE_OF.values() if __name__ + m in _sys.modules)


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(module, __name__), name)
    _publish()
    globals()[name] = value  # the next look-up is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
