"""What the job resources (fine-tuning, batch) share: the job's URL, and waiting for it to end.

Waiting polls ``get`` with exponential backoff: often at first, when a short job is likely to
end soon, then less and less often, so that a long job costs few requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

import anyio

from .._core.checks import check_optional_seconds, check_seconds
from .._core.errors import JobWaitTimeoutError
from ._base import path_param

BACKOFF = 1.5
"""Each wait between two polls is this much longer than the one before (up to the maximum)."""


class _Job(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def done(self) -> bool: ...


JobT = TypeVar("JobT", bound=_Job)


def job_path(base: str, job_id: str, action: str = "") -> str:
    """``/v1/.../jobs/{job_id}`` and, given, ``/{action}`` (``cancel``, ``start``)."""
    path = f"{base}/{path_param('job_id', job_id)}"
    return f"{path}/{action}" if action else path


async def wait_for(
    fetch: Callable[[], Awaitable[JobT]],
    settled: Callable[[JobT], bool],
    *,
    poll_interval: float,
    max_poll_interval: float,
    give_up_after: float | None,
) -> JobT:
    """Fetch the job until ``settled(job)``; return that last job.

    :raises JobWaitTimeoutError: (a ``TimeoutError``) when ``give_up_after`` seconds pass first;
        the job keeps running.
    """
    interval = check_seconds("poll_interval", poll_interval)
    longest = max(interval, check_seconds("max_poll_interval", max_poll_interval))
    limit = check_optional_seconds("timeout", give_up_after, allow_zero=True)
    deadline = None if limit is None else anyio.current_time() + limit
    while True:
        job = await fetch()
        if settled(job):
            return job
        delay = interval
        if deadline is not None:
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                raise JobWaitTimeoutError(
                    f"Job {job.id} is still {job.status} after {limit:g} s of waiting.", job
                )
            delay = min(delay, remaining)  # one last look at the deadline, not after it
        await anyio.sleep(delay)
        interval = min(interval * BACKOFF, longest)


class JobWaiting(Generic[JobT]):
    """``wait``, for a jobs resource: polls its ``get`` until the job is settled."""

    async def get(self, job_id: str) -> JobT:
        raise NotImplementedError  # the resource's own get

    def _settled(self, job: JobT) -> bool:
        return job.done

    async def wait(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        # A parameter rather than anyio.fail_after: the blocking client has no cancel scope to
        # offer, and giving up between two polls never cuts a request in half.
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> JobT:
        """Poll the job until it has finished (succeeded, failed or was cancelled) and return
        it then; a fine-tuning job created with ``auto_start=False`` is returned as soon as it
        is validated and waits for ``start``.

        :param poll_interval: seconds before the second poll; each next wait is 1.5 times
            longer, up to ``max_poll_interval``.
        :param timeout: give up after this many seconds with ``TimeoutError`` (the job is
            not cancelled); ``None`` waits as long as it takes.
        """
        return await wait_for(
            lambda: self.get(job_id),
            self._settled,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            give_up_after=timeout,
        )
