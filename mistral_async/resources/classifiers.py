"""``client.classifiers``: moderation and classification of texts and conversations.

``POST /v1/moderations``, ``/v1/chat/moderations``, ``/v1/classifications`` and
``/v1/chat/classifications``; method names follow the official SDK.
"""

from __future__ import annotations

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._sync.views import SyncResource, blocking
from ..types.classifiers import (
    ChatClassificationParams,
    ChatClassificationRequest,
    ChatModerationParams,
    ChatModerationRequest,
    ClassificationParams,
    ClassificationRequest,
    ClassificationResponse,
    ModerationResponse,
)
from ._base import AsyncAPIResource, json_request


class ClassifyArgs(ClassificationParams, RequestOptions, total=False):
    pass


class ModerateChatArgs(ChatModerationParams, RequestOptions, total=False):
    pass


class ClassifyChatArgs(ChatClassificationParams, RequestOptions, total=False):
    pass


class AsyncClassifiers(AsyncAPIResource):
    async def moderate(self, **kwargs: Unpack[ClassifyArgs]) -> ModerationResponse:
        """Moderate one text or a list of texts: one result per text, with a verdict and a
        score per category (``response.flagged`` says whether any was flagged)."""
        request, options = json_request("POST", "/v1/moderations", ClassificationRequest, kwargs)
        return await self._client._request(request, ModerationResponse, options)

    async def moderate_chat(self, **kwargs: Unpack[ModerateChatArgs]) -> ModerationResponse:
        """Moderate a conversation (a list of messages) or a list of conversations."""
        request, options = json_request(
            "POST", "/v1/chat/moderations", ChatModerationRequest, kwargs
        )
        return await self._client._request(request, ModerationResponse, options)

    async def classify(self, **kwargs: Unpack[ClassifyArgs]) -> ClassificationResponse:
        """Classify one text or a list of texts: per text, each target's label scores."""
        request, options = json_request(
            "POST", "/v1/classifications", ClassificationRequest, kwargs
        )
        return await self._client._request(request, ClassificationResponse, options)

    async def classify_chat(self, **kwargs: Unpack[ClassifyChatArgs]) -> ClassificationResponse:
        """Classify a conversation (``{"messages": [...]}``) or a list of them."""
        request, options = json_request(
            "POST", "/v1/chat/classifications", ChatClassificationRequest, kwargs
        )
        return await self._client._request(request, ClassificationResponse, options)


class SyncClassifiers(SyncResource[AsyncClassifiers]):
    """Blocking moderation and classification: the same methods, on the client's loop."""

    moderate = blocking(AsyncClassifiers.moderate)
    moderate_chat = blocking(AsyncClassifiers.moderate_chat)
    classify = blocking(AsyncClassifiers.classify)
    classify_chat = blocking(AsyncClassifiers.classify_chat)
