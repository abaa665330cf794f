"""The simulated model's fill-in-the-middle: a deterministic, pure stand-in for Codestral.

The middle is derived from the code around the gap, so a test can predict it::

    <indent># <adjective> <noun> from <a> to <b>
    <indent><b> = <a>

where ``a`` is the last identifier of the prompt (``start`` if none) and ``b`` the first of the
suffix; without a suffix identifier the second line is ``pass`` and the comment ends at ``a``.

- Indentation: that of the prompt's last line of code, one level deeper after a ``:``; when the
  prompt ends with indentation already typed, that one.
- Line breaks: the middle starts on a new line unless the prompt ends with one, and ends with
  one unless the suffix starts with one.
- The two words come from a hash of model, prompt, suffix and seeds (as in chat,
  ``temperature: 0`` leaves ``random_seed`` out).
- ``min_tokens`` adds comment lines until it is met; then ``stop`` and ``max_tokens`` cut the
  text as they do in chat.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from .chat import Choice, Completion
from .text import NOUNS, count_tokens, limited, phrase, request_digest

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_INDENT_STEP = "    "


def complete_fim(request: Mapping[str, Any], *, seed: int = 0) -> Completion:
    """Answer a (spec-valid) FIM request with one choice."""
    prompt: str = request["prompt"]
    suffix: str = request.get("suffix") or ""
    digest = request_digest(request, seed, prompt=prompt, suffix=suffix)
    text = _middle(prompt, suffix, digest, request.get("min_tokens"))
    text, finish_reason = limited(text, request.get("stop"), request.get("max_tokens"))
    choice = Choice(0, text, (), finish_reason, count_tokens(text))
    return Completion((choice,), count_tokens(prompt) + count_tokens(suffix))


def _identifiers(code: str) -> list[str]:
    return [name for name in _IDENTIFIER.findall(code) if not keyword.iskeyword(name)]


def _middle(prompt: str, suffix: str, digest: bytes, min_tokens: Any) -> str:
    last_line = prompt.rsplit("\n", 1)[-1]
    code = [line for line in prompt.split("\n") if line.strip()]
    context = code[-1] if code else ""
    indent = context[: len(context) - len(context.lstrip())]
    if context.rstrip().endswith(":"):
        indent += _INDENT_STEP
    if last_line.strip():
        # The gap is at the end of a line of code: the middle goes on the next line.
        lead, first_indent = "\n", indent
    elif last_line:
        # The prompt ends with indentation: the user chose it.
        lead, indent, first_indent = "", last_line, ""
    else:
        lead, first_indent = "", indent
    before = (_identifiers(prompt) or ["start"])[-1]
    after = _identifiers(suffix)
    adjective, noun = phrase(digest)
    if after:
        comment = f"# {adjective} {noun} from {before} to {after[0]}"
        statement = f"{after[0]} = {before}"
    else:
        comment, statement = f"# {adjective} {noun} after {before}", "pass"
    lines = [first_indent + comment, indent + statement]
    if isinstance(min_tokens, int):
        k = 0
        while count_tokens("\n".join(lines)) < min_tokens:
            lines.append(f"{indent}# {NOUNS[(digest[2] + k) % len(NOUNS)]}")
            k += 1
    trail = "" if not suffix or suffix.startswith("\n") else "\n"
    return lead + "\n".join(lines) + trail
