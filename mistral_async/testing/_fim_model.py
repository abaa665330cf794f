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

import hashlib
import json
import keyword
import re
from collections.abc import Mapping
from typing import Any

from ._model import _ADJECTIVES, _NOUNS, Choice, Completion, _limited, count_tokens

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_INDENT_STEP = "    "


def complete_fim(request: Mapping[str, Any], *, seed: int = 0) -> Completion:
    """Answer a (spec-valid) FIM request with one choice."""
    prompt: str = request["prompt"]
    suffix: str = request.get("suffix") or ""
    greedy = request.get("temperature") == 0
    material = {
        "model": request.get("model"),
        "prompt": prompt,
        "suffix": suffix,
        "server_seed": seed,
        "random_seed": None if greedy else request.get("random_seed"),
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).digest()
    text = _middle(prompt, suffix, digest, request.get("min_tokens"))
    text, finish_reason = _limited(text, request.get("stop"), request.get("max_tokens"))
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
    adjective = _ADJECTIVES[digest[0] % len(_ADJECTIVES)]
    noun = _NOUNS[digest[1] % len(_NOUNS)]
    if after:
        comment = f"# {adjective} {noun} from {before} to {after[0]}"
        statement = f"{after[0]} = {before}"
    else:
        comment, statement = f"# {adjective} {noun} after {before}", "pass"
    lines = [first_indent + comment, indent + statement]
    if isinstance(min_tokens, int):
        k = 0
        while count_tokens("\n".join(lines)) < min_tokens:
            lines.append(f"{indent}# {_NOUNS[(digest[2] + k) % len(_NOUNS)]}")
            k += 1
    trail = "" if not suffix or suffix.startswith("\n") else "\n"
    return lead + "\n".join(lines) + trail
