"""``/v1/agents``: agents with versions and aliases, and the deprecated agents completions.

Agents live in the store (:mod:`..._state.agents`). Lists are in creation order, oldest first;
``GET /v1/agents/pages`` pages by an opaque cursor (``next_page_token``, ``null`` on the last
page) that names the last agent of the page, so agents created meanwhile do not shift the
pages; a version list is newest first. An unknown agent, version or alias is a 404 in the API's
error shape; deletes answer 204 with no body.

``POST /v1/agents/completions`` answers as ``/v1/chat/completions`` does (JSON, or its stream),
with the agent's model, its instructions as a first system message, its function tools unless
the request gives its own, and its completion arguments under the request's.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..._models.chat import complete_chat
from ..._models.message_order import check_message_order
from ..._state.agents import (
    StoredAgent,
    create_agent,
    delete_agent,
    delete_alias,
    find_agent,
    set_alias,
    switch_version,
    update_agent,
)
from ..._state.store import store
from ._request import (
    bool_query,
    bounded_generation,
    enum_query,
    int_query,
    invalid_query,
    json_body,
    json_query,
    required_query,
    served_model,
    settings,
)
from .chat import completion_reply

PATH = "/v1/agents"
SOURCES = ("api", "playground", "agent_builder_v1")
_ALIAS = re.compile(r"^[a-z]([a-z0-9_-]*[a-z0-9])?$")
# completion_args an agent passes on to a chat request.
_CHAT_ARGS = (
    "stop", "presence_penalty", "frequency_penalty", "temperature", "top_p", "max_tokens",
    "random_seed", "prediction", "response_format", "tool_choice",
)  # fmt: skip


async def create(request: Request) -> Response:
    body = await json_body(request)
    served_model(request, body, "completion_chat")
    return JSONResponse(create_agent(store(request), body))


async def list_agents(request: Request) -> Response:
    number = int_query(request, "page", 0, 0)
    size = int_query(request, "page_size", 20, 1, 1000)
    found = [agent for _, agent in _filtered(request)]
    return JSONResponse(found[number * size : (number + 1) * size])


async def list_pages(request: Request) -> Response:
    size = int_query(request, "page_size", 20, 1, 1000)
    found = _filtered(request)
    token = request.query_params.get("page_token")
    if token:
        after = _cursor_rank(token)
        found = [(rank, agent) for rank, agent in found if rank > after]
    data = [agent for _, agent in found[:size]]
    next_token = _cursor(found[size - 1][0]) if len(found) > size else None
    return JSONResponse({"object": "list", "data": data, "next_page_token": next_token})


def _cursor(rank: int) -> str:
    """The cursor after the agent of creation ``rank``: agents deleted or created meanwhile
    do not shift the pages."""
    return base64.urlsafe_b64encode(f"after:{rank}".encode()).decode()


def _cursor_rank(token: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    rank = decoded.removeprefix("after:")
    if not decoded.startswith("after:") or not rank.isdigit():
        raise invalid_query("page_token", "Invalid page token", token, "value_error")
    return int(rank)


def _filtered(request: Request) -> list[tuple[int, dict[str, Any]]]:
    """The agents the list filters keep, each as its creation rank and current version,
    oldest first."""
    name = request.query_params.get("name")
    search = request.query_params.get("search")
    agent_id = request.query_params.get("id")
    chat = bool_query(request, "deployment_chat", False)
    chat_given = "deployment_chat" in request.query_params
    sources = enum_query(request, "sources", SOURCES)
    metadata = json_query(request, "metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise invalid_query("metadata", "Input should be a valid dictionary", metadata, "type")
    found = store(request)
    with found.lock:
        current = [(agent.rank, agent.version()) for agent in found.agents.values()]
    kept = []
    for rank, agent in current:
        if name is not None and agent["name"] != name:
            continue
        if search is not None and not (
            search.lower() in agent["name"].lower() or search in agent["id"]
        ):
            continue
        if agent_id is not None and agent["id"] != agent_id:
            continue
        if chat_given and agent["deployment_chat"] != chat:
            continue
        if sources and agent["source"] not in sources:
            continue
        if metadata and not _has_metadata(agent.get("metadata"), metadata):
            continue
        kept.append((rank, agent))
    return kept


def _has_metadata(held: Any, wanted: dict[str, Any]) -> bool:
    return isinstance(held, dict) and all(held.get(k) == v for k, v in wanted.items())


def _agent(request: Request) -> StoredAgent:
    return find_agent(store(request), request.path_params["agent_id"])


async def get(request: Request) -> Response:
    agent = _agent(request)
    raw = request.query_params.get("agent_version")
    return JSONResponse(agent.version(agent.resolve(raw or None)))


async def update(request: Request) -> Response:
    body = await json_body(request)
    _agent(request)  # 404 before a 400 about the model
    if body.get("model") is not None:
        served_model(request, body, "completion_chat")
    return JSONResponse(update_agent(store(request), request.path_params["agent_id"], body))


async def delete(request: Request) -> Response:
    delete_agent(store(request), request.path_params["agent_id"])
    return Response(status_code=204)


def _int_param(request: Request, name: str) -> int:
    raw = required_query(request, name)
    try:
        return int(raw)
    except ValueError:
        raise invalid_query(name, "Input should be a valid integer", raw, "int_parsing") from None


async def update_version(request: Request) -> Response:
    version = _int_param(request, "version")
    agent_id = request.path_params["agent_id"]
    return JSONResponse(switch_version(store(request), agent_id, version))


async def list_versions(request: Request) -> Response:
    agent = _agent(request)
    number = int_query(request, "page", 0, 0)
    size = int_query(request, "page_size", 20, 1, 100)
    with store(request).lock:
        versions = [agent.version(v) for v in sorted(agent.versions, reverse=True)]
    return JSONResponse(versions[number * size : (number + 1) * size])


async def get_version(request: Request) -> Response:
    agent = _agent(request)
    return JSONResponse(agent.version(agent.resolve(request.path_params["version"])))


def _alias(request: Request) -> str:
    alias = required_query(request, "alias")
    if not 1 <= len(alias) <= 64:
        words, keyword = (
            ("at least 1 character", "minLength")
            if not alias
            else ("at most 64 characters", "maxLength")
        )
        raise invalid_query("alias", f"String should have {words}", alias, keyword)
    if not _ALIAS.match(alias):
        message = f"String should match pattern '{_ALIAS.pattern}'"
        raise invalid_query("alias", message, alias, "pattern")
    return alias


async def put_alias(request: Request) -> Response:
    alias = _alias(request)
    version = _int_param(request, "version")
    agent_id = request.path_params["agent_id"]
    return JSONResponse(set_alias(store(request), agent_id, alias, version))


async def list_aliases(request: Request) -> Response:
    agent = _agent(request)
    with store(request).lock:
        aliases = [dict(alias) for alias in agent.aliases.values()]
    return JSONResponse(aliases)


async def remove_alias(request: Request) -> Response:
    alias = _alias(request)
    delete_alias(store(request), request.path_params["agent_id"], alias)
    return Response(status_code=204)


async def agents_completion(request: Request) -> Response:
    body = await json_body(request)
    agent = find_agent(store(request), body["agent_id"]).version()
    chat: dict[str, Any] = {
        k: v for k, v in (agent.get("completion_args") or {}).items() if k in _CHAT_ARGS
    }
    chat.update({k: v for k, v in body.items() if k not in ("agent_id", "metadata")})
    chat["model"] = agent["model"]
    if agent.get("instructions"):
        chat["messages"] = [{"role": "system", "content": agent["instructions"]}, *body["messages"]]
    functions = [t for t in agent.get("tools") or [] if t.get("type", "function") == "function"]
    if "tools" not in body and functions:
        chat["tools"] = functions
    check_message_order([m for m in chat["messages"] if isinstance(m, dict)])
    model = served_model(request, chat, "completion_chat")
    bounded_generation(chat, model)
    return completion_reply(complete_chat(chat, seed=settings(request).seed), chat)


routes: list[BaseRoute] = [
    Route(f"{PATH}/completions", agents_completion, methods=["POST"]),
    Route(PATH, create, methods=["POST"]),
    Route(PATH, list_agents, methods=["GET"]),
    Route(f"{PATH}/pages", list_pages, methods=["GET"]),
    Route(f"{PATH}/{{agent_id}}", get, methods=["GET"]),
    Route(f"{PATH}/{{agent_id}}", update, methods=["PATCH"]),
    Route(f"{PATH}/{{agent_id}}", delete, methods=["DELETE"]),
    Route(f"{PATH}/{{agent_id}}/version", update_version, methods=["PATCH"]),
    Route(f"{PATH}/{{agent_id}}/versions", list_versions, methods=["GET"]),
    Route(f"{PATH}/{{agent_id}}/versions/{{version}}", get_version, methods=["GET"]),
    Route(f"{PATH}/{{agent_id}}/aliases", put_alias, methods=["PUT"]),
    Route(f"{PATH}/{{agent_id}}/aliases", list_aliases, methods=["GET"]),
    Route(f"{PATH}/{{agent_id}}/aliases", remove_alias, methods=["DELETE"]),
]
