"""mistral_async: an async-first Python SDK for the Mistral AI API.

``AsyncMistral`` is the client; ``Mistral`` is the same client for blocking code.

Public names are imported on first use (PEP 562), so that importing the package costs little
more than its dependencies: the models, resources and helpers load when they are needed.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._version import __version__

if _TYPE_CHECKING:
    from ._batch.items import BatchItem, BatchResult, RunnerOptions
    from ._batch.jsonl import BatchFileSummary
    from ._batch.progress import BatchProgress, ProgressPrinter
    from ._batch.runner import BatchRun, BatchRunner
    from ._batch.sync_runner import SyncBatchRun, SyncBatchRunner
    from ._core.client import AsyncMistral
    from ._core.download import FileDownload, SyncFileDownload
    from ._core.errors import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        ArgumentError,
        AuthenticationError,
        BadRequestError,
        BatchInputError,
        BatchOutputError,
        ClientClosedError,
        ConflictError,
        ContentFilterFinishReasonError,
        DuplicateCustomIDError,
        InternalServerError,
        JobWaitTimeoutError,
        LengthFinishReasonError,
        MissingAPIKeyError,
        MistralError,
        NotFoundError,
        ParseError,
        PermissionDeniedError,
        RateLimitError,
        ResponseTooLargeError,
        StreamError,
        StreamIdleTimeoutError,
        StrictSchemaError,
        StructuredOutputError,
        SyncInEventLoopError,
        ToolDefinitionError,
        UnprocessableEntityError,
    )
    from ._core.limits import RateLimitInfo
    from ._core.options import RequestOptions
    from ._core.pagination import AsyncPaginator, SyncPaginator
    from ._core.response_info import ResponseInfo
    from ._core.retry import RetryPolicy
    from ._core.streaming import AsyncStream, ChatCompletionStream
    from ._structured import (
        ParsedChatCompletion,
        ParsedChatCompletionStream,
        SyncParsedChatCompletionStream,
    )
    from ._sync.client import Mistral, SyncChatCompletionStream, SyncStream
    from .cache import CacheStats, CacheStore, InMemoryCacheStore, ResponseCache
    from .conversation import Conversation, ConversationStore, ConversationStream
    from .tools import (
        FunctionTool,
        SyncToolSteps,
        ToolResult,
        ToolRun,
        ToolStep,
        ToolSteps,
        function_tool,
    )
    from .usage import ModelPrice, UsageRecord, UsageSummary, UsageTracker

# Where each public name is defined; keep in step with the imports above and __all__.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "._batch.items": ("BatchItem", "BatchResult", "RunnerOptions"),
    "._core.client": ("AsyncMistral",),
    "._core.download": (
        "FileDownload",
        "SyncFileDownload",
    ),
    "._core.errors": (
        "APIConnectionError",
        "APIError",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
        "ArgumentError",
        "AuthenticationError",
        "BadRequestError",
        "BatchInputError",
        "BatchOutputError",
        "ClientClosedError",
        "ConflictError",
        "ContentFilterFinishReasonError",
        "DuplicateCustomIDError",
        "InternalServerError",
        "JobWaitTimeoutError",
        "LengthFinishReasonError",
        "MissingAPIKeyError",
        "MistralError",
        "NotFoundError",
        "ParseError",
        "PermissionDeniedError",
        "RateLimitError",
        "ResponseTooLargeError",
        "StreamError",
        "StreamIdleTimeoutError",
        "StrictSchemaError",
        "StructuredOutputError",
        "SyncInEventLoopError",
        "ToolDefinitionError",
        "UnprocessableEntityError",
    ),
    "._batch.jsonl": ("BatchFileSummary",),
    "._core.limits": ("RateLimitInfo",),
    "._core.options": ("RequestOptions",),
    "._core.pagination": (
        "AsyncPaginator",
        "SyncPaginator",
    ),
    "._batch.progress": (
        "BatchProgress",
        "ProgressPrinter",
    ),
    "._core.retry": ("RetryPolicy",),
    "._batch.runner": ("BatchRun", "BatchRunner"),
    "._core.streaming": (
        "AsyncStream",
        "ChatCompletionStream",
    ),
    "._structured": (
        "ParsedChatCompletion",
        "ParsedChatCompletionStream",
        "SyncParsedChatCompletionStream",
    ),
    "._sync.client": (
        "Mistral",
        "SyncChatCompletionStream",
        "SyncStream",
    ),
    "._batch.sync_runner": (
        "SyncBatchRun",
        "SyncBatchRunner",
    ),
    ".cache": (
        "CacheStats",
        "CacheStore",
        "InMemoryCacheStore",
        "ResponseCache",
    ),
    ".conversation": (
        "Conversation",
        "ConversationStore",
        "ConversationStream",
    ),
    ".tools": (
        "FunctionTool",
        "SyncToolSteps",
        "ToolResult",
        "ToolRun",
        "ToolStep",
        "ToolSteps",
        "function_tool",
    ),
    "._core.response_info": ("ResponseInfo",),
    ".usage": (
        "ModelPrice",
        "UsageRecord",
        "UsageSummary",
        "UsageTracker",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentError",
    "AsyncMistral",
    "AsyncPaginator",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchFileSummary",
    "BatchInputError",
    "BatchItem",
    "BatchOutputError",
    "BatchProgress",
    "BatchResult",
    "BatchRun",
    "BatchRunner",
    "CacheStats",
    "CacheStore",
    "ChatCompletionStream",
    "ClientClosedError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "Conversation",
    "ConversationStore",
    "ConversationStream",
    "DuplicateCustomIDError",
    "FileDownload",
    "FunctionTool",
    "InMemoryCacheStore",
    "InternalServerError",
    "JobWaitTimeoutError",
    "LengthFinishReasonError",
    "MissingAPIKeyError",
    "Mistral",
    "MistralError",
    "ModelPrice",
    "NotFoundError",
    "ParseError",
    "ParsedChatCompletion",
    "ParsedChatCompletionStream",
    "PermissionDeniedError",
    "ProgressPrinter",
    "RateLimitError",
    "RateLimitInfo",
    "RequestOptions",
    "ResponseCache",
    "ResponseInfo",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunnerOptions",
    "StreamError",
    "StreamIdleTimeoutError",
    "StrictSchemaError",
    "StructuredOutputError",
    "SyncBatchRun",
    "SyncBatchRunner",
    "SyncChatCompletionStream",
    "SyncFileDownload",
    "SyncInEventLoopError",
    "SyncPaginator",
    "SyncParsedChatCompletionStream",
    "SyncStream",
    "SyncToolSteps",
    "ToolDefinitionError",
    "ToolResult",
    "ToolRun",
    "ToolStep",
    "ToolSteps",
    "UnprocessableEntityError",
    "UsageRecord",
    "UsageSummary",
    "UsageTracker",
    "__version__",
    "function_tool",
]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(module, __name__), name)
    globals()[name] = value  # the next look-up is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
