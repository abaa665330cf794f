"""``client.ocr``: read a document or an image into markdown pages (``POST /v1/ocr``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._sync.views import SyncResource, blocking
from ..types.ocr import OCRParams, OCRRequest, OCRResponse
from ._base import AsyncAPIResource, json_request

PATH = "/v1/ocr"


class OCRArgs(OCRParams, RequestOptions, total=False):
    pass


class AsyncOcr(AsyncAPIResource):
    async def process(self, **kwargs: Unpack[OCRArgs]) -> OCRResponse:
        """Run OCR on a document: ``model`` and ``document`` are required.

        ``document`` is ``{"type": "document_url", "document_url": "https://..."}``,
        ``{"type": "image_url", "image_url": "https://..."}`` or ``{"type": "file", "file_id":
        ...}`` for a file uploaded with ``purpose="ocr"``. Takes every other field of the spec's
        ``OCRRequest`` (``pages``, ``include_image_base64``, ``table_format``...) and the
        per-call options; invalid arguments raise ``ArgumentError`` before anything is sent.
        """
        request, options = json_request("POST", PATH, OCRRequest, kwargs)
        # `model` is required but may be null (the API's default OCR model); dumping drops nulls.
        request.json.setdefault("model", None)
        request.content = None  # the body changed after the call's check: encode it again
        return await self._client._request(request, OCRResponse, options)


class SyncOcr(SyncResource[AsyncOcr]):
    """Blocking OCR: the same method, run on the client's loop thread."""

    process = blocking(AsyncOcr.process)
