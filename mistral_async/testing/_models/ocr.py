"""The simulated OCR model: a deterministic, pure function from a document to its pages.

- A document's content, when it is UTF-8 text (an uploaded ``.md``/``.txt``, or a ``data:``
  URL), is its own OCR: pages are split at form feeds (``\\f``), each page's markdown is its
  text. Any other document (a PDF, an image, a plain ``https://`` URL nobody fetches) reads as
  1 to 4 pages whose markdown names the document, the count chosen by a hash of its bytes.
- An image (``image_url``) is one page holding one image.
- Options: ``pages`` picks pages (``[0, 2]`` or ``"0,2-4"``); ``table_format`` moves markdown
  tables out into ``tables`` and leaves a link in their place; ``extract_header``/
  ``extract_footer`` fill ``header``/``footer``; ``include_blocks`` gives one block per
  paragraph; ``confidence_scores_granularity`` adds scores; ``include_image_base64``,
  ``image_limit`` and the annotation formats (values generated from their JSON schema) apply
  to images and to the document.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._spec.error_bodies import ApiError
from .instances import generate_instance

DIMENSIONS = {"dpi": 200, "height": 2200, "width": 1700}
_LINK = re.compile(r"https?://[^\s)\]>\"']+")
_MARGIN, _LINE_HEIGHT = 100, 60


@dataclass(frozen=True)
class Document:
    """What to read: its name, its bytes, and whether it is an image."""

    name: str
    content: bytes
    is_image: bool = False


def document_from_url(url: str, name: str | None = None, *, is_image: bool = False) -> Document:
    """A document given by URL: a ``data:`` URL carries its bytes; any other URL is not
    fetched (the server never goes out), its text stands for the content."""
    if url.startswith("data:") and "," in url:
        meta, _, data = url.partition(",")
        try:
            content = base64.b64decode(data) if meta.endswith(";base64") else data.encode()
        except ValueError:
            raise ApiError(
                400, "The document's data URL is not valid base64", param="document"
            ) from None
        return Document(name or "document", content, is_image)
    return Document(name or url.rstrip("/").rsplit("/", 1)[-1] or url, url.encode(), is_image)


def run_ocr(document: Document, request: Mapping[str, Any], model: str) -> dict[str, Any]:
    """The spec's ``OCRResponse`` for ``document`` and the request's options."""
    texts = _page_texts(document)
    selected = _select(request.get("pages"), len(texts))
    pages = [_page(document, index, texts[index], request) for index in selected]
    _limit_images(pages, request.get("image_limit"))
    annotation = None
    document_format = request.get("document_annotation_format")
    if request.get("document_annotation_prompt") and not document_format:
        message = "document_annotation_prompt needs a document_annotation_format"
        raise ApiError(400, message, param="document_annotation_prompt")
    if document_format:
        words = " ".join(page["markdown"] for page in pages).split()
        annotation = _annotate(document_format, words, "document_annotation_format")
    return {
        "pages": pages,
        "model": model,
        "document_annotation": annotation,
        "usage_info": {"pages_processed": len(pages), "doc_size_bytes": len(document.content)},
    }


def _page_texts(document: Document) -> list[str]:
    if document.is_image:
        return [f"![{_image_id(0)}]({_image_id(0)})"]
    try:
        text = document.content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text and text.strip():
        return text.split("\f")
    digest = hashlib.sha256(document.content).digest()
    count = 1 + digest[0] % 4
    return [
        f"# {document.name}\n\nPage {index + 1} of {count}; content {digest[:4].hex()}."
        for index in range(count)
    ]


def _select(pages: Any, count: int) -> list[int]:
    """The page indices a ``pages`` option picks (all when absent), in order, existing only."""
    if pages is None:
        return list(range(count))
    wanted: list[int] = []
    if isinstance(pages, str):
        for item in filter(None, (part.strip() for part in pages.split(","))):
            low, dash, high = item.partition("-")
            if not low.isdigit() or (dash and not high.isdigit()):
                raise ApiError(400, f"Invalid pages: {pages!r} (e.g. '0,2-4')", param="pages")
            wanted.extend(range(int(low), int(high if dash else low) + 1))
    else:
        wanted = [int(page) for page in pages]
    return sorted({page for page in wanted if 0 <= page < count})


def _page(document: Document, index: int, text: str, request: Mapping[str, Any]) -> dict[str, Any]:
    markdown, tables = _extract_tables(text.strip(), index, request.get("table_format"))
    page: dict[str, Any] = {
        "index": index,
        "markdown": markdown,
        "images": _images(document, request) if document.is_image else [],
        "tables": tables,
        "hyperlinks": sorted(set(_LINK.findall(text))),
        "header": document.name if request.get("extract_header") else None,
        "footer": f"Page {index + 1}" if request.get("extract_footer") else None,
        "dimensions": dict(DIMENSIONS),
    }
    if request.get("include_blocks"):
        page["blocks"] = _blocks(markdown)
    granularity = request.get("confidence_scores_granularity")
    if granularity:
        page["confidence_scores"] = _confidence(markdown, granularity)
    return page


def _image_id(index: int) -> str:
    return f"img-{index}.jpeg"


def _images(document: Document, request: Mapping[str, Any]) -> list[dict[str, Any]]:
    image: dict[str, Any] = {
        "id": _image_id(0),
        "top_left_x": 0,
        "top_left_y": 0,
        "bottom_right_x": DIMENSIONS["width"],
        "bottom_right_y": DIMENSIONS["height"],
        "image_base64": None,
    }
    if request.get("include_image_base64"):
        encoded = base64.b64encode(document.content).decode()
        image["image_base64"] = f"data:image/jpeg;base64,{encoded}"
    bbox_format = request.get("bbox_annotation_format")
    if bbox_format:
        image["image_annotation"] = _annotate(
            bbox_format, [document.name], "bbox_annotation_format"
        )
    minimum = request.get("image_min_size")
    return [] if minimum and minimum > min(DIMENSIONS["width"], DIMENSIONS["height"]) else [image]


def _limit_images(pages: list[dict[str, Any]], limit: int | None) -> None:
    """Keep the first ``limit`` images of the document, across pages."""
    if limit is None:
        return
    left = max(0, limit)
    for page in pages:
        page["images"] = page["images"][:left]
        left -= len(page["images"])


def _extract_tables(
    markdown: str, page: int, table_format: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """Move each markdown table (consecutive ``|`` lines) out into a table object."""
    if not table_format:
        return markdown, []
    lines, out = markdown.split("\n"), []
    tables: list[dict[str, Any]] = []
    suffix = "md" if table_format == "markdown" else "html"
    i = 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("|"):
            out.append(lines[i])
            i += 1
            continue
        start = i
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            i += 1
        rows = lines[start:i]
        table_id = f"tbl-{page}-{len(tables)}.{suffix}"
        content = "\n".join(rows) if suffix == "md" else _html_table(rows)
        tables.append({"id": table_id, "content": content, "format": table_format})
        out.append(f"[{table_id}]({table_id})")
    return "\n".join(out), tables


def _html_table(rows: list[str]) -> str:
    cells = [
        [html.escape(cell.strip()) for cell in row.strip().strip("|").split("|")]
        for row in rows
        if not set(row.strip()) <= set("|-: ")  # the |---| separator line
    ]
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)
    return f"<table>{body}</table>"


def _blocks(markdown: str) -> list[dict[str, Any]]:
    blocks = []
    top = _MARGIN
    for paragraph in filter(None, (p.strip() for p in markdown.split("\n\n"))):
        height = _LINE_HEIGHT * (paragraph.count("\n") + 1)
        kind = "title" if paragraph.startswith("#") else "text"
        if paragraph.startswith("|") or paragraph.startswith("[tbl-"):
            kind = "table"
        blocks.append(
            {
                "type": kind,
                "content": paragraph,
                "top_left_x": _MARGIN,
                "top_left_y": top,
                "bottom_right_x": DIMENSIONS["width"] - _MARGIN,
                "bottom_right_y": top + height,
            }
        )
        top += height + _LINE_HEIGHT // 2
    return blocks


def _confidence(markdown: str, granularity: str) -> dict[str, Any]:
    words: list[dict[str, Any]] = []
    scores: list[float] = []
    for match in re.finditer(r"\S+", markdown):
        digest = hashlib.sha256(match.group().encode()).digest()
        score = round(0.9 + digest[0] / 2550, 4)  # 0.9 to 1.0, fixed per word
        words.append({"text": match.group(), "confidence": score, "start_index": match.start()})
        scores.append(score)
    scores = scores or [1.0]
    return {
        "word_confidence_scores": words if granularity == "word" else [],
        "average_page_confidence_score": round(sum(scores) / len(scores), 4),
        "minimum_page_confidence_score": min(scores),
    }


def _annotate(response_format: Mapping[str, Any], words: Sequence[str], param: str) -> str:
    """A JSON string that satisfies the format's schema (only ``json_schema`` is accepted)."""
    schema = (response_format.get("json_schema") or {}).get("schema")
    if response_format.get("type") != "json_schema" or not isinstance(schema, Mapping):
        raise ApiError(400, f"{param} must be of type json_schema, with a schema", param=param)
    return json.dumps(generate_instance(schema, [w for w in words if w.isalpha()]))
