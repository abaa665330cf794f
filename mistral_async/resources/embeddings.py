"""``client.embeddings``: text embeddings (``POST /v1/embeddings``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._sync.views import SyncResource, blocking
from ..types.embeddings import EmbeddingParams, EmbeddingRequest, EmbeddingResponse
from ._base import AsyncAPIResource, json_request

PATH = "/v1/embeddings"


class EmbeddingCreateArgs(EmbeddingParams, RequestOptions, total=False):
    pass


class AsyncEmbeddings(AsyncAPIResource):
    async def create(self, **kwargs: Unpack[EmbeddingCreateArgs]) -> EmbeddingResponse:
        """Embed one text or a list of texts.

        ``model`` and ``inputs`` are required; ``output_dimension``, ``output_dtype``,
        ``encoding_format`` and ``metadata`` are optional, as are the per-call options.
        ``response.vectors`` gives one list per input whatever the encoding, and
        ``response.to_numpy()`` one array (with the ``numpy`` extra).
        """
        request, options = json_request("POST", PATH, EmbeddingRequest, kwargs)
        response = await self._client._request(request, EmbeddingResponse, options)
        # The reply does not name its dtype, and base64 vectors cannot be read without it.
        sent = {**request.json, **(options.get("extra_body") or {})}
        response._output_dtype = sent.get("output_dtype") or "float"
        return response


class SyncEmbeddings(SyncResource[AsyncEmbeddings]):
    """Blocking embeddings: the same method, run on the client's loop thread."""

    create = blocking(AsyncEmbeddings.create)
