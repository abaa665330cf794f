"""Message content chunks (the spec's ``ContentChunk`` family), shared by requests and replies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ._base import MistralModel

ImageDetail = Literal["low", "auto", "high"]
BuiltInConnector = Literal[
    "web_search", "web_search_premium", "code_interpreter", "image_generation", "document_library"
]


class TextChunk(MistralModel):
    type: Literal["text"] = "text"
    text: str


class ImageURL(MistralModel):
    url: str
    detail: ImageDetail | None = None


class ImageURLChunk(MistralModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL | str
    """An ``ImageURL`` or a plain URL (``https://...`` or a ``data:image/...;base64,`` URL)."""


class DocumentURLChunk(MistralModel):
    type: Literal["document_url"] = "document_url"
    document_url: str
    document_name: str | None = None


class ReferenceChunk(MistralModel):
    type: Literal["reference"] = "reference"
    reference_ids: list[int]


class FileChunk(MistralModel):
    type: Literal["file"] = "file"
    file_id: str
    """The id (a UUID) of a file uploaded with the files API."""


class AudioChunk(MistralModel):
    type: Literal["input_audio"] = "input_audio"
    input_audio: str
    """Base64-encoded audio."""


class ToolReferenceChunk(MistralModel):
    type: Literal["tool_reference"] = "tool_reference"
    tool: BuiltInConnector | str
    title: str
    url: str | None = None
    favicon: str | None = None
    description: str | None = None


class ThinkChunk(MistralModel):
    type: Literal["thinking"] = "thinking"
    thinking: list[
        Annotated[TextChunk | ToolReferenceChunk | ReferenceChunk, Field(discriminator="type")]
    ]
    closed: bool = True


ContentChunk = Annotated[
    TextChunk
    | ImageURLChunk
    | DocumentURLChunk
    | ReferenceChunk
    | FileChunk
    | ThinkChunk
    | AudioChunk,
    Field(discriminator="type"),
]
"""One part of a multi-part message content, told apart by its ``type``."""

SystemContentChunk = Annotated[TextChunk | ThinkChunk, Field(discriminator="type")]
"""System messages accept only text and thinking parts."""

# Tag values of the discriminated unions above and of the message roles; error locations drop
# them (``messages[0].user.content`` reads better as ``messages[0].content``).
UNION_TAGS = frozenset(
    {
        "system",
        "user",
        "assistant",
        "tool",
        "text",
        "image_url",
        "document_url",
        "reference",
        "file",
        "thinking",
        "input_audio",
        "tool_reference",
    }
)
