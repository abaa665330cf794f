"""What the files, models and OCR methods send, with every argument given, meets the spec.

Requests are captured with a mock transport (no server), so this checks the SDK's side alone:
JSON and multipart bodies against the operation's request schema, query parameters against the
operation's declared parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mistral_async import AsyncMistral
from mistral_async.testing import OpenAPISpec
from mistral_async.testing._spec.multipart import parse_multipart

pytestmark = pytest.mark.anyio

SPEC = OpenAPISpec.default()
FILE_ID = str(uuid.uuid4())
FT_MODEL = "ft:open-mistral-7b:587a6b29:20240514:7e773925"
FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True},
}
FILE = {
    "id": FILE_ID,
    "object": "file",
    "bytes": 1,
    "created_at": 0,
    "filename": "a.jsonl",
    "purpose": "batch",
    "sample_type": "batch_request",
    "source": "upload",
}


def capturing(reply: Any) -> tuple[AsyncMistral, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=reply)

    transport = httpx.MockTransport(handle)
    client = AsyncMistral(api_key="k", http_client=httpx.AsyncClient(transport=transport))
    return client, sent


def body_problems(request: httpx.Request) -> list[str]:
    content_type = request.headers.get("content-type", "")
    body: Any = request.content
    if content_type.startswith("multipart/form-data"):
        body = parse_multipart(request.content, content_type)
    return SPEC.validate_request(request.method, request.url.path, body, content_type)


def undeclared_query(request: httpx.Request) -> set[str]:
    operation = SPEC.find_operation(request.method, request.url.path)
    spec_path = SPEC.document["paths"][operation.path][operation.method.lower()]
    declared = {p["name"] for p in spec_path.get("parameters", []) if p["in"] == "query"}
    return set(request.url.params) - declared


async def test_ocr_request_with_every_argument() -> None:
    reply = {"pages": [], "model": "m", "usage_info": {"pages_processed": 0}}
    client, sent = capturing(reply)
    documents: list[dict[str, Any]] = [
        {"type": "file", "file_id": FILE_ID},
        {"type": "document_url", "document_url": "https://x/y.pdf", "document_name": "y.pdf"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "high"}},
        {"image_url": "https://x/y.png"},
    ]
    for document in documents:
        await client.ocr.process(
            model="mistral-ocr-latest",
            id="req-1",
            document=document,
            pages=[0, 2],
            include_image_base64=True,
            image_limit=5,
            image_min_size=10,
            bbox_annotation_format=FORMAT,
            document_annotation_format=FORMAT,
            document_annotation_prompt="Summarise",
            table_format="markdown",
            extract_header=True,
            extract_footer=False,
            include_blocks=True,
            confidence_scores_granularity="page",
        )
    await client.ocr.process(model=None, document=documents[0], pages="0-3")
    assert len(sent) == 5
    for request in sent:
        assert body_problems(request) == []


async def test_models_requests_with_every_argument() -> None:
    card = {"id": FT_MODEL, "capabilities": {}, "job": "j", "root": "r", "type": "fine-tuned"}
    ft_out = {
        "id": FT_MODEL,
        "created": 0,
        "owned_by": "o",
        "workspace_id": "w",
        "root": "r",
        "root_version": "v",
        "archived": False,
        "capabilities": {},
        "job": str(uuid.uuid4()),
    }
    calls: list[tuple[Any, Callable[[AsyncMistral], Any]]] = [
        ({"data": []}, lambda c: c.models.list(provider="mistralai", model="m")),
        (card, lambda c: c.models.retrieve(FT_MODEL)),
        ({"id": FT_MODEL}, lambda c: c.models.delete(FT_MODEL)),
        (ft_out, lambda c: c.models.update(FT_MODEL, name="n", description="d")),
        ({"id": FT_MODEL}, lambda c: c.models.archive(FT_MODEL)),
        ({"id": FT_MODEL}, lambda c: c.models.unarchive(FT_MODEL)),
    ]
    operations = []
    for reply, call in calls:
        client, sent = capturing(reply)
        await call(client)
        (request,) = sent
        assert body_problems(request) == [], request
        assert undeclared_query(request) == set()
        operations.append(SPEC.find_operation(request.method, request.url.path).operation_id)
    assert operations == [
        "list_models_v1_models_get",
        "retrieve_model_v1_models__model_id__get",
        "delete_model_v1_models__model_id__delete",
        "jobs_api_routes_fine_tuning_update_fine_tuned_model",
        "jobs_api_routes_fine_tuning_archive_fine_tuned_model",
        "jobs_api_routes_fine_tuning_unarchive_fine_tuned_model",
    ]


async def test_files_requests_with_every_argument(tmp_path: Any) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"custom_id": "1"}\n')
    client, sent = capturing(FILE)
    await client.files.upload(
        path,
        purpose="batch",
        expiry=24,
        visibility="user",
        filename="named.jsonl",
        content_type="application/jsonl",
    )
    await client.files.upload(b"x")
    for request in sent:
        assert body_problems(request) == []
    form = parse_multipart(sent[0].content, sent[0].headers["content-type"])
    assert form == {
        "purpose": ["batch"],
        "expiry": ["24"],
        "visibility": ["user"],
        "file": [b'{"custom_id": "1"}\n'],
    }
    assert b'filename="named.jsonl"' in sent[0].content

    client, sent = capturing({"data": [], "object": "list", "total": 0})
    await client.files.list(
        page=1,
        page_size=10,
        include_total=False,
        sample_type=["batch_request", "batch_result"],
        source=["upload"],
        search="data",
        purpose="batch",
        mimetypes=["application/jsonl"],
    )
    (request,) = sent
    assert undeclared_query(request) == set()
    assert request.url.params.get_list("sample_type") == ["batch_request", "batch_result"]
    assert request.url.params["include_total"] == "false"

    client, sent = capturing({"url": "https://x"})
    await client.files.get_signed_url(FILE_ID, expiry=48)
    (request,) = sent
    assert undeclared_query(request) == set()
    assert request.url.params["expiry"] == "48"
