"""OCR against the local server: documents by URL, image URL and uploaded file."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    BadRequestError,
    Mistral,
    NotFoundError,
)
from mistral_async.testing import LocalServer
from mistral_async.types.ocr import OCRResponse

pytestmark = pytest.mark.anyio

MODEL = "mistral-ocr-latest"
TEXT = (
    "# Report\n\nSee https://example.com/a for details.\n\n"
    "| city | people |\n|---|---|\n| Paris | 2 |\n"
    "\fSecond page\n\fThird page\n"
)
PERSON = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
        },
    },
}


async def test_document_url(client: AsyncMistral) -> None:
    url = "https://example.com/papers/atc.pdf"
    result = await client.ocr.process(
        model=MODEL, document={"type": "document_url", "document_url": url}
    )
    assert isinstance(result, OCRResponse)
    assert result.model == MODEL
    assert 1 <= len(result.pages) <= 4
    assert [page.index for page in result.pages] == list(range(len(result.pages)))
    assert "atc.pdf" in result.pages[0].markdown
    assert result.pages[0].dimensions is not None
    assert result.usage_info.pages_processed == len(result.pages)
    assert result.response_info is not None
    # deterministic: the same document reads the same
    again = await client.ocr.process(model=MODEL, document={"document_url": url})
    assert again.markdown == result.markdown


async def test_uploaded_file_with_every_option(client: AsyncMistral) -> None:
    uploaded = await client.files.upload(TEXT.encode(), filename="report.md", purpose="ocr")
    result = await client.ocr.process(
        model="mistral-ocr-2505",
        id="req-1",
        document={"type": "file", "file_id": uploaded.id},
        pages="0-1",
        include_image_base64=True,
        image_limit=3,
        image_min_size=10,
        bbox_annotation_format=PERSON,
        document_annotation_format=PERSON,
        document_annotation_prompt="Who is it about?",
        table_format="html",
        extract_header=True,
        extract_footer=True,
        include_blocks=True,
        confidence_scores_granularity="word",
    )
    assert [page.index for page in result.pages] == [0, 1]
    first = result.pages[0]
    assert first.hyperlinks == ["https://example.com/a"]
    assert first.tables[0].format == "html"
    assert "<td>Paris</td>" in first.tables[0].content
    assert f"[{first.tables[0].id}]" in first.markdown
    assert (first.header, first.footer) == ("report.md", "Page 1")
    assert first.blocks is not None
    assert first.blocks[0].type == "title"
    assert first.confidence_scores is not None
    assert first.confidence_scores.word_confidence_scores[0].text == "#"
    assert result.pages[1].markdown == "Second page"
    assert result.document_annotation is not None
    assert set(json.loads(result.document_annotation)) == {"name", "age"}
    assert result.usage_info.doc_size_bytes == len(TEXT.encode())


async def test_image_url(client: AsyncMistral) -> None:
    png = base64.b64encode(b"\x89PNG fake image").decode()
    result = await client.ocr.process(
        model=None,
        document={"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
        include_image_base64=True,
        bbox_annotation_format=PERSON,
    )
    assert result.model == MODEL  # null model: the default OCR model
    (page,) = result.pages
    (image,) = page.images
    assert image.image_base64 is not None
    assert image.image_base64.endswith(png)
    assert image.image_annotation is not None
    assert set(json.loads(image.image_annotation)) == {"name", "age"}
    plain = await client.ocr.process(
        model=MODEL, document={"image_url": "https://example.com/scan.jpg"}, image_limit=0
    )
    assert plain.pages[0].images == []


async def test_errors_are_typed_and_readable(client: AsyncMistral) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError, match=missing):
        await client.ocr.process(model=MODEL, document={"type": "file", "file_id": missing})
    with pytest.raises(BadRequestError, match="Invalid model: no-such-ocr"):
        await client.ocr.process(model="no-such-ocr", document={"document_url": "https://x/y"})
    with pytest.raises(BadRequestError, match="Invalid model: "):
        await client.ocr.process(model="mistral-small-latest", document={"document_url": "x"})
    with pytest.raises(BadRequestError, match="pages"):
        await client.ocr.process(model=MODEL, document={"document_url": "x"}, pages="1-a")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"document": {"document_url": "x"}}, "model"),
        ({"model": MODEL}, "document"),
        ({"model": MODEL, "document": {"type": "pdf", "url": "x"}}, "document"),
        ({"model": MODEL, "document": {"document_url": 3}}, "document.document_url"),
        ({"model": MODEL, "document": {"file_id": "x"}, "table_format": "csv"}, "table_format"),
        ({"model": MODEL, "document": {"file_id": "x"}, "pages": [0.5]}, "pages[0]"),
        ({"model": MODEL, "document": {"file_id": "x"}, "includ_blocks": True}, "includ_blocks"),
    ],
)
async def test_bad_arguments_fail_before_sending(
    client: AsyncMistral, server: LocalServer, kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(ArgumentError) as caught:
        await client.ocr.process(**kwargs)
    assert caught.value.argument == argument
    assert server.exchanges.snapshot() == []


def test_sync_ocr(server: LocalServer) -> None:
    with Mistral(api_key="k", base_url=server.url) as client:
        uploaded = client.files.upload(b"Hello\fWorld", filename="hw.txt", purpose="ocr")
        result = client.ocr.process(model=MODEL, document={"file_id": uploaded.id}, pages=[1])
        assert [page.markdown for page in result.pages] == ["World"]


# -- the simulated OCR model, without a server ---------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "expected"),
    [(None, [0, 1, 2, 3]), ("0,2-3", [0, 2, 3]), ("3,1,1", [1, 3]), ([9, 0], [0]), ("", [])],
)
def test_page_selection(pages: Any, expected: list[int]) -> None:
    from mistral_async.testing._models.ocr import _select

    assert _select(pages, 4) == expected


def test_binary_documents_read_the_same_every_time() -> None:
    from mistral_async.testing._models.ocr import Document, run_ocr

    pdf = Document("scan.pdf", b"%PDF-1.7\x00\x01\x02 binary")
    first = run_ocr(pdf, {"table_format": "markdown"}, MODEL)
    assert first == run_ocr(pdf, {"table_format": "markdown"}, MODEL)
    assert 1 <= first["usage_info"]["pages_processed"] <= 4
    assert all("scan.pdf" in page["markdown"] for page in first["pages"])
    table = run_ocr(Document("t.md", b"| a |\n|---|\n| 1 |"), {"table_format": "markdown"}, MODEL)
    assert table["pages"][0]["tables"][0]["content"] == "| a |\n|---|\n| 1 |"
    assert table["pages"][0]["markdown"] == "[tbl-0-0.md](tbl-0-0.md)"
