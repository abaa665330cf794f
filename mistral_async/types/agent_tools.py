"""The tools an agent or a conversation offers the model: functions and built-in connectors.

A function tool is chat's :class:`~mistral_async.types.chat.Tool` (the spec's ``FunctionTool``
has the same shape). The built-in connectors (``web_search``, ``web_search_premium``,
``code_interpreter``, ``image_generation``, ``document_library``) run on Mistral's side; a
``connector`` is one of your workspace's custom connectors. They are told apart by ``type``:

- :data:`AgentToolIn`, in request models, accepts only these kinds;
- :data:`AgentTool`, in replies, reads a kind added to the API later as :class:`UnknownTool`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, Tag

from ._base import MistralModel
from ._unions import UnknownKind, type_discriminator
from .chat import Tool

FunctionTool = Tool
"""The spec's ``FunctionTool``: ``{"type": "function", "function": {name, parameters, ...}}``."""


class ToolConfiguration(MistralModel):
    """Which of a connector's own tools the model may use, and which need your confirmation."""

    exclude: list[str] | None = None
    include: list[str] | None = None
    requires_confirmation: list[str] | None = None
    """Tools whose calls wait for a ``tool_confirmations`` answer (see ``append``)."""


class _ConnectorTool(MistralModel):
    tool_configuration: ToolConfiguration | None = None


class WebSearchTool(_ConnectorTool):
    type: Literal["web_search"] = "web_search"


class WebSearchPremiumTool(_ConnectorTool):
    """Web search that also reaches news agencies' content."""

    type: Literal["web_search_premium"] = "web_search_premium"


class CodeInterpreterTool(_ConnectorTool):
    type: Literal["code_interpreter"] = "code_interpreter"


class ImageGenerationTool(_ConnectorTool):
    type: Literal["image_generation"] = "image_generation"


class DocumentLibraryTool(_ConnectorTool):
    """Search in document libraries (RAG) uploaded with the libraries API."""

    type: Literal["document_library"] = "document_library"
    library_ids: Annotated[list[str], Field(min_length=1)]


class OAuth2TokenAuth(MistralModel):
    type: Literal["oauth2-token"] = "oauth2-token"
    value: str = Field(repr=False)
    """A credential: kept out of ``repr`` (it is still sent, and dumped)."""


class APIKeyAuth(MistralModel):
    type: Literal["api-key"] = "api-key"
    value: str = Field(repr=False)
    """A credential: kept out of ``repr`` (it is still sent, and dumped)."""


class CustomConnector(MistralModel):
    """A custom connector registered in your workspace, called by its id."""

    type: Literal["connector"] = "connector"
    connector_id: str
    authorization: Annotated[OAuth2TokenAuth | APIKeyAuth, Field(discriminator="type")] | None = (
        None
    )
    tool_configuration: ToolConfiguration | None = None


class UnknownTool(UnknownKind):
    """A tool kind this SDK does not know yet, as a reply described it (see ``raw``)."""


def _tool_kind(value: Mapping[str, Any]) -> str | None:
    """The kind of a tool given without its ``type`` (the spec defaults each one)."""
    if "function" in value:
        return "function"
    if "library_ids" in value:
        return "document_library"
    if "connector_id" in value:
        return "connector"
    return None


_KINDS = (
    Tool,
    WebSearchTool,
    WebSearchPremiumTool,
    CodeInterpreterTool,
    ImageGenerationTool,
    DocumentLibraryTool,
    CustomConnector,
)

AgentToolIn = Annotated[
    Annotated[Tool, Tag("Tool")]
    | Annotated[WebSearchTool, Tag("WebSearchTool")]
    | Annotated[WebSearchPremiumTool, Tag("WebSearchPremiumTool")]
    | Annotated[CodeInterpreterTool, Tag("CodeInterpreterTool")]
    | Annotated[ImageGenerationTool, Tag("ImageGenerationTool")]
    | Annotated[DocumentLibraryTool, Tag("DocumentLibraryTool")]
    | Annotated[CustomConnector, Tag("CustomConnector")],
    type_discriminator(*_KINDS, infer=_tool_kind),
]
"""A tool in a request: one of the kinds above, told apart by ``type``."""

AgentTool = Annotated[
    Annotated[Tool, Tag("Tool")]
    | Annotated[WebSearchTool, Tag("WebSearchTool")]
    | Annotated[WebSearchPremiumTool, Tag("WebSearchPremiumTool")]
    | Annotated[CodeInterpreterTool, Tag("CodeInterpreterTool")]
    | Annotated[ImageGenerationTool, Tag("ImageGenerationTool")]
    | Annotated[DocumentLibraryTool, Tag("DocumentLibraryTool")]
    | Annotated[CustomConnector, Tag("CustomConnector")]
    | Annotated[UnknownTool, Tag("UnknownTool")],
    type_discriminator(*_KINDS, fallback=UnknownTool, infer=_tool_kind),
]
"""A tool in a reply: one of the known kinds, or :class:`UnknownTool`."""

AgentToolParam = (
    Tool
    | WebSearchTool
    | WebSearchPremiumTool
    | CodeInterpreterTool
    | ImageGenerationTool
    | DocumentLibraryTool
    | CustomConnector
    | Mapping[str, Any]
)
"""What a ``tools`` argument accepts: tool models, or dicts such as ``{"type": "web_search"}``."""
