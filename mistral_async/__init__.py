"""mistral_async: an async-first Python SDK for the Mistral AI API.

``AsyncMistral`` is the client; ``Mistral`` is the same client for blocking code.
"""

from ._client import AsyncMistral
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ArgumentError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    MissingAPIKeyError,
    MistralError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    StreamIdleTimeoutError,
    SyncInEventLoopError,
    UnprocessableEntityError,
)
from ._limits import RateLimitInfo
from ._options import RequestOptions
from ._retry import RetryPolicy
from ._streaming import AsyncStream, ChatCompletionStream
from ._sync import Mistral, SyncChatCompletionStream, SyncStream
from ._version import __version__
from .types._base import ResponseInfo

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentError",
    "AsyncMistral",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletionStream",
    "ClientClosedError",
    "ConflictError",
    "InternalServerError",
    "MissingAPIKeyError",
    "Mistral",
    "MistralError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitInfo",
    "RequestOptions",
    "ResponseInfo",
    "RetryPolicy",
    "StreamError",
    "StreamIdleTimeoutError",
    "SyncChatCompletionStream",
    "SyncInEventLoopError",
    "SyncStream",
    "UnprocessableEntityError",
    "__version__",
]
