"""The rough token estimate used where no tokenizer is at hand: about four characters a token.

Its one home, below everything that needs it: conversations and embedding batches count texts
with :func:`estimate_tokens`, and the batch runner's tokens-per-minute budget starts from
:data:`CHARS_PER_TOKEN` (then learns the ratio the replies show) and converts with
:func:`tokens_for_chars`. Rounded up: a budget had better overestimate a text than let through
a request that goes over it.
"""

from __future__ import annotations

import math
from typing import Final

CHARS_PER_TOKEN: Final = 4.0
"""Characters per token of English text, for Mistral's tokenizers roughly."""


def tokens_for_chars(chars: int, chars_per_token: float = CHARS_PER_TOKEN) -> int:
    """The tokens of ``chars`` characters at ``chars_per_token``, rounded up."""
    return math.ceil(chars / chars_per_token)


def estimate_tokens(text: str) -> int:
    """A rough token count: about four characters per token, as for English text.

    Pass ``token_counter=`` to a conversation for an exact count (e.g. from a tokenizer).
    """
    return tokens_for_chars(len(text))
