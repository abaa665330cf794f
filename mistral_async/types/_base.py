"""Base classes of the request and response models.

Every model keeps fields it does not know (``extra="allow"``), so that a reply carrying a field
the API added after this SDK was written still parses and keeps that field. Requests are made
strict at the call site instead: they are validated with ``extra="forbid"``, which pydantic
applies to nested models as well, so an unknown key anywhere in a request fails before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from .._core.errors import MissingResponseInfoError
from .._core.response_info import ResponseInfo as ResponseInfo


class MistralModel(BaseModel):
    """Base of all models: tolerant of unknown fields, populated by field name or alias."""

    # NaN and infinity stay floats when dumped (pydantic's default writes them as null, which
    # would silently change a request's meaning), so that the strict JSON encoder refuses them.
    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow",
        populate_by_name=True,
        protected_namespaces=(),
        ser_json_inf_nan="constants",
    )


class ResponseModel(MistralModel):
    """A model read from a reply; ``response_info`` tells how it got here."""

    # Set by the client once the reply is read; None on a model built in code.
    _response_info: ResponseInfo | None = PrivateAttr(default=None)

    @property
    def response_info(self) -> ResponseInfo:
        """Status, headers, request id, retries taken and rate limits of the reply.

        Every model a call returns has one. A model built in code (``ChatCompletionResponse(...)``,
        ``model_validate``) or nested inside another reply (a list's items) was not read from a
        reply of its own: reading its ``response_info`` raises ``MissingResponseInfoError``.
        """
        info = self._response_info
        if info is None:
            raise MissingResponseInfoError(
                f"This {type(self).__name__} was not read from a reply (it was built in code, "
                "or is part of another reply), so it has no response_info."
            )
        return info


class RenamedRequest(MistralModel):
    """A request whose Python argument names differ from its wire names (``inputs`` is sent as
    ``input``, as the official SDK names it): only the Python names are accepted, and
    validation errors name them, so that ``ArgumentError`` speaks of the argument passed."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        validate_by_alias=False, validate_by_name=True, loc_by_alias=False
    )


class TaggedModel(ResponseModel):
    """The shared base of replies that come in kinds told apart by one field (``type``...).

    Validating the base returns the subclass its tag names, so a field typed as the base holds
    the right kind; an unknown tag (a kind added to the API later) gives the base itself rather
    than an error. The base declares ``_tag``, ``_default_tag`` (when the tag may be omitted)
    and ``_variants`` (tag → subclass, filled in once the subclasses exist).
    """

    _tag: ClassVar[str] = "type"
    _default_tag: ClassVar[str | None] = None
    _variants: ClassVar[Mapping[str, type[TaggedModel]]] = {}

    @model_validator(mode="wrap")
    @classmethod
    def _pick_variant(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # Only the class that declares the variants dispatches; a variant validates as itself.
        variants = cls.__dict__.get("_variants")
        if variants and isinstance(data, Mapping):
            fields = cast("Mapping[str, Any]", data)  # a JSON object: its keys are strings
            variant = variants.get(fields.get(cls._tag, cls._default_tag))
            if variant is not None and variant is not cls:
                return variant.model_validate(data)
        return handler(data)


def dump_request(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready body of a request model, without unset or null fields."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
