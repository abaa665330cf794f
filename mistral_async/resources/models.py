"""``client.models``: the model catalogue (``/v1/models``) and your fine-tuned models
(``/v1/fine_tuning/models``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.request import APIRequest
from .._sync.views import SyncResource, blocking
from ..types.models import (
    ArchiveFTModelOut,
    DeleteModelOut,
    FTModelOut,
    ModelCard,
    ModelList,
    ModelsListParams,
    ModelsListRequest,
    UnarchiveFTModelOut,
    UpdateFTModelIn,
    UpdateFTModelParams,
)
from ._base import AsyncAPIResource, json_request, options_only, path_param, query_request

PATH = "/v1/models"
FINE_TUNED_PATH = "/v1/fine_tuning/models"


class ModelsListArgs(ModelsListParams, RequestOptions, total=False):
    pass


class UpdateArgs(UpdateFTModelParams, RequestOptions, total=False):
    pass


class AsyncModels(AsyncAPIResource):
    async def list(self, **kwargs: Unpack[ModelsListArgs]) -> ModelList:
        """Every model available to you: Mistral's (``BaseModelCard``) and your fine-tuned
        ones (``FTModelCard``), in one reply."""
        request, options = query_request("GET", PATH, ModelsListRequest, kwargs)
        return await self._client._request(request, ModelList, options)

    async def retrieve(self, model_id: str, **kwargs: Unpack[RequestOptions]) -> ModelCard:
        """One model by id or alias: a ``BaseModelCard`` or an ``FTModelCard`` (tell them apart
        with ``isinstance`` or ``card.type``); ``NotFoundError`` if unknown."""
        request = APIRequest("GET", f"{PATH}/{path_param('model_id', model_id)}")
        return await self._client._request(request, ModelCard, options_only(kwargs))

    async def delete(self, model_id: str, **kwargs: Unpack[RequestOptions]) -> DeleteModelOut:
        """Delete one of your fine-tuned models (Mistral's own models cannot be deleted)."""
        request = APIRequest("DELETE", f"{PATH}/{path_param('model_id', model_id)}")
        return await self._client._request(request, DeleteModelOut, options_only(kwargs))

    async def update(self, model_id: str, **kwargs: Unpack[UpdateArgs]) -> FTModelOut:
        """Rename or re-describe a fine-tuned model (``name``, ``description``); returns a
        ``CompletionFTModelOut`` or a ``ClassifierFTModelOut``.

        A field left out or ``None`` stays as it is; to clear one, send an explicit null with
        ``extra_body={"name": None}``.
        """
        path = f"{FINE_TUNED_PATH}/{path_param('model_id', model_id)}"
        request, options = json_request("PATCH", path, UpdateFTModelIn, kwargs)
        return await self._client._request(request, FTModelOut, options)

    async def archive(self, model_id: str, **kwargs: Unpack[RequestOptions]) -> ArchiveFTModelOut:
        """Archive a fine-tuned model (it stays listed, with ``archived=True``)."""
        path = f"{FINE_TUNED_PATH}/{path_param('model_id', model_id)}/archive"
        request = APIRequest("POST", path)
        return await self._client._request(request, ArchiveFTModelOut, options_only(kwargs))

    async def unarchive(
        self, model_id: str, **kwargs: Unpack[RequestOptions]
    ) -> UnarchiveFTModelOut:
        """Bring an archived fine-tuned model back."""
        path = f"{FINE_TUNED_PATH}/{path_param('model_id', model_id)}/archive"
        request = APIRequest("DELETE", path)
        return await self._client._request(request, UnarchiveFTModelOut, options_only(kwargs))


class SyncModels(SyncResource[AsyncModels]):
    """Blocking models API: the same methods, run on the client's loop thread."""

    list = blocking(AsyncModels.list)
    retrieve = blocking(AsyncModels.retrieve)
    delete = blocking(AsyncModels.delete)
    update = blocking(AsyncModels.update)
    archive = blocking(AsyncModels.archive)
    unarchive = blocking(AsyncModels.unarchive)
