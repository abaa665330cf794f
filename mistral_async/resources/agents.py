"""``client.beta.agents``: agents, their versions and aliases (``/v1/agents``); and
``client.agents``: the deprecated agents completions (``POST /v1/agents/completions``).

An agent is a model with instructions, tools and completion arguments kept under an id. Every
``update`` makes a new version and makes it current; ``update_version`` makes another one
current; an alias names a version, and ``get(agent_id, agent_version="prod")`` reads it.
"""

from __future__ import annotations

import warnings

from typing_extensions import Unpack

from .._core.options import RequestOptions
from .._core.pagination import AsyncCursorPaginator
from .._core.request import APIRequest
from .._core.streaming import ChatCompletionStream
from .._sync.views import SyncChatCompletionStream, SyncPaginator, SyncResource, blocking, wrapped
from ..types.agents import (
    Agent,
    AgentAliasDeleteQuery,
    AgentAliasList,
    AgentAliasQuery,
    AgentAliasResponse,
    AgentCreateParams,
    AgentCreationRequest,
    AgentGetQuery,
    AgentList,
    AgentListPage,
    AgentsCompletionParams,
    AgentsCompletionRequest,
    AgentsListPagesParams,
    AgentsListPagesQuery,
    AgentsListParams,
    AgentsListQuery,
    AgentUpdateParams,
    AgentUpdateRequest,
    AgentVersionQuery,
    AgentVersionsQuery,
)
from ..types.chat import ChatCompletionResponse
from ._base import (
    AsyncAPIResource,
    StreamOptions,
    completion_stream,
    json_query_request,
    json_request,
    options_only,
    path_param,
)

PATH = "/v1/agents"
COMPLETIONS_PATH = "/v1/agents/completions"


class AgentCreateArgs(AgentCreateParams, RequestOptions, total=False):
    pass


class AgentUpdateArgs(AgentUpdateParams, RequestOptions, total=False):
    pass


class AgentsListArgs(AgentsListParams, RequestOptions, total=False):
    pass


class AgentsListPagesArgs(AgentsListPagesParams, RequestOptions, total=False):
    pass


class AgentGetArgs(RequestOptions, total=False):
    agent_version: int | str | None
    """A version number or an alias (the current version when left out)."""


class AgentVersionArgs(RequestOptions, total=False):
    version: int


class AgentVersionsArgs(RequestOptions, total=False):
    page: int
    """The page to read (0-based)."""
    page_size: int
    """Versions per page, 1 to 100 (the API's default is 20)."""


class AgentAliasArgs(RequestOptions, total=False):
    alias: str
    """Lower case letters, digits, ``_`` and ``-``, starting with a letter (64 at most)."""
    version: int


class AgentAliasDeleteArgs(RequestOptions, total=False):
    alias: str


class AgentsCompleteArgs(AgentsCompletionParams, RequestOptions, total=False):
    pass


class AgentsStreamArgs(AgentsCompleteArgs, StreamOptions, total=False):
    pass


def _agent_path(agent_id: str, *rest: str) -> str:
    return "/".join([PATH, path_param("agent_id", agent_id), *rest])


