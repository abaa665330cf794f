"""Simulated conversations: their settings and entries, kept server-side when ``store`` is true.

A conversation answers with a model (and its own instructions, tools, completion arguments)
or with an agent (the version it names, else the agent's current one). Each step (start,
append, restart) stamps its new entries with ids and times, asks the simulated model
(:mod:`.._models.conversation`) for the outputs, and, when the request stores, appends inputs
and outputs to the history. ``store: false`` answers the same but keeps nothing: the
conversation of a start is not found afterwards, an append or a restart leaves the history as
it was. Restarting from an entry makes a new conversation whose history is the original's up to
and including that entry.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._models.conversation import DocumentSearch, Speaker, Step, run_step
from .._spec.error_bodies import ApiError
from .agents import StoredAgent, find_agent, now_iso
from .store import Store

_ID_PREFIXES = {
    "message.input": "msg",
    "message.output": "msg",
    "function.call": "fc",
    "function.result": "fr",
    "tool.execution": "tool_exec",
    "agent.handoff": "handoff",
}
# Settings a model conversation keeps from its start request (AgentConversation keeps fewer).
_MODEL_SETTINGS = ("instructions", "tools", "completion_args", "guardrails")


@dataclass
class StoredConversation:
    """One conversation: who answers, its settings, its entries."""

    id: str
    created_at: str
    updated_at: str
    model: str | None = None
    agent_id: str | None = None
    agent_version: int | str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    """``instructions``, ``tools``, ``completion_args``, ``guardrails`` (model conversations)."""
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    speaker_agent_id: str | None = None
    """The agent that answers next: ``agent_id`` until a handoff moves the turn."""

    def json(self) -> dict[str, Any]:
        """The spec's ``ModelConversation`` or ``AgentConversation``."""
        common = {
            "name": self.name,
            "description": self.description,
            "metadata": self.metadata,
            "object": "conversation",
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.agent_id is not None:
            return {**common, "agent_id": self.agent_id, "agent_version": self.agent_version}
        settings = {
            "instructions": self.settings.get("instructions"),
            "tools": copy.deepcopy(self.settings.get("tools") or []),
            "completion_args": copy.deepcopy(self.settings.get("completion_args") or {}),
            "guardrails": copy.deepcopy(self.settings.get("guardrails")),
        }
        return {**settings, **common, "model": self.model}


@dataclass
class StepReply:
    """What a step answers: the conversation it ran in, its new outputs and usage."""

    conversation: StoredConversation
    outputs: list[dict[str, Any]]
    usage: dict[str, Any]


def find_conversation(found: Store, conversation_id: str) -> StoredConversation:
    with found.lock:
        conversation = found.conversations.get(conversation_id)
    if conversation is None:
        message = f"Conversation {conversation_id} not found"
        raise ApiError(404, message, param="conversation_id")
    return conversation


def delete_conversation(found: Store, conversation_id: str) -> None:
    with found.lock:
        find_conversation(found, conversation_id)
        del found.conversations[conversation_id]


def start(
    found: Store, body: dict[str, Any], seed: int, search: DocumentSearch | None = None
) -> StepReply:
    """``POST /v1/conversations``: a new conversation, with a model or an agent."""
    stamp = now_iso()
    conversation = StoredConversation(
        id=f"conv_{uuid.uuid4().hex}",
        created_at=stamp,
        updated_at=stamp,
        name=body.get("name"),
        description=body.get("description"),
        metadata=copy.deepcopy(body.get("metadata")),
    )
    agent_id = body.get("agent_id")
    if agent_id is not None:
        if body.get("model") is not None:
            raise ApiError(400, "Give either a model or an agent_id, not both", param="agent_id")
        agent = find_agent(found, agent_id)
        agent.resolve(body.get("agent_version"))  # 404 for a version the agent lacks
        conversation.agent_id = conversation.speaker_agent_id = agent_id
        conversation.agent_version = body.get("agent_version")
    else:
        conversation.model = body["model"]
        conversation.settings = {
            key: copy.deepcopy(body[key]) for key in _MODEL_SETTINGS if body.get(key) is not None
        }
    return _step(
        found, conversation, body, seed, store=body.get("store") is not False, search=search
    )


def append(
    found: Store,
    conversation_id: str,
    body: dict[str, Any],
    seed: int,
    search: DocumentSearch | None = None,
) -> StepReply:
    """``POST /v1/conversations/{id}``: new entries, and the answer to them."""
    conversation = find_conversation(found, conversation_id)
    if body.get("inputs") is None and not body.get("tool_confirmations"):
        message = "Give inputs, tool_confirmations or both"
        raise ApiError(400, message, param="inputs")
    if body.get("store") is False:
        conversation = copy.deepcopy(conversation)  # answered, then forgotten
    return _step(
        found, conversation, body, seed, store=body.get("store") is not False, search=search
    )


def restart(
    found: Store,
    conversation_id: str,
    body: dict[str, Any],
    seed: int,
    search: DocumentSearch | None = None,
) -> StepReply:
    """``POST /v1/conversations/{id}/restart``: a new conversation with the history up to
    ``from_entry_id``, then the step."""
    original = find_conversation(found, conversation_id)
    with found.lock:
        ids = [entry.get("id") for entry in original.entries]
        if body["from_entry_id"] not in ids:
            message = f"Entry {body['from_entry_id']} is not in conversation {conversation_id}"
            raise ApiError(404, message, param="from_entry_id")
        kept = original.entries[: ids.index(body["from_entry_id"]) + 1]
        stamp = now_iso()
        conversation = copy.deepcopy(original)
    conversation.id = f"conv_{uuid.uuid4().hex}"
    conversation.created_at = conversation.updated_at = stamp
    conversation.entries = copy.deepcopy(kept)
    conversation.speaker_agent_id = conversation.agent_id
    if body.get("metadata") is not None:
        conversation.metadata = copy.deepcopy(body["metadata"])
    if body.get("agent_version") is not None and conversation.agent_id is not None:
        find_agent(found, conversation.agent_id).resolve(body["agent_version"])
        conversation.agent_version = body["agent_version"]
    return _step(
        found, conversation, body, seed, store=body.get("store") is not False, search=search
    )


def _step(
    found: Store,
    conversation: StoredConversation,
    body: dict[str, Any],
    seed: int,
    *,
    store: bool,
    search: DocumentSearch | None,
) -> StepReply:
    inputs = [_stamped(entry) for entry in _input_entries(body.get("inputs"))]
    with found.lock:
        speaker = _speaker(found, conversation)
        step: Step = run_step(
            conversation.entries,
            inputs,
            speaker,
            lookup=lambda agent_id: _agent_speaker(found, agent_id),
            search=search,
            handoff_execution=body.get("handoff_execution") or "server",
            confirmations=body.get("tool_confirmations") or (),
            completion_args=body.get("completion_args"),
            seed=seed,
        )
        outputs = [_stamped(entry) for entry in step.outputs]
        if store:
            for entry in conversation.entries:
                status = step.confirmed.get(str(entry.get("tool_call_id")))
                if status is not None and entry.get("type") == "function.call":
                    entry["confirmation_status"] = status
            conversation.entries.extend([*inputs, *copy.deepcopy(outputs)])
            conversation.speaker_agent_id = step.speaker.agent_id or conversation.agent_id
            conversation.updated_at = now_iso()
            found.conversations[conversation.id] = conversation
    return StepReply(conversation, outputs, step.usage)


def _input_entries(inputs: Any) -> list[dict[str, Any]]:
    """A step's inputs as entries: a string is one user message."""
    if inputs is None:
        return []
    if isinstance(inputs, str):
        return [{"type": "message.input", "role": "user", "content": inputs}]
    return [copy.deepcopy(entry) for entry in inputs]


def _stamped(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry with the fields the API fills in: ``object``, ``type``, ``id``, times."""
    kind = str(entry.get("type") or "message.input")
    stamp = now_iso()
    full: dict[str, Any] = {
        "object": "entry",
        "type": kind,
        "created_at": stamp,
        "completed_at": stamp,
    }
    full.update({k: v for k, v in entry.items() if v is not None or k not in full})
    full.setdefault("id", f"{_ID_PREFIXES.get(kind, 'entry')}_{uuid.uuid4().hex}")
    if kind == "message.input":
        full.setdefault("prefix", False)
    return full


def _speaker(found: Store, conversation: StoredConversation) -> Speaker:
    if conversation.agent_id is None:
        settings = conversation.settings
        return Speaker(
            model=str(conversation.model),
            instructions=settings.get("instructions"),
            tools=tuple(settings.get("tools") or ()),
            completion_args=dict(settings.get("completion_args") or {}),
        )
    speaker_id = conversation.speaker_agent_id or conversation.agent_id
    version = conversation.agent_version if speaker_id == conversation.agent_id else None
    return agent_speaker(find_agent(found, speaker_id), version)


def _agent_speaker(found: Store, agent_id: str) -> Speaker | None:
    agent = found.agents.get(agent_id)
    return agent_speaker(agent) if agent is not None else None


def agent_speaker(agent: StoredAgent, version: int | str | None = None) -> Speaker:
    """An agent version (the current one by default) as the speaker of a step."""
    settings = agent.version(agent.resolve(version))
    return Speaker(
        model=settings["model"],
        instructions=settings.get("instructions"),
        tools=tuple(settings.get("tools") or ()),
        completion_args=dict(settings.get("completion_args") or {}),
        agent_id=agent.id,
        name=settings["name"],
        handoffs=tuple(settings.get("handoffs") or ()),
    )
