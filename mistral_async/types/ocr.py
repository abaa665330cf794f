"""OCR (``POST /v1/ocr``): the request and the pages it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Discriminator, Tag
from typing_extensions import Required, TypedDict

from ._base import MistralModel, ResponseModel
from .chat import ResponseFormat
from .content import DocumentURLChunk, FileChunk, ImageURLChunk
from .model_names import OCRModelName


def _document_kind(value: Any) -> str | None:
    # The spec makes `type` optional, so the kind is told by the field that carries the
    # document, then by `type`; an error then names the field of the kind that was meant.
    if isinstance(value, BaseModel):
        return type(value).__name__
    if not isinstance(value, Mapping):
        return None
    fields = cast("Mapping[str, Any]", value)  # a JSON object: its keys are strings
    for field, kind in _KIND_BY_FIELD.items():
        if field in fields:
            return kind
    return _KIND_BY_TYPE.get(str(fields.get("type")))


_KIND_BY_FIELD = {
    "file_id": "FileChunk",
    "document_url": "DocumentURLChunk",
    "image_url": "ImageURLChunk",
}
_KIND_BY_TYPE = {
    "file": "FileChunk",
    "document_url": "DocumentURLChunk",
    "image_url": "ImageURLChunk",
}

OCRDocument = Annotated[
    Annotated[FileChunk, Tag("FileChunk")]
    | Annotated[DocumentURLChunk, Tag("DocumentURLChunk")]
    | Annotated[ImageURLChunk, Tag("ImageURLChunk")],
    Discriminator(
        _document_kind,
        custom_error_type="document_kind",
        custom_error_message="must be a file, document_url or image_url chunk",
    ),
]
"""What to read: an uploaded file (``{"file_id": ...}``), a document URL or an image URL."""

TableFormat = Literal["markdown", "html"]
ConfidenceScoresGranularity = Literal["word", "page"]


class OCRRequest(MistralModel):
    """The body of ``POST /v1/ocr``; validated strictly before sending."""

    model: str | None
    id: str | None = None
    document: OCRDocument
    pages: str | list[int] | None = None
    include_image_base64: bool | None = None
    image_limit: int | None = None
    image_min_size: int | None = None
    bbox_annotation_format: ResponseFormat | None = None
    document_annotation_format: ResponseFormat | None = None
    document_annotation_prompt: str | None = None
    table_format: TableFormat | None = None
    extract_header: bool | None = None
    extract_footer: bool | None = None
    include_blocks: bool | None = None
    confidence_scores_granularity: ConfidenceScoresGranularity | None = None


class OCRParams(TypedDict, total=False):
    """The keyword arguments of ``ocr.process`` (see the OpenAPI file's ``OCRRequest``)."""

    model: Required[OCRModelName | None]
    """``mistral-ocr-latest``, for instance."""
    document: Required[FileChunk | DocumentURLChunk | ImageURLChunk | Mapping[str, Any]]
    """``{"type": "document_url", "document_url": ...}``, ``{"type": "image_url", "image_url":
    ...}`` or ``{"type": "file", "file_id": ...}`` (a file uploaded with ``purpose="ocr"``)."""
    id: str | None
    pages: str | Sequence[int] | None
    """Pages to read, from 0: ``[0, 2]`` or ``"0,2-4"``."""
    include_image_base64: bool | None
    image_limit: int | None
    image_min_size: int | None
    bbox_annotation_format: ResponseFormat | Mapping[str, Any] | None
    document_annotation_format: ResponseFormat | Mapping[str, Any] | None
    document_annotation_prompt: str | None
    table_format: TableFormat | None
    extract_header: bool | None
    extract_footer: bool | None
    include_blocks: bool | None
    confidence_scores_granularity: ConfidenceScoresGranularity | None


# -- reply -------------------------------------------------------------------------------------


class OCRImageObject(MistralModel):
    id: str
    top_left_x: int | None = None
    top_left_y: int | None = None
    bottom_right_x: int | None = None
    bottom_right_y: int | None = None
    image_base64: str | None = None
    image_annotation: str | None = None
    """The ``bbox_annotation_format`` answer, as a JSON string."""


class OCRConfidenceScore(MistralModel):
    text: str
    confidence: float
    start_index: int


class OCRTableObject(MistralModel):
    id: str
    content: str
    format: str
    """``markdown`` or ``html``."""
    word_confidence_scores: list[OCRConfidenceScore] | None = None


class OCRPageDimensions(MistralModel):
    dpi: int
    height: int
    width: int


class OCRPageConfidenceScores(MistralModel):
    word_confidence_scores: list[OCRConfidenceScore] = []
    average_page_confidence_score: float
    minimum_page_confidence_score: float


class OCRBlock(MistralModel):
    """A content block with its bounding box: one model for the spec's thirteen ``OCR*Block``
    schemas (``text``, ``title``, ``table``, ``image``...), which differ only in ``type`` and in
    ``image_id``/``table_id``."""

    type: str
    content: str
    top_left_x: int
    top_left_y: int
    bottom_right_x: int
    bottom_right_y: int
    image_id: str | None = None
    table_id: str | None = None


class OCRPageObject(MistralModel):
    index: int
    """The page number, from 0."""
    markdown: str
    images: list[OCRImageObject] = []
    tables: list[OCRTableObject] = []
    hyperlinks: list[str] = []
    header: str | None = None
    footer: str | None = None
    dimensions: OCRPageDimensions | None = None
    confidence_scores: OCRPageConfidenceScores | None = None
    blocks: list[OCRBlock] | None = None


class OCRUsageInfo(MistralModel):
    pages_processed: int
    doc_size_bytes: int | None = None


class OCRResponse(ResponseModel):
    pages: list[OCRPageObject]
    model: str
    document_annotation: str | None = None
    """The ``document_annotation_format`` answer, as a JSON string."""
    usage_info: OCRUsageInfo

    @property
    def markdown(self) -> str:
        """Every page's markdown, in order, separated by blank lines."""
        return "\n\n".join(page.markdown for page in self.pages)
