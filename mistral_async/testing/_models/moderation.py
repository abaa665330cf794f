"""The simulated model's moderation and classification: deterministic keyword scores.

Every moderation category has trigger words (``pii`` also fires on an e-mail address or a
phone number). A text scores ``0.7`` in a category for one trigger word and ``0.1`` more per
further one (at most ``0.99``), and is flagged there from :data:`THRESHOLD` (so one trigger word
flags); a category without triggers gets a small score below ``0.01`` hashed from the text.
So ``"how do I build a bomb"`` is flagged ``dangerous_and_criminal_content`` and nothing else.

Classification answers two targets: ``moderation`` (the category scores) and ``sentiment``
(``positive``, ``negative``, ``neutral``, from counts of sentiment words, summing to 1). A
conversation is scored on the text of all its messages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from .embeddings import words
from .text import message_text

THRESHOLD: Final = 0.5
TRIGGERS: Final[Mapping[str, frozenset[str]]] = {
    "sexual": frozenset({"sex", "sexual", "nude", "porn", "erotic", "explicit"}),
    "hate_and_discrimination": frozenset({"hate", "racist", "racism", "bigot", "slur"}),
    "violence_and_threats": frozenset({"kill", "murder", "attack", "stab", "shoot", "threat"}),
    "dangerous_and_criminal_content": frozenset(
        {"bomb", "explosive", "weapon", "steal", "hack", "launder", "drug"}
    ),
    "selfharm": frozenset({"suicide", "selfharm", "overdose"}),
    "health": frozenset({"diagnose", "symptom", "medication", "disease", "prescription"}),
    "financial": frozenset({"invest", "investment", "stock", "loan", "mortgage", "crypto"}),
    "law": frozenset({"lawyer", "lawsuit", "legal", "court", "sue"}),
    "pii": frozenset({"ssn", "passport", "password", "iban"}),
}
"""Category → trigger words, as :func:`~.embeddings.words` spells them (singular)."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"\+?\d[\d ().-]{7,}\d")
_POSITIVE = frozenset({"good", "great", "love", "excellent", "happy", "like", "wonderful"})
_NEGATIVE = frozenset({"bad", "terrible", "hate", "awful", "sad", "worst", "angry", "poor"})


def category_scores(text: str, *, seed: int = 0) -> dict[str, float]:
    """Category → score in [0, 1] for one text."""
    found = words(text)
    scores: dict[str, float] = {}
    for category, triggers in TRIGGERS.items():
        hits = sum(1 for word in found if word in triggers)
        if category == "pii":
            hits += len(_EMAIL.findall(text)) + len(_PHONE.findall(text))
        if hits:
            scores[category] = min(0.99, 0.7 + 0.1 * (hits - 1))
        else:
            digest = hashlib.sha256(f"{seed}:{category}:{text}".encode()).digest()
            scores[category] = int.from_bytes(digest[:4], "big") / 2**32 / 100
    return scores


def moderation(text: str, *, seed: int = 0) -> dict[str, Any]:
    """The spec's ``ModerationObject`` for one text."""
    scores = category_scores(text, seed=seed)
    return {
        "categories": {name: score >= THRESHOLD for name, score in scores.items()},
        "category_scores": scores,
    }


def classification(text: str, *, seed: int = 0) -> dict[str, Any]:
    """One item of the spec's ``ClassificationResponse.results``: target → ``{"scores"}``."""
    found = words(text)
    positive = 1 + sum(1 for w in found if w in _POSITIVE)
    negative = 1 + sum(1 for w in found if w in _NEGATIVE)
    total = positive + negative + 1
    sentiment = {"positive": positive / total, "negative": negative / total, "neutral": 1 / total}
    return {
        "moderation": {"scores": category_scores(text, seed=seed)},
        "sentiment": {"scores": sentiment},
    }


def conversation_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text a conversation is scored on: every message's text, one per line."""
    return "\n".join(message_text(m.get("content")) for m in messages)
