"""Token estimates for rate limiting, made before a request is sent and corrected by replies.

Pure. A tokens-per-minute budget has to be charged before the reply says what was used, so a
request is estimated from its body: its text at ``chars_per_token`` characters a token (the
SDK's rough estimate, :data:`~.._core.tokens.CHARS_PER_TOKEN`, to start with, then the ratio
the replies' ``usage.prompt_tokens`` show), plus, for endpoints that generate (chat, FIM), the
completion tokens replies have been using lately (capped by ``max_tokens``). The pacer then
settles the difference with the reply's real usage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._core.json_values import is_list_or_tuple, is_mapping
from .._core.tokens import CHARS_PER_TOKEN, tokens_for_chars

_INITIAL_COMPLETION_TOKENS = 256.0
_SMOOTHING = 0.05  # weight of one reply in the running averages
_SKIPPED_KEYS = frozenset({"model", "role", "type", "response_format"})


@dataclass(frozen=True)
class TokenEstimate:
    prompt: int
    completion: int
    chars: int

    @property
    def total(self) -> int:
        return self.prompt + self.completion


def text_chars(value: Any) -> int:
    """Characters of every string in a request body, except names like ``model``/``role``."""
    return sum(len(text) for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif is_mapping(value):
        for key, item in value.items():
            if key not in _SKIPPED_KEYS:
                yield from _strings(item)
    elif is_list_or_tuple(value):
        for item in value:
            yield from _strings(item)


class TokenEstimator:
    """Estimates request tokens; learns from each reply's usage (see the module docstring)."""

    def __init__(self) -> None:
        self.chars_per_token = CHARS_PER_TOKEN
        self.completion_tokens = _INITIAL_COMPLETION_TOKENS

    def estimate(self, body: Mapping[str, Any], *, generates: bool) -> TokenEstimate:
        """The estimate of a request ``body``; ``generates``: its endpoint writes a completion."""
        chars = text_chars(body)
        prompt = max(1, tokens_for_chars(chars, self.chars_per_token))
        completion = 0
        if generates:
            completion = round(self.completion_tokens)
            cap = body.get("max_tokens")
            if isinstance(cap, int) and not isinstance(cap, bool) and cap >= 0:
                completion = min(completion, cap)
        return TokenEstimate(prompt=prompt, completion=completion, chars=chars)

    def observe(self, estimate: TokenEstimate, prompt_tokens: int, completion_tokens: int) -> None:
        """Learn from the usage a reply reported for a request estimated as ``estimate``."""
        if prompt_tokens > 0 and estimate.chars > 0:
            ratio = estimate.chars / prompt_tokens
            self.chars_per_token += _SMOOTHING * (ratio - self.chars_per_token)
        if estimate.completion > 0 or completion_tokens > 0:
            self.completion_tokens += _SMOOTHING * (completion_tokens - self.completion_tokens)
