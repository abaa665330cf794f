"""The text parts of a ``multipart/form-data`` request, from a request model.

A form carries text only: a boolean is sent as ``true``/``false`` (the spelling the API's
form parser and the spec's ``boolean`` fields expect, not Python's ``True``), a number as its
decimal text, and an array as one part per item under the same name (so an empty array sends
no part at all, which the API reads as its default, ``[]``). File parts are not made here.
"""

from __future__ import annotations

import json
from typing import Any, cast

from pydantic import BaseModel
from typing_extensions import TypedDict

from ._base import dump_request

FormFields = dict[str, str | list[str]]
"""Field name → text, or the texts of a repeated field (httpx's ``data=`` takes this)."""


class FilePartParams(TypedDict, total=False):
    """The keyword arguments that describe a file part, beside the file itself."""

    filename: str | None
    """The name of the file part; defaults to the path's or file object's name."""
    content_type: str | None
    """The part's media type; defaults to a guess from the file name."""


def form_text(value: Any) -> str:
    """One form value as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))  # an object: its JSON, as the API reads it


def form_fields(request: BaseModel) -> FormFields:
    """The text parts of a validated request model, without unset or null fields."""
    fields: FormFields = {}
    for name, value in dump_request(request).items():
        if isinstance(value, list):
            items = cast("list[object]", value)
            fields[name] = [form_text(v) for v in items]
        else:
            fields[name] = form_text(value)
    return fields