class AsyncAgents(AsyncAPIResource):
    """Agents with versions and aliases (``client.beta.agents``)."""

    async def create(self, **kwargs: Unpack[AgentCreateArgs]) -> Agent:
        """Create an agent (version 0): ``model`` and ``name`` are required; ``instructions``,
        ``tools`` (functions and built-in connectors), ``completion_args``, ``handoffs``... are
        the spec's ``AgentCreationRequest`` fields."""
        request, options = json_request("POST", PATH, AgentCreationRequest, kwargs)
        return await self._client._request(request, Agent, options)

    async def list(self, **kwargs: Unpack[AgentsListArgs]) -> AgentList:
        """One page of agents, oldest first (``page``, ``page_size``, and the filters
        ``name``, ``search``, ``id``, ``sources``, ``deployment_chat``, ``metadata``).

        .. deprecated:: the API deprecates this list (it ignores agent sharing); it warns with
           ``DeprecationWarning``. Use :meth:`list_pages`.
        """
        warnings.warn(
            "GET /v1/agents is deprecated by the API; use agents.list_pages()",
            DeprecationWarning,
            stacklevel=2,
        )
        request, options = json_query_request("GET", PATH, AgentsListQuery, kwargs)
        return await self._client._request(request, AgentList, options)

    def list_pages(
        self, **kwargs: Unpack[AgentsListPagesArgs]
    ) -> AsyncCursorPaginator[Agent, AgentListPage]:
        """Every agent, page by page by cursor: ``async for agent in ...`` reads them all,
        ``await`` gives the first page (``.next_page_token`` names the next). Same filters
        as :meth:`list`, plus ``page_token`` to start from. Nothing is sent until it is used."""
        request, options = json_query_request("GET", f"{PATH}/pages", AgentsListPagesQuery, kwargs)
        query = {k: v for k, v in (request.params or {}).items() if k != "page_token"}
        first = (request.params or {}).get("page_token")

        async def fetch(cursor: str | None) -> AgentListPage:
            params = {**query, **({"page_token": cursor} if cursor is not None else {})}
            page_request = APIRequest("GET", f"{PATH}/pages", params=params)
            return await self._client._request(page_request, AgentListPage, options)

        return AsyncCursorPaginator(fetch, lambda page: page.next_page_token, first_cursor=first)

    async def get(self, agent_id: str, **kwargs: Unpack[AgentGetArgs]) -> Agent:
        """An agent at its current version, or at ``agent_version`` (a number or an alias)."""
        request, options = json_query_request("GET", _agent_path(agent_id), AgentGetQuery, kwargs)
        return await self._client._request(request, Agent, options)

    async def update(self, agent_id: str, **kwargs: Unpack[AgentUpdateArgs]) -> Agent:
        """Change some fields: a new version, made current, is returned."""
        path = _agent_path(agent_id)
        request, options = json_request("PATCH", path, AgentUpdateRequest, kwargs)
        return await self._client._request(request, Agent, options)

    async def delete(self, agent_id: str, **kwargs: Unpack[RequestOptions]) -> None:
        """Delete an agent (every version and alias)."""
        request = APIRequest("DELETE", _agent_path(agent_id))
        await self._client._request(request, None, options_only(kwargs))

    async def update_version(self, agent_id: str, **kwargs: Unpack[AgentVersionArgs]) -> Agent:
        """Make ``version`` the current version."""
        path = _agent_path(agent_id, "version")
        request, options = json_query_request("PATCH", path, AgentVersionQuery, kwargs)
        return await self._client._request(request, Agent, options)

    async def list_versions(self, agent_id: str, **kwargs: Unpack[AgentVersionsArgs]) -> AgentList:
        """One page of the agent's versions (``page``, ``page_size``)."""
        path = _agent_path(agent_id, "versions")
        request, options = json_query_request("GET", path, AgentVersionsQuery, kwargs)
        return await self._client._request(request, AgentList, options)

    async def get_version(
        self, agent_id: str, version: int | str, **kwargs: Unpack[RequestOptions]
    ) -> Agent:
        """The agent at ``version`` (a number or an alias)."""
        number = str(version) if isinstance(version, int) else version
        path = _agent_path(agent_id, "versions", path_param("version", number))
        return await self._client._request(APIRequest("GET", path), Agent, options_only(kwargs))

    async def create_version_alias(
        self, agent_id: str, **kwargs: Unpack[AgentAliasArgs]
    ) -> AgentAliasResponse:
        """Point ``alias`` at ``version`` (creating the alias, or moving it)."""
        path = _agent_path(agent_id, "aliases")
        request, options = json_query_request("PUT", path, AgentAliasQuery, kwargs)
        return await self._client._request(request, AgentAliasResponse, options)

    async def list_version_aliases(
        self, agent_id: str, **kwargs: Unpack[RequestOptions]
    ) -> AgentAliasList:
        """Every alias of the agent and the version it names."""
        request = APIRequest("GET", _agent_path(agent_id, "aliases"))
        return await self._client._request(request, AgentAliasList, options_only(kwargs))

    async def delete_version_alias(
        self, agent_id: str, **kwargs: Unpack[AgentAliasDeleteArgs]
    ) -> None:
        """Delete ``alias`` (the version stays)."""
        path = _agent_path(agent_id, "aliases")
        request, options = json_query_request("DELETE", path, AgentAliasDeleteQuery, kwargs)
        await self._client._request(request, None, options)


class AsyncAgentsCompletions(AsyncAPIResource):
    """``client.agents``: chat completions through an agent (deprecated by the API in favour
    of conversations; kept for code that uses them)."""

    async def complete(self, **kwargs: Unpack[AgentsCompleteArgs]) -> ChatCompletionResponse:
        """A chat completion with the agent's model, instructions and settings: ``agent_id``
        and ``messages`` are required; the other fields are the spec's
        ``AgentsCompletionRequest``."""
        request, options = json_request("POST", COMPLETIONS_PATH, AgentsCompletionRequest, kwargs)
        return await self._client._request(request, ChatCompletionResponse, options)

    def stream(self, **kwargs: Unpack[AgentsStreamArgs]) -> ChatCompletionStream:
        """The same completion as a chat stream (``async with`` / ``async for``); nothing is
        sent until it is used."""
        return completion_stream(self._client, COMPLETIONS_PATH, AgentsCompletionRequest, kwargs)


class SyncAgents(SyncResource[AsyncAgents]):
    """Blocking agents: the same methods, run on the client's loop thread."""

    create = blocking(AsyncAgents.create)
    list = blocking(AsyncAgents.list)
    list_pages = wrapped(AsyncAgents.list_pages, SyncPaginator[Agent, AgentListPage])
    get = blocking(AsyncAgents.get)
    update = blocking(AsyncAgents.update)
    delete = blocking(AsyncAgents.delete)
    update_version = blocking(AsyncAgents.update_version)
    list_versions = blocking(AsyncAgents.list_versions)
    get_version = blocking(AsyncAgents.get_version)
    create_version_alias = blocking(AsyncAgents.create_version_alias)
    list_version_aliases = blocking(AsyncAgents.list_version_aliases)
    delete_version_alias = blocking(AsyncAgents.delete_version_alias)


class SyncAgentsCompletions(SyncResource[AsyncAgentsCompletions]):
    """Blocking agents completions."""

    complete = blocking(AsyncAgentsCompletions.complete)
    stream = wrapped(AsyncAgentsCompletions.stream, SyncChatCompletionStream)
