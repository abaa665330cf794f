"""The simulated model: a deterministic, pure stand-in for a chat LLM.

It never calls out and never guesses: the answer is a function of the request (and the server's
seed), so a test can predict it, and two different prompts give two different answers.

- Text: ``You said "<last user message>". Here is a <adjective> <noun>.`` where the two words
  come from a hash of the conversation, the model, the request's ``random_seed`` and the choice
  index. With ``temperature: 0`` (greedy decoding) seed and index are left out of the hash, so
  every choice and every call gives the same answer.
- Tokens: words and single punctuation marks (:func:`.text.tokenize`); 3 more per message, as
  a chat template's role markers would cost.
- A last assistant message with ``prefix: true`` starts the answer, which continues it.
- ``stop`` cuts the text before the first stop string; ``max_tokens`` truncates it and makes
  ``finish_reason`` ``"length"``.
- Tools: offered tools (unless ``tool_choice`` is ``"none"`` or the conversation ends with
  tool results) are called; arguments satisfy the tool's JSON schema, with strings taken from
  the prompt. After tool results, the text quotes them.
- ``response_format``: ``json_object`` → ``{"answer": <text>}``; ``json_schema`` → a value
  generated from the schema (:mod:`.instances`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._spec.error_bodies import ApiError
from .instances import generate_instance
from .text import STOPWORDS, count_tokens, greedy, limited, message_text, phrase, request_digest

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MESSAGE_OVERHEAD = 3
_QUOTE_WORDS = 24
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON object, as text, as the API sends it


@dataclass(frozen=True)
class Choice:
    index: int
    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    completion_tokens: int


@dataclass(frozen=True)
class Completion:
    choices: tuple[Choice, ...]
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return sum(choice.completion_tokens for choice in self.choices)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def count_prompt_tokens(messages: Sequence[Mapping[str, Any]], tools: Any = None) -> int:
    total = 0
    for message in messages:
        total += _MESSAGE_OVERHEAD + count_tokens(message_text(message.get("content")))
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            total += count_tokens(str(function.get("name", ""))) + count_tokens(
                json.dumps(function.get("arguments", ""))
            )
    if tools:
        total += count_tokens(json.dumps(tools))
    return total


def complete_chat(request: Mapping[str, Any], *, seed: int = 0) -> Completion:
    """Answer a (spec-valid) chat completion request.

    :param seed: the server's seed, so two servers can be told to answer differently.
    :raises ApiError: 400 for a ``tool_choice`` that names a function not in ``tools``.
    """
    messages: Sequence[Mapping[str, Any]] = request["messages"]
    choices = []
    for index in range(request.get("n") or 1):
        # Greedy decoding answers every choice alike: the index is left out of the hash.
        choice = 0 if greedy(request) else index
        digest = request_digest(request, seed, messages=messages, choice=choice)
        choices.append(_choice(request, index, digest))
    return Completion(tuple(choices), count_prompt_tokens(messages, request.get("tools")))


def _choice(request: Mapping[str, Any], index: int, digest: bytes) -> Choice:
    messages: Sequence[Mapping[str, Any]] = request["messages"]
    last: Mapping[str, Any] = messages[-1] if messages else {}
    tools = [t for t in request.get("tools") or [] if isinstance(t.get("function"), Mapping)]
    tool_choice = request.get("tool_choice") or "auto"
    prompt = _last_user_text(messages)
    if tools and tool_choice != "none" and last.get("role") != "tool":
        parallel = request.get("parallel_tool_calls", True) is not False
        chosen = _choose_tools(tools, tool_choice, prompt, parallel)
        calls = tuple(
            ToolCall(_call_id(digest, index, k), function["name"], _arguments(function, prompt))
            for k, function in enumerate(chosen)
        )
        tokens = sum(count_tokens(c.name) + count_tokens(c.arguments) for c in calls)
        return Choice(index, "", calls, "tool_calls", tokens)
    text = _answer(messages, prompt, digest)
    text = _formatted(text, request.get("response_format"), prompt)
    if last.get("role") == "assistant" and last.get("prefix"):
        # The answer continues the prefix, which it includes, as the live API's does.
        prefix = message_text(last.get("content"))
        text = prefix + (" " if prefix and not prefix[-1].isspace() else "") + text
    text, finish_reason = limited(text, request.get("stop"), request.get("max_tokens"))
    return Choice(index, text, (), finish_reason, count_tokens(text))


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def _answer(messages: Sequence[Mapping[str, Any]], prompt: str, digest: bytes) -> str:
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        name = message.get("name") or "the tool"
        results.insert(0, f"{name} returned {_quote(message_text(message.get('content')))}")
    if results:
        return "Based on the tool results: " + "; ".join(results) + "."
    adjective, noun = phrase(digest)
    return f'You said "{_quote(prompt)}". Here is a {adjective} {noun}.'


def _quote(text: str) -> str:
    words = text.split()
    if not words:
        return "nothing"
    quoted = " ".join(words[:_QUOTE_WORDS])
    return quoted + " ..." if len(words) > _QUOTE_WORDS else quoted


def _formatted(text: str, response_format: Any, prompt: str) -> str:
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_object":
        return json.dumps({"answer": text})
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return json.dumps(generate_instance(schema, [*_prompt_strings(prompt), text]))
    return text


def _words(text: str) -> set[str]:
    """Lower-case words of a text or identifier (snake_case and camelCase split)."""
    return {w.lower() for w in _WORD.findall(_CAMEL.sub(" ", text.replace("_", " ")))}


def _choose_tools(
    tools: list[Mapping[str, Any]], tool_choice: Any, prompt: str, parallel: bool
) -> list[Mapping[str, Any]]:
    functions = [tool["function"] for tool in tools]
    if isinstance(tool_choice, Mapping):
        name = (tool_choice.get("function") or {}).get("name")
        for function in functions:
            if function.get("name") == name:
                return [function]
        message = f"tool_choice names {name!r}, which is not in tools"
        raise ApiError(400, message, param="tool_choice")
    lowered = prompt.lower()
    mentioned = [
        f
        for f in functions
        if str(f.get("name", "")).lower() in lowered
        or str(f.get("name", "")).replace("_", " ").lower() in lowered
    ]
    if parallel and len(mentioned) > 1:
        return mentioned
    prompt_words = _words(prompt) - STOPWORDS

    def overlap(function: Mapping[str, Any]) -> int:
        described = _words(str(function.get("name", ""))) | _words(
            str(function.get("description", ""))
        )
        return len(prompt_words & described)

    best = max(functions, key=overlap)  # max keeps the first of equals: tools[0] if no overlap
    return [best]


def _prompt_strings(prompt: str) -> list[str]:
    """Candidate string values from the prompt: names first (capitalised words not opening a
    sentence, e.g. "Paris"), then the other content words, in order of appearance."""
    names: list[str] = []
    others: list[str] = []
    sentence_start = True
    for match in re.finditer(r"[A-Za-z][\w'-]*|[.!?]", prompt):
        word = match.group()
        if word in ".!?":
            sentence_start = True
            continue
        if word[0].isupper() and not sentence_start:
            names.append(word)
        elif word.lower().replace("'", "") not in STOPWORDS:
            others.append(word)
        sentence_start = False
    return list(dict.fromkeys(names + others)) or ([prompt.strip()] if prompt.strip() else [])


def _arguments(function: Mapping[str, Any], prompt: str) -> str:
    parameters = function.get("parameters")
    schema = parameters if isinstance(parameters, Mapping) else {}
    value = generate_instance(schema, _prompt_strings(prompt))
    return json.dumps(value if isinstance(value, dict) else {})


def _call_id(digest: bytes, choice: int, call: int) -> str:
    """A 9-character alphanumeric id, as the API's tool call ids are."""
    raw = hashlib.sha256(digest + bytes([choice % 256, call % 256])).digest()
    return "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in raw[:9])
