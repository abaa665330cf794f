"""``client.batch.jobs``: batch inference jobs (``/v1/batch/jobs``)."""

from __future__ import annotations

from functools import cached_property

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator
from .._core.request import APIRequest
from .._sync.views import SyncPaginator, SyncResource, blocking, wrapped
from ..types.batch import (
    BatchJobCreateParams,
    BatchJobGetParams,
    BatchJobIn,
    BatchJobOut,
    BatchJobQuery,
    BatchJobsListParams,
    BatchJobsOut,
    BatchJobsQuery,
)
from ._base import AsyncAPIResource, json_request, options_only, paginate, query_request
from ._jobs import JobWaiting, job_path

PATH = "/v1/batch/jobs"


class BatchJobCreateArgs(BatchJobCreateParams, RequestOptions, total=False):
    pass


class BatchJobsListArgs(BatchJobsListParams, RequestOptions, total=False):
    pass


class BatchJobGetArgs(BatchJobGetParams, RequestOptions, total=False):
    pass


class AsyncBatchJobs(AsyncAPIResource, JobWaiting[BatchJobOut]):
    async def create(self, **kwargs: Unpack[BatchJobCreateArgs]) -> BatchJobOut:
        """Create a batch job: many requests to one ``endpoint``, run offline.

        The requests come from ``input_files`` (JSONL files uploaded with purpose ``batch``,
        one ``{"custom_id": ..., "body": {...}}`` per line) or inline as ``requests``;
        ``model`` applies to all of them. ``metadata`` labels the job for ``list``.
        """
        request, options = json_request("POST", PATH, BatchJobIn, kwargs)
        return await self._client._request(request, BatchJobOut, options)

    def list(
        self, **kwargs: Unpack[BatchJobsListArgs]
    ) -> AsyncPaginator[BatchJobOut, BatchJobsOut]:
        """Your batch jobs: ``await`` it for one page, ``async for`` it for every job across
        pages.

        Filters: ``model``, ``agent_id``, ``metadata`` (entries the job's metadata must have),
        ``created_after``, ``created_by_me``, ``status`` (a list); ``order_by``
        (``"-created"``, newest first, by default); paging: ``page`` (the first page, 0-based)
        and ``page_size``.
        """
        return paginate(self._client, PATH, BatchJobsQuery, kwargs, BatchJobsOut)

    async def get(self, job_id: str, **kwargs: Unpack[BatchJobGetArgs]) -> BatchJobOut:
        """A job with its progress counts and, once it has finished, ``output_file`` and
        ``error_file`` (download them with ``client.files``); ``job.error`` says why a
        failed job failed."""
        request, options = query_request("GET", job_path(PATH, job_id), BatchJobQuery, kwargs)
        return await self._client._request(request, BatchJobOut, options)

    async def cancel(self, job_id: str, **kwargs: Unpack[RequestOptions]) -> BatchJobOut:
        """Ask for a job to be cancelled; it goes through ``CANCELLATION_REQUESTED``, and the
        results of the requests already done are kept."""
        request = APIRequest("POST", job_path(PATH, job_id, "cancel"))
        return await self._client._request(request, BatchJobOut, options_only(kwargs))


class AsyncBatch(AsyncAPIResource):
    """``client.batch``: its ``jobs``."""

    @cached_property
    def jobs(self) -> AsyncBatchJobs:
        """Batch jobs: ``create``, ``list``, ``get``, ``cancel``, ``wait``."""
        return AsyncBatchJobs(self._client)


class SyncBatchJobs(SyncResource[AsyncBatchJobs]):
    """Blocking batch jobs: the same methods, run on the client's loop thread."""

    create = blocking(AsyncBatchJobs.create)
    list = wrapped(AsyncBatchJobs.list, SyncPaginator[BatchJobOut, BatchJobsOut])
    get = blocking(AsyncBatchJobs.get)
    cancel = blocking(AsyncBatchJobs.cancel)
    wait = blocking(AsyncBatchJobs.wait)


class SyncBatch(SyncResource[AsyncBatch]):
    @cached_property
    def jobs(self) -> SyncBatchJobs:
        return SyncBatchJobs(self._client, self._inner.jobs)
