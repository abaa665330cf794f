"""Agents request bounds and the query models of the Conversations and Agents operations."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from mistral_async._core.errors import ArgumentError
from mistral_async._core.validate import validate_params
from mistral_async.types._base import dump_request
from mistral_async.types.agents import (
    AgentAliasDeleteQuery,
    AgentAliasQuery,
    AgentCreationRequest,
    AgentGetQuery,
    AgentsCompletionRequest,
    AgentsListPagesQuery,
    AgentsListQuery,
    AgentVersionQuery,
    AgentVersionsQuery,
    CompletionArgs,
)
from mistral_async.types.conversations import ConversationsListQuery
from tests._support import conversation_examples as ex
from tests._support.spec_schemas import QueryTableTests

CREATE = ex.AGENT_CREATION_REQUEST
COMPLETE = ex.AGENTS_COMPLETION_REQUEST

QUERIES: dict[tuple[str, str], type[BaseModel]] = {
    ("GET", "/v1/conversations"): ConversationsListQuery,
    ("GET", "/v1/agents"): AgentsListQuery,
    ("GET", "/v1/agents/pages"): AgentsListPagesQuery,
    ("GET", "/v1/agents/{agent_id}"): AgentGetQuery,
    ("PATCH", "/v1/agents/{agent_id}/version"): AgentVersionQuery,
    ("GET", "/v1/agents/{agent_id}/versions"): AgentVersionsQuery,
    ("PUT", "/v1/agents/{agent_id}/aliases"): AgentAliasQuery,
    ("DELETE", "/v1/agents/{agent_id}/aliases"): AgentAliasDeleteQuery,
}


class TestAgentQueries(QueryTableTests):
    PREFIX = ("/v1/conversations", "/v1/agents")
    QUERIES = QUERIES


@pytest.mark.parametrize(
    ("model", "params", "argument"),
    [
        (AgentAliasQuery, {"alias": "Prod", "version": 1}, "alias"),
        (AgentAliasQuery, {"alias": "prod-", "version": 1}, "alias"),
        (AgentAliasDeleteQuery, {"alias": "x" * 65}, "alias"),
        (AgentsListQuery, {"page_size": 1001}, "page_size"),
        (AgentsListQuery, {"page": -1}, "page"),
        (AgentsListPagesQuery, {"sources": ["web"]}, "sources[0]"),
        (AgentVersionsQuery, {"page_size": 101}, "page_size"),
        (AgentsListPagesQuery, {"page": 2}, "page"),  # cursor pages have no page number
    ],
)
def test_query_bounds_are_checked(
    model: type[BaseModel], params: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        validate_params(model, params)
    assert caught.value.argument == argument


def test_valid_queries_dump_only_what_was_given() -> None:
    query = validate_params(AgentsListPagesQuery, {"page_size": 5, "page_token": "cursor-2"})
    assert dump_request(query) == {"page_size": 5, "page_token": "cursor-2"}
    alias = validate_params(AgentAliasQuery, {"alias": "prod_2", "version": 3})
    assert dump_request(alias) == {"alias": "prod_2", "version": 3}
    assert dump_request(validate_params(AgentGetQuery, {"agent_version": "prod"})) == {
        "agent_version": "prod"
    }


@pytest.mark.parametrize(
    ("model", "params", "argument"),
    [
        (CompletionArgs, {"temperature": 1.2}, "temperature"),  # 0..1 here, not chat's 1.5
        (CompletionArgs, {"tool_choice": {"type": "function"}}, "tool_choice"),
        (AgentCreationRequest, {"name": "a"}, "model"),
        (AgentCreationRequest, {**CREATE, "handoffs": []}, "handoffs"),
        (AgentCreationRequest, {**CREATE, "version_message": "x" * 501}, "version_message"),
        (AgentCreationRequest, {**CREATE, "deployment_chat": True}, "deployment_chat"),
        (AgentsCompletionRequest, {**COMPLETE, "model": "m"}, "model"),
        (AgentsCompletionRequest, {**COMPLETE, "temperature": 0.5}, "temperature"),
    ],
)  # fmt: skip
def test_agent_requests_refuse_what_the_api_would(
    model: type[BaseModel], params: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        validate_params(model, params)
    assert caught.value.argument == argument
