"""The simulated model in a conversation: what one step (start, append, restart) outputs.

A step reads the conversation's entries as a chat (instructions → system message, messages,
``function.call`` → an assistant tool call, ``function.result`` and ``tool.execution`` → tool
messages) and answers with the chat simulator (:mod:`.chat`), so texts read as chat answers do:
``You said "<prompt>". Here is a <adjective> <noun>.``, or ``Based on the tool results: ...``
after tools. Who answers is a :class:`Speaker`: a model with its settings, or an agent version.
Rules, in order, for a step whose last entry is a user message:

1. Handoff: an agent with ``handoffs`` hands the turn to the first agent of that list whose name
   the user's message mentions (case-insensitive); none mentioned, no handoff. With
   ``handoff_execution="server"`` the next agent answers in the same step; with ``"client"`` the
   step ends at the ``agent.handoff`` entry and the next step is the next agent's. At most one
   handoff per step.
2. Function tools (unless ``tool_choice`` is ``"none"``): ``function.call`` entries, the function
   and arguments chosen as chat chooses them (the tool whose name or description shares most
   words with the prompt, the first one otherwise; arguments generated from its JSON-schema
   parameters with strings from the prompt), and the step ends: the conversation waits for the
   ``function.result`` entries.
3. Built-in connectors (``web_search``, ``web_search_premium``, ``code_interpreter``,
   ``image_generation``, ``document_library``) and custom ``connector`` tools: the first one
   offered runs, a ``tool.execution`` entry with a fake result made from the prompt; if its
   ``tool_configuration.requires_confirmation`` names it (its type, or a custom connector's id),
   a ``function.call`` entry with ``confirmation_status: "pending"`` instead, and the step ends
   until a ``tool_confirmations`` item allows (then it runs) or denies it.

Then (also after function results, a connector run or a denial) a ``message.output`` answers.
Entries come without ``id``/``created_at`` (the state stamps them); tool call ids and texts are
a function of the conversation, the speaker and the server's seed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .._spec.error_bodies import ApiError
from .chat import complete_chat, count_prompt_tokens
from .text import count_tokens, message_text, request_digest

CONNECTORS = (
    "web_search", "web_search_premium", "code_interpreter", "image_generation",
    "document_library", "connector",
)  # fmt: skip
_DENIED = "The user denied this tool call."
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# completion_args a chat request takes as they are.
_CHAT_ARGS = (
    "stop", "presence_penalty", "frequency_penalty", "temperature", "top_p", "max_tokens",
    "random_seed", "prediction", "response_format",
)  # fmt: skip

Entry = dict[str, Any]


@dataclass(frozen=True)
class Speaker:
    """Who answers a step: a model and its settings, or one version of an agent."""

    model: str
    instructions: str | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    completion_args: Mapping[str, Any] = field(default_factory=dict)
    agent_id: str | None = None
    name: str | None = None
    handoffs: tuple[str, ...] = ()


@dataclass
class Step:
    """What a step outputs, and what it changes."""

    outputs: list[Entry]
    usage: dict[str, Any]
    speaker: Speaker
    """Who answers the next step (another agent after a handoff)."""
    confirmed: dict[str, str]
    """``tool_call_id`` → ``"allowed"``/``"denied"``: pending calls the step's confirmations
    settled, for the state to update their ``confirmation_status``."""


DocumentSearch = Callable[[Sequence[str], str], list[dict[str, Any]]]
"""``(library ids, query)`` → the passages found, best first (``library_id``, ``document_id``,
``document_name``, ``text``, ``score``): what the ``document_library`` connector reads."""


def run_step(
    history: Sequence[Entry],
    inputs: Sequence[Entry],
    speaker: Speaker,
    *,
    lookup: Callable[[str], Speaker | None] = lambda _: None,
    search: DocumentSearch | None = None,
    handoff_execution: str = "server",
    confirmations: Sequence[Mapping[str, Any]] = (),
    completion_args: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> Step:
    """Answer one step of a conversation (see the module docstring for the rules).

    :param history: the entries so far; ``inputs``: the step's new entries.
    :param lookup: the agent an id names (for handoffs), ``None`` if unknown.
    :param search: the server's document search, for the ``document_library`` connector
        (without one, it reports a made-up document per library).
    :param completion_args: the step's own, over the speaker's.
    :raises ApiError: 400 for a confirmation of no pending call.
    """
    if completion_args:
        speaker = replace(speaker, completion_args={**speaker.completion_args, **completion_args})
    entries = [*history, *inputs]
    run = _Run(entries, speaker, seed, search)
    confirmed = _confirm(entries, confirmations)
    for call_id, status in confirmed.items():
        call = next(e for e in entries if e.get("tool_call_id") == call_id)
        if status == "allowed":
            run.execute(str(call["name"]), _loads(call.get("arguments")))
        else:
            run.entries.append({"type": "function.result", "tool_call_id": call_id, "result": ""})
            run.denied.add(call_id)
    last = entries[-1] if entries else {}
    if not confirmed and last.get("type") == "message.input" and last.get("role") == "user":
        target = _handoff_target(run.speaker, run.prompt, lookup)
        if target is not None:
            run.handoff(target)
            if handoff_execution == "client":
                return run.step(confirmed)
        if run.call_functions() or run.connect():
            return run.step(confirmed)
    run.answer()
    return run.step(confirmed)


class _Run:
    """One step in progress: the entries it reads (growing with its outputs) and the outputs."""

    def __init__(
        self, entries: list[Entry], speaker: Speaker, seed: int, search: DocumentSearch | None
    ) -> None:
        self.search = search
        self.entries = list(entries)
        self.speaker = speaker
        self.seed = seed
        self.outputs: list[Entry] = []
        self.denied: set[str] = set()
        self.prompt = _last_user_text(entries)
        self.prompt_tokens = count_prompt_tokens(self.messages(), _function_tools(speaker))
        self.connector_tokens = 0
        self.connectors: dict[str, int] = {}

    def output(self, entry: Entry, *, by_agent: bool = True) -> None:
        full = {"object": "entry", **entry}
        if by_agent:
            full.update(agent_id=self.speaker.agent_id, model=self.speaker.model)
        self.outputs.append(full)
        self.entries.append(full)

    def messages(self) -> list[dict[str, Any]]:
        return _chat_messages(self.entries, self.speaker.instructions, self.denied)

    def chat_request(self, tools: list[dict[str, Any]]) -> dict[str, Any]:
        args = self.speaker.completion_args
        request = {k: args[k] for k in _CHAT_ARGS if args.get(k) is not None}
        request.update(model=self.speaker.model, messages=self.messages())
        if tools:
            request.update(tools=tools, tool_choice=args.get("tool_choice") or "auto")
        return request

    def handoff(self, target: Speaker) -> None:
        self.output(
            {
                "type": "agent.handoff",
                "previous_agent_id": self.speaker.agent_id,
                "previous_agent_name": self.speaker.name,
                "next_agent_id": target.agent_id,
                "next_agent_name": target.name,
            },
            by_agent=False,
        )
        self.speaker = target

    def call_functions(self) -> bool:
        tools = _function_tools(self.speaker)
        if not tools or self.speaker.completion_args.get("tool_choice") == "none":
            return False
        choice = complete_chat(self.chat_request(tools), seed=self.seed).choices[0]
        for call in choice.tool_calls:
            self.output(
                {
                    "type": "function.call",
                    "tool_call_id": call.id,
                    "name": call.name,
                    "arguments": call.arguments,
                }
            )
        return bool(choice.tool_calls)

    def connect(self) -> bool:
        """Run the first connector offered; ``True`` if the step now waits for a confirmation."""
        tool = next((t for t in self.speaker.tools if t.get("type") in CONNECTORS), None)
        if tool is None:
            return False
        name = str(tool.get("connector_id") if tool["type"] == "connector" else tool["type"])
        arguments = _connector_arguments(tool, self.prompt)
        configuration = tool.get("tool_configuration") or {}
        if name in (configuration.get("requires_confirmation") or ()):
            digest = request_digest(self.chat_request([]), self.seed, connector=name)
            self.output(
                {
                    "type": "function.call",
                    "tool_call_id": _call_id(digest),
                    "name": name,
                    "arguments": json.dumps(arguments),
                    "confirmation_status": "pending",
                }
            )
            return True
        self.execute(name, arguments)
        return False

    def execute(self, name: str, arguments: dict[str, Any]) -> None:
        if name == "document_library" and self.search is not None:
            info = _library_info(arguments, self.prompt, self.search)
        else:
            info = _connector_info(name, arguments, self.prompt)
        self.output(
            {
                "type": "tool.execution",
                "name": name,
                "arguments": json.dumps(arguments),
                "info": info,
            }
        )
        self.connectors[name] = self.connectors.get(name, 0) + 1
        self.connector_tokens += count_tokens(json.dumps(info))

    def answer(self) -> None:
        choice = complete_chat(self.chat_request([]), seed=self.seed).choices[0]
        self.output({"type": "message.output", "role": "assistant", "content": choice.content})

    def step(self, confirmed: dict[str, str]) -> Step:
        completion = sum(_output_tokens(entry) for entry in self.outputs)
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion + self.connector_tokens,
            "connector_tokens": self.connector_tokens if self.connectors else None,
            "connectors": dict(self.connectors) if self.connectors else None,
        }
        return Step(self.outputs, usage, self.speaker, confirmed)


def _confirm(
    entries: Sequence[Entry], confirmations: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    pending = {
        e.get("tool_call_id")
        for e in entries
        if e.get("type") == "function.call" and e.get("confirmation_status") == "pending"
    }
    confirmed: dict[str, str] = {}
    for item in confirmations:
        call_id = str(item["tool_call_id"])
        if call_id not in pending:
            message = f"No tool call {call_id} is waiting for a confirmation"
            raise ApiError(400, message, param="tool_confirmations")
        confirmed[call_id] = "allowed" if item["confirmation"] == "allow" else "denied"
    return confirmed


def _handoff_target(
    speaker: Speaker, prompt: str, lookup: Callable[[str], Speaker | None]
) -> Speaker | None:
    lowered = prompt.lower()
    for agent_id in speaker.handoffs:
        target = lookup(agent_id)
        if target is not None and target.name and target.name.lower() in lowered:
            return target
    return None


def _function_tools(speaker: Speaker) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": dict(t["function"])}
        for t in speaker.tools
        if t.get("type", "function") == "function" and isinstance(t.get("function"), Mapping)
    ]


def _chat_messages(
    entries: Sequence[Entry], instructions: str | None, denied: set[str]
) -> list[dict[str, Any]]:
    """The entries as the messages of a chat request."""
    messages: list[dict[str, Any]] = []
    if instructions:
        messages.append({"role": "system", "content": instructions})
    names: dict[str, str] = {}
    for entry in entries:
        kind = entry.get("type", "message.input")
        if kind in ("message.input", "message.output"):
            role = entry.get("role", "assistant")
            message = {"role": role, "content": message_text(entry.get("content"))}
            if entry.get("prefix"):
                message["prefix"] = True
            messages.append(message)
        elif kind == "function.call":
            call_id = str(entry.get("tool_call_id", ""))
            names[call_id] = str(entry.get("name", ""))
            arguments = entry.get("arguments")
            function = {
                "name": names[call_id],
                "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
            }
            call = {"id": call_id, "type": "function", "function": function}
            messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif kind == "function.result":
            call_id = str(entry.get("tool_call_id", ""))
            result = _DENIED if call_id in denied else str(entry.get("result", ""))
            name = names.get(call_id, "the tool")
            messages.append(
                {"role": "tool", "name": name, "tool_call_id": call_id, "content": result}
            )
        elif kind == "tool.execution":
            summary = (entry.get("info") or {}).get("summary") or entry.get("arguments", "")
            messages.append(
                {"role": "tool", "name": str(entry.get("name")), "content": str(summary)}
            )
    return messages


def _last_user_text(entries: Sequence[Entry]) -> str:
    for entry in reversed(entries):
        if entry.get("type", "message.input") == "message.input" and entry.get("role") == "user":
            return message_text(entry.get("content"))
    return ""


def _connector_arguments(tool: Mapping[str, Any], prompt: str) -> dict[str, Any]:
    kind = tool["type"]
    if kind == "code_interpreter":
        return {"code": f"print({prompt!r})"}
    if kind == "image_generation":
        return {"prompt": prompt}
    if kind == "document_library":
        return {"query": prompt, "library_ids": list(tool.get("library_ids") or [])}
    return {"query": prompt}


def _connector_info(name: str, arguments: Mapping[str, Any], prompt: str) -> dict[str, Any]:
    """The fake result of a connector run: what it found, and a one-line ``summary``."""
    digest = hashlib.sha256(
        json.dumps([name, dict(arguments)], sort_keys=True).encode()
    ).hexdigest()
    slug = "-".join(prompt.lower().split()[:6]) or "nothing"
    if name in ("web_search", "web_search_premium"):
        results = [
            {
                "title": f"Result {k} for {prompt or 'nothing'}",
                "url": f"https://example.com/{slug}/{k}",
            }
            for k in (1, 2)
        ]
        return {"results": results, "summary": f"2 web pages about {prompt or 'nothing'}"}
    if name == "code_interpreter":
        return {
            "code": arguments.get("code"),
            "code_output": prompt,
            "summary": f"printed {prompt}",
        }
    if name == "image_generation":
        file_id = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
        return {"file_id": file_id, "file_name": "image_generated_0.png", "summary": "one image"}
    if name == "document_library":
        libraries = list(arguments.get("library_ids") or [])
        return {
            "results": [
                {"library_id": library, "document": f"{slug}.pdf"} for library in libraries
            ],
            "summary": f"{len(libraries)} document(s) about {prompt or 'nothing'}",
        }
    return {"result": digest[:16], "summary": f"{name} answered {digest[:16]}"}


def _library_info(
    arguments: Mapping[str, Any], prompt: str, search: DocumentSearch
) -> dict[str, Any]:
    """What the ``document_library`` connector found in the server's libraries."""
    hits = search(list(arguments.get("library_ids") or []), str(arguments.get("query") or ""))
    results = [
        {
            "library_id": hit["library_id"],
            "document_id": hit["document_id"],
            "document": hit["document_name"],
            "text": hit["text"],
            "score": round(hit["score"], 4),
        }
        for hit in hits
    ]
    summary = f"{len(results)} passage(s) about {prompt or 'nothing'}"
    return {"results": results, "summary": summary}


def _output_tokens(entry: Entry) -> int:
    kind = entry["type"]
    if kind == "message.output":
        return count_tokens(message_text(entry.get("content")))
    if kind in ("function.call", "tool.execution"):
        return count_tokens(str(entry.get("name", ""))) + count_tokens(
            str(entry.get("arguments", ""))
        )
    return 0


def _loads(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        value = json.loads(str(arguments))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _call_id(digest: bytes) -> str:
    """A 9-character alphanumeric id, as the API's tool call ids are."""
    return "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:9])
