"""``client.beta``: the API's beta areas (the spec's ``beta.*`` tags), ``conversations``,
``agents`` and ``libraries``, each imported on first use (as the client's own resources are)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .._sync.views import SyncResource
from ._base import AsyncAPIResource

if TYPE_CHECKING:
    from .agents import AsyncAgents, SyncAgents
    from .conversations import AsyncConversations, SyncConversations
    from .libraries import AsyncLibraries, SyncLibraries


class AsyncBeta(AsyncAPIResource):
    """``client.beta``: ``conversations``, ``agents``, ``libraries``."""

    @cached_property
    def conversations(self) -> AsyncConversations:
        """Conversations: ``start``, ``append``, ``restart`` (and their ``_stream``), ``list``,
        ``get``, ``delete``, ``get_history``, ``get_messages``, ``run``, ``run_stream``."""
        from .conversations import AsyncConversations

        return AsyncConversations(self._client)

    @cached_property
    def agents(self) -> AsyncAgents:
        """Agents: ``create``, ``list_pages``, ``get``, ``update``, ``delete``, versions and
        aliases."""
        from .agents import AsyncAgents

        return AsyncAgents(self._client)

    @cached_property
    def libraries(self) -> AsyncLibraries:
        """Document libraries: their documents and accesses."""
        from .libraries import AsyncLibraries

        return AsyncLibraries(self._client)


class SyncBeta(SyncResource[AsyncBeta]):
    """Blocking ``client.beta``."""

    @cached_property
    def conversations(self) -> SyncConversations:
        from .conversations import SyncConversations

        return SyncConversations(self._client, self._inner.conversations)

    @cached_property
    def agents(self) -> SyncAgents:
        from .agents import SyncAgents

        return SyncAgents(self._client, self._inner.agents)

    @cached_property
    def libraries(self) -> SyncLibraries:
        from .libraries import SyncLibraries

        return SyncLibraries(self._client, self._inner.libraries)
