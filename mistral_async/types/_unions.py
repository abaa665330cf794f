"""Unions of models told apart by their ``type`` field, in one validation pass.

The conversation API adds entry, event and tool kinds over time, so a reply must read a kind
this SDK does not know as a fallback model instead of failing, while a request must still reject
it. pydantic's plain ``Field(discriminator=...)`` can do neither a fallback nor a missing tag (the
spec gives every ``type`` a default, so ``{"role": "user", "content": "hi"}`` is a valid entry);
a callable discriminator can, and keeps the single pass that a per-event parse cost needs.

Members are tagged with their class names (``Annotated[TextChunk, Tag("TextChunk")]``): an error
location then reads ``inputs[0].content``, since ``ArgumentError`` drops capitalised union
branch names from locations, where a ``message.input`` tag would stay in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from pydantic import BaseModel, Discriminator

from ._base import MistralModel


class UnknownKind(MistralModel):
    """A member of a union whose ``type`` this SDK does not know (added to the API later).

    Every field of the reply is kept (models keep unknown fields), so nothing is lost.
    """

    type: str | None = None

    @property
    def raw(self) -> dict[str, Any]:
        """The value as the API sent it."""
        return self.model_dump(mode="json", exclude_unset=True)


def type_discriminator(
    *members: type[BaseModel],
    fallback: type[BaseModel] | None = None,
    infer: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> Discriminator:
    """A discriminator picking the member whose ``type`` default the value's ``type`` names.

    :param members: the known kinds; each must be tagged with its class name in the union.
    :param fallback: the member for an unknown or missing ``type`` (a reply); without one, such
        a value fails validation (a request).
    :param infer: guesses the ``type`` of a mapping that has none, from its other keys.
    """
    tags: dict[Any, str] = {m.model_fields["type"].default: m.__name__ for m in members}
    fallback_tag = fallback.__name__ if fallback is not None else None
    expected = ", ".join(repr(kind) for kind in tags)

    def pick(value: Any) -> str | None:
        if isinstance(value, Mapping):
            fields = cast("Mapping[str, Any]", value)  # a JSON object: its keys are strings
            kind = fields.get("type")
            if kind is None and infer is not None:
                kind = infer(fields)
        else:
            kind = getattr(value, "type", None)
        tag = tags.get(kind) if isinstance(kind, str) else None
        return tag if tag is not None else fallback_tag

    return Discriminator(
        pick,
        custom_error_type="unknown_type",
        custom_error_message=f"type must be one of {expected}",
    )
