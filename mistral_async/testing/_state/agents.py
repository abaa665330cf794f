"""Simulated agents: every version of each agent, which one is current, and version aliases.

An agent is created at version 0; every update makes the next version (a copy of the current
one with the update applied) and makes it current; :func:`switch_version` makes an older one
current again. An alias names one version and can be moved to another. Each version is kept as
the spec's ``Agent`` object exactly as ``GET /v1/agents/{id}?agent_version=N`` returns it, except
``versions`` and ``updated_at``, which are the agent's and filled in when it is read.

Everything here runs under the store's lock; the routes turn the :class:`ApiError` it raises
into replies.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._spec.error_bodies import ApiError
from .store import Store

# The fields of AgentCreationRequest / AgentUpdateRequest an agent version keeps, and the value
# an agent created without them has.
_SETTINGS: dict[str, Any] = {
    "instructions": None,
    "tools": [],
    "completion_args": {},
    "guardrails": None,
    "description": None,
    "handoffs": None,
    "metadata": None,
    "version_message": None,
}


_RANKS = itertools.count(1)


def now_iso() -> str:
    """The current time as the API writes it (RFC 3339, UTC, microseconds)."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class StoredAgent:
    """One agent: its versions (version number → ``Agent`` object), current version, aliases."""

    id: str
    created_at: str
    rank: int = 0
    """Creation order, for cursors: higher for every agent created later in the process."""
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    current: int = 0
    updated_at: str = ""
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Alias → the spec's ``AgentAliasResponse``."""

    def version(self, number: int | None = None) -> dict[str, Any]:
        """The ``Agent`` object of a version (the current one by default)."""
        chosen = self.current if number is None else number
        found = copy.deepcopy(self.versions[chosen])
        found.update(versions=sorted(self.versions), updated_at=self.updated_at)
        return found

    def resolve(self, version: int | str | None) -> int:
        """The version number that ``version`` names: a number, a numeric string, an alias,
        or ``None`` for the current one; 404 if there is no such version or alias."""
        if version is None:
            return self.current
        if isinstance(version, int) or version.lstrip("-").isdigit():
            number = int(version)
            if number in self.versions:
                return number
            raise ApiError(404, f"Agent {self.id} has no version {number}", param="version")
        alias = self.aliases.get(version)
        if alias is None:
            raise ApiError(404, f"Agent {self.id} has no alias {version!r}", param="version")
        number = alias["version"]
        assert isinstance(number, int)
        return number


def agents(found: Store) -> dict[str, StoredAgent]:
    """The store's agents (id → agent, in creation order)."""
    return found.agents


def create_agent(found: Store, body: dict[str, Any]) -> dict[str, Any]:
    """Record a new agent from an ``AgentCreationRequest`` and return its ``Agent`` object."""
    stamp = now_iso()
    agent = StoredAgent(
        id=f"ag_{uuid.uuid4().hex}", created_at=stamp, rank=next(_RANKS), updated_at=stamp
    )
    first = {key: copy.deepcopy(body.get(key, default)) for key, default in _SETTINGS.items()}
    first.update(
        model=body["model"],
        name=body["name"],
        object="agent",
        id=agent.id,
        version=0,
        created_at=stamp,
        deployment_chat=False,
        source="api",
    )
    agent.versions[0] = first
    with found.lock:
        found.agents[agent.id] = agent
    return agent.version()


def find_agent(found: Store, agent_id: str) -> StoredAgent:
    """The agent ``agent_id`` names, or 404 in the API's error shape."""
    with found.lock:
        agent = found.agents.get(agent_id)
    if agent is None:
        raise ApiError(404, f"Agent {agent_id} not found", param="agent_id")
    return agent


def update_agent(found: Store, agent_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Apply an ``AgentUpdateRequest``: a new version, made current; returns it."""
    with found.lock:
        agent = find_agent(found, agent_id)
        number = max(agent.versions) + 1
        stamp = now_iso()
        version = copy.deepcopy(agent.versions[agent.current])
        # A field sent as null keeps the current value, as an omitted one does: the API's
        # update is a patch; `version_message` describes the new version only.
        version.update({key: copy.deepcopy(v) for key, v in body.items() if v is not None})
        version.update(
            version=number, created_at=stamp, version_message=body.get("version_message")
        )
        agent.versions[number] = version
        agent.current = number
        agent.updated_at = stamp
        return agent.version()


def switch_version(found: Store, agent_id: str, version: int) -> dict[str, Any]:
    """Make an existing version the current one; returns the agent as it now is."""
    with found.lock:
        agent = find_agent(found, agent_id)
        agent.current = agent.resolve(version)
        agent.updated_at = now_iso()
        return agent.version()


def delete_agent(found: Store, agent_id: str) -> None:
    with found.lock:
        find_agent(found, agent_id)
        del found.agents[agent_id]


def set_alias(found: Store, agent_id: str, alias: str, version: int) -> dict[str, Any]:
    """Create ``alias`` for ``version``, or move it there; returns the ``AgentAliasResponse``."""
    with found.lock:
        agent = find_agent(found, agent_id)
        number = agent.resolve(version)
        stamp = now_iso()
        existing = agent.aliases.get(alias)
        created = existing["created_at"] if existing is not None else stamp
        entry = {"alias": alias, "version": number, "created_at": created, "updated_at": stamp}
        agent.aliases[alias] = entry
        return dict(entry)


def delete_alias(found: Store, agent_id: str, alias: str) -> None:
    with found.lock:
        agent = find_agent(found, agent_id)
        if alias not in agent.aliases:
            raise ApiError(404, f"Agent {agent_id} has no alias {alias!r}", param="alias")
        del agent.aliases[alias]
