"""``client.beta``: the API's beta areas (the spec's ``beta.*`` tags)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .._sync.views import SyncResource
from ._base import AsyncAPIResource

if TYPE_CHECKING:
    from .libraries import AsyncLibraries, SyncLibraries


class AsyncBeta(AsyncAPIResource):
    """``client.beta``: ``libraries``."""

    @cached_property
    def libraries(self) -> AsyncLibraries:
        """Document libraries: their documents and accesses."""
        from .libraries import AsyncLibraries

        return AsyncLibraries(self._client)


class SyncBeta(SyncResource[AsyncBeta]):
    @cached_property
    def libraries(self) -> SyncLibraries:
        from .libraries import SyncLibraries

        return SyncLibraries(self._client, self._inner.libraries)
