"""``client.fine_tuning.jobs``: fine-tuning jobs (``/v1/fine_tuning/jobs``).

The fine-tuned models themselves (rename, archive) are in ``client.models``.
"""

from __future__ import annotations

from functools import cached_property

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator
from .._core.request import APIRequest
from .._sync.views import SyncPaginator, SyncResource, blocking, wrapped
from ..types.fine_tuning import (
    DetailedJobOut,
    FineTuningJobCreateParams,
    FineTuningJobOut,
    FineTuningJobsListParams,
    FineTuningJobsQuery,
    JobIn,
    JobsOut,
)
from ._base import AsyncAPIResource, json_request, options_only, paginate
from ._jobs import JobWaiting, job_path

PATH = "/v1/fine_tuning/jobs"


class FineTuningJobCreateArgs(FineTuningJobCreateParams, RequestOptions, total=False):
    pass


class FineTuningJobsListArgs(FineTuningJobsListParams, RequestOptions, total=False):
    pass


class AsyncFineTuningJobs(AsyncAPIResource, JobWaiting[DetailedJobOut]):
    async def create(self, **kwargs: Unpack[FineTuningJobCreateArgs]) -> FineTuningJobOut:
        """Create a fine-tuning job; it is queued, validated, then trained.

        ``model`` and ``hyperparameters`` are required (``{}`` takes the API's defaults);
        ``training_files`` lists ``{"file_id", "weight"}`` of files uploaded with purpose
        ``fine-tune``. With ``auto_start=False`` the job stops once validated, until
        :meth:`start`. Returns a ``CompletionJobOut`` or a ``ClassifierJobOut``.
        """
        request, options = json_request("POST", PATH, JobIn, kwargs)
        return await self._client._request(request, FineTuningJobOut, options)

    def list(
        self, **kwargs: Unpack[FineTuningJobsListArgs]
    ) -> AsyncPaginator[FineTuningJobOut, JobsOut]:
        """Your fine-tuning jobs: ``await`` it for one page, ``async for`` it for every job
        across pages.

        Filters: ``model``, ``created_after``, ``created_before``, ``created_by_me``,
        ``status``, ``wandb_project``, ``wandb_name``, ``suffix``; paging: ``page`` (the first
        page, 0-based) and ``page_size``.
        """
        return paginate(self._client, PATH, FineTuningJobsQuery, kwargs, JobsOut)

    async def get(self, job_id: str, **kwargs: Unpack[RequestOptions]) -> DetailedJobOut:
        """A job with its events and checkpoints (``CompletionDetailedJobOut`` or
        ``ClassifierDetailedJobOut``); ``job.error`` says why a failed job failed."""
        return await self._send("GET", job_id, "", kwargs)

    async def cancel(self, job_id: str, **kwargs: Unpack[RequestOptions]) -> DetailedJobOut:
        """Ask for a job to be cancelled; it goes through ``CANCELLATION_REQUESTED``."""
        return await self._send("POST", job_id, "cancel", kwargs)

    async def start(self, job_id: str, **kwargs: Unpack[RequestOptions]) -> DetailedJobOut:
        """Start a job created with ``auto_start=False`` (once it is validated)."""
        return await self._send("POST", job_id, "start", kwargs)

    def _settled(self, job: DetailedJobOut) -> bool:
        # A job created with auto_start=False stops once validated: it waits for start(), not
        # for time to pass.
        return job.done or (job.status == "VALIDATED" and not job.auto_start)

    async def _send(
        self, method: str, job_id: str, action: str, kwargs: RequestOptions
    ) -> DetailedJobOut:
        request = APIRequest(method, job_path(PATH, job_id, action))
        return await self._client._request(request, DetailedJobOut, options_only(kwargs))


class AsyncFineTuning(AsyncAPIResource):
    """``client.fine_tuning``: its ``jobs``."""

    @cached_property
    def jobs(self) -> AsyncFineTuningJobs:
        """Fine-tuning jobs: ``create``, ``list``, ``get``, ``cancel``, ``start``, ``wait``."""
        return AsyncFineTuningJobs(self._client)


class SyncFineTuningJobs(SyncResource[AsyncFineTuningJobs]):
    """Blocking fine-tuning jobs: the same methods, run on the client's loop thread."""

    create = blocking(AsyncFineTuningJobs.create)
    list = wrapped(AsyncFineTuningJobs.list, SyncPaginator[FineTuningJobOut, JobsOut])
    get = blocking(AsyncFineTuningJobs.get)
    cancel = blocking(AsyncFineTuningJobs.cancel)
    start = blocking(AsyncFineTuningJobs.start)
    wait = blocking(AsyncFineTuningJobs.wait)


class SyncFineTuning(SyncResource[AsyncFineTuning]):
    @cached_property
    def jobs(self) -> SyncFineTuningJobs:
        return SyncFineTuningJobs(self._client, self._inner.jobs)
