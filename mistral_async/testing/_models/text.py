"""What every simulated model shares: its tokens, the text of a message, the word lists, the
hash an answer is chosen by, and how ``stop`` and ``max_tokens`` cut an answer.

- Tokens: words and single punctuation marks (:func:`tokenize`).
- The hash of a request (:func:`request_digest`) mixes in the model, the server's seed and the
  request's ``random_seed``; ``temperature: 0`` (greedy decoding) leaves ``random_seed`` out, so
  every call gives the same answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\w+|[^\w\s]")
ADJECTIVES = (
    "brief", "bright", "calm", "careful", "clear", "crisp", "curious", "direct",
    "gentle", "honest", "lively", "plain", "quick", "steady", "thoughtful", "vivid",
)  # fmt: skip
NOUNS = (
    "answer", "comment", "idea", "insight", "note", "observation", "opinion", "point",
    "remark", "reply", "response", "suggestion", "summary", "take", "thought", "view",
)  # fmt: skip
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "could", "do", "does", "for",
        "from", "get", "how", "i", "in", "is", "it", "me", "my", "of", "on", "or", "please",
        "should", "tell", "that", "the", "this", "to", "use", "what", "whats", "when", "where",
        "which", "who", "why", "will", "with", "would", "you", "your",
    }
)  # fmt: skip


def tokenize(text: str) -> list[str]:
    """Words and single punctuation marks: the simulated model's tokens."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def message_text(content: Any) -> str:
    """The text of a message ``content``: a string, or the text parts of a chunk list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (c.get("text") for c in content if isinstance(c, Mapping))
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def greedy(request: Mapping[str, Any]) -> bool:
    """Whether the request asks for greedy decoding (``temperature: 0``): one answer, always."""
    return request.get("temperature") == 0


def request_digest(request: Mapping[str, Any], seed: int, **material: Any) -> bytes:
    """The hash an answer is chosen by: the model, the server's ``seed``, the request's
    ``random_seed`` (not when :func:`greedy`) and the ``material`` the answer depends on."""
    mixed = {
        "model": request.get("model"),
        "server_seed": seed,
        "random_seed": None if greedy(request) else request.get("random_seed"),
        **material,
    }
    return hashlib.sha256(json.dumps(mixed, sort_keys=True, default=str).encode()).digest()


def phrase(digest: bytes) -> tuple[str, str]:
    """An adjective and a noun, chosen by the first two bytes of ``digest``."""
    return ADJECTIVES[digest[0] % len(ADJECTIVES)], NOUNS[digest[1] % len(NOUNS)]


def limited(text: str, stop: Any, max_tokens: Any) -> tuple[str, str]:
    """Apply ``stop`` (cut before the earliest stop string) then ``max_tokens``; return the
    text and its ``finish_reason``."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text = text[: min(cuts)]
    if isinstance(max_tokens, int):
        spans = [m.end() for m in _TOKEN.finditer(text)]
        if len(spans) > max_tokens:
            return text[: spans[max_tokens - 1] if max_tokens > 0 else 0], "length"
    return text, "stop"
