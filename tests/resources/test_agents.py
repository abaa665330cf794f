"""``client.beta.agents`` and the deprecated ``client.agents`` completions against the local
server (asyncio and trio, and the blocking client): every operation, cursor pages, errors."""

from __future__ import annotations

import uuid

import pytest

from mistral_async import ArgumentError, AsyncMistral, Mistral, NotFoundError
from mistral_async.types.agents import Agent, AgentAliasResponse, AgentListPage
from mistral_async.types.chat import ChatCompletionResponse

pytestmark = pytest.mark.anyio

MODEL = "mistral-small-latest"


async def test_create_get_update_and_versions(client: AsyncMistral) -> None:
    agents = client.beta.agents
    agent = await agents.create(
        model=MODEL, name="Writer", instructions="Write.", metadata={"a": 1}
    )
    assert isinstance(agent, Agent)
    assert (agent.version, agent.versions, agent.instructions) == (0, [0], "Write.")
    updated = await agents.update(agent.id, instructions="Rewrite.", version_message="v1")
    assert (updated.version, updated.versions, updated.version_message) == (1, [0, 1], "v1")
    assert (await agents.get(agent.id)).instructions == "Rewrite."
    assert (await agents.get(agent.id, agent_version=0)).instructions == "Write."
    assert (await agents.get_version(agent.id, 0)).version == 0
    versions = await agents.list_versions(agent.id)
    assert [v.version for v in versions] == [1, 0]
    assert [v.version for v in await agents.list_versions(agent.id, page=1, page_size=1)] == [0]
    switched = await agents.update_version(agent.id, version=0)
    assert (switched.version, switched.instructions) == (0, "Write.")


async def test_aliases(client: AsyncMistral) -> None:
    agents = client.beta.agents
    agent = await agents.create(model=MODEL, name="Aliased")
    await agents.update(agent.id, description="second")
    alias = await agents.create_version_alias(agent.id, alias="stable", version=0)
    assert isinstance(alias, AgentAliasResponse)
    assert (alias.alias, alias.version) == ("stable", 0)
    assert (await agents.get(agent.id, agent_version="stable")).version == 0
    assert (await agents.get_version(agent.id, "stable")).version == 0
    await agents.create_version_alias(agent.id, alias="stable", version=1)
    listed = await agents.list_version_aliases(agent.id)
    assert [(a.alias, a.version) for a in listed] == [("stable", 1)]
    assert await agents.delete_version_alias(agent.id, alias="stable") is None
    assert await agents.list_version_aliases(agent.id) == []
    with pytest.raises(NotFoundError):
        await agents.delete_version_alias(agent.id, alias="stable")


async def test_list_pages_iterates_across_cursor_pages(client: AsyncMistral) -> None:
    agents = client.beta.agents
    tag = uuid.uuid4().hex[:10]
    made = [
        await agents.create(model=MODEL, name=f"{tag}-{k}", metadata={"tag": tag}) for k in range(5)
    ]
    paginator = agents.list_pages(search=tag, page_size=2)
    first = await paginator
    assert isinstance(first, AgentListPage)
    assert [a.id for a in first.data] == [a.id for a in made[:2]]
    assert first.next_page_token is not None
    assert [a.id async for a in agents.list_pages(search=tag, page_size=2)] == [a.id for a in made]
    pages = [page async for page in agents.list_pages(metadata={"tag": tag}, page_size=2).pages()]
    assert [len(p.data) for p in pages] == [2, 2, 1]
    after = agents.list_pages(search=tag, page_size=10, page_token=first.next_page_token)
    assert [a.id async for a in after] == [a.id for a in made[2:]]


async def test_deprecated_list_warns(client: AsyncMistral) -> None:
    agents = client.beta.agents
    tag = uuid.uuid4().hex[:10]
    made = await agents.create(model=MODEL, name=f"{tag}-only")
    with pytest.warns(DeprecationWarning, match="list_pages"):
        listed = await agents.list(search=tag)
    assert [a.id for a in listed] == [made.id]


async def test_delete_and_errors(client: AsyncMistral) -> None:
    agents = client.beta.agents
    agent = await agents.create(model=MODEL, name="Doomed")
    assert await agents.delete(agent.id) is None
    with pytest.raises(NotFoundError) as info:
        await agents.get(agent.id)
    assert info.value.status_code == 404
    for name, call in [
        ("name", lambda: agents.create(model=MODEL)),
        ("alias", lambda: agents.create_version_alias("ag_1", alias="Bad Alias", version=0)),
        ("page_size", lambda: agents.list_pages(page_size=5000)),
        ("agent_id", lambda: agents.get("")),
        ("version_message", lambda: agents.update("ag_1", version_message="x" * 501)),
    ]:
        with pytest.raises(ArgumentError) as raised:
            result = call()
            if hasattr(result, "__await__"):
                await result
        assert name in str(raised.value)


async def test_agents_completions(client: AsyncMistral) -> None:
    agent = await client.beta.agents.create(model=MODEL, name="Pirate", instructions="Arr.")
    messages = [{"role": "user", "content": "Hello there"}]
    answer = await client.agents.complete(agent_id=agent.id, messages=messages)
    assert isinstance(answer, ChatCompletionResponse)
    assert answer.text.startswith('You said "Hello there".')
    async with client.agents.stream(agent_id=agent.id, messages=messages) as stream:
        final = await stream.get_final_completion()
    assert final.text == answer.text
    with pytest.raises(NotFoundError):
        await client.agents.complete(agent_id="ag_nope", messages=messages)


def test_sync_agents(sync_client: Mistral) -> None:
    agents = sync_client.beta.agents
    tag = uuid.uuid4().hex[:10]
    made = [agents.create(model=MODEL, name=f"{tag}-{k}") for k in range(3)]
    assert [a.id for a in agents.list_pages(search=tag, page_size=2)] == [a.id for a in made]
    agents.update(made[0].id, instructions="new")
    assert [v.version for v in agents.list_versions(made[0].id)] == [1, 0]
    agents.create_version_alias(made[0].id, alias="old", version=0)
    assert agents.get(made[0].id, agent_version="old").version == 0
    messages = [{"role": "user", "content": "Hi"}]
    with sync_client.agents.stream(agent_id=made[0].id, messages=messages) as stream:
        text = "".join(stream.text_deltas())
    assert text == sync_client.agents.complete(agent_id=made[0].id, messages=messages).text
    agents.delete(made[0].id)
    with pytest.raises(NotFoundError):
        agents.get(made[0].id)
