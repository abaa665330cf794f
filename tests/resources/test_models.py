"""The models API against the local server: the catalogue and fine-tuned model management."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    Mistral,
    NotFoundError,
    PermissionDeniedError,
)
from mistral_async.testing import LocalServer
from mistral_async.types.models import (
    ArchiveFTModelOut,
    BaseModelCard,
    ClassifierFTModelOut,
    CompletionFTModelOut,
    DeleteModelOut,
    FTModelCard,
    ModelCard,
    ModelList,
    UnarchiveFTModelOut,
)

pytestmark = pytest.mark.anyio

TARGETS = [
    {"name": "spam", "labels": ["yes", "no"], "weight": 1.0, "loss_function": "single_class"}
]


def fine_tuned(server: LocalServer, *, classifier: bool = False) -> str:
    """Register a fine-tuned model as a succeeded job would; return its id."""
    model_id = f"ft:open-mistral-nemo:{uuid.uuid4().hex[:8]}:20240514:{uuid.uuid4().hex[:8]}"
    server.store.add_fine_tuned_model(
        model_id,
        root="open-mistral-nemo",
        job=str(uuid.uuid4()),
        classifier_targets=TARGETS if classifier else None,
    )
    return model_id


async def test_list_has_the_catalogue_and_fine_tuned_models(
    client: AsyncMistral, server: LocalServer
) -> None:
    model_id = fine_tuned(server)
    models = await client.models.list()
    assert isinstance(models, ModelList)
    by_id = {card.id: card for card in models.data}
    base = by_id["mistral-small-latest"]
    assert isinstance(base, BaseModelCard)
    assert base.type == "base"
    assert base.capabilities.completion_chat
    assert "mistral-small-2506" in base.aliases
    mine = by_id[model_id]
    assert isinstance(mine, FTModelCard)
    assert (mine.root, mine.archived) == ("open-mistral-nemo", False)
    assert models.response_info is not None
    only = await client.models.list(model="mistral-small-2506")
    assert [card.id for card in only.data] == ["mistral-small-latest"]
    assert {card.id for card in (await client.models.list(provider="mistralai")).data} == {
        card.id for card in models.data if isinstance(card, BaseModelCard)
    }


async def test_retrieve(client: AsyncMistral, server: LocalServer) -> None:
    card = await client.models.retrieve("codestral-latest")
    assert isinstance(card, BaseModelCard)
    assert card.capabilities.completion_fim
    assert (await client.models.retrieve(model_id="codestral-2508")).id == "codestral-latest"
    model_id = fine_tuned(server)
    mine = await client.models.retrieve(model_id)
    assert isinstance(mine, FTModelCard)
    assert mine.job
    with pytest.raises(NotFoundError, match="no-such-model") as caught:
        await client.models.retrieve("no-such-model")
    assert caught.value.status_code == 404


async def test_unknown_card_kinds_still_parse() -> None:
    card = ModelCard.model_validate({"id": "x", "capabilities": {}, "type": "agent", "new": 1})
    assert type(card) is ModelCard
    assert card.type == "agent"
    assert type(ModelCard.model_validate({"id": "x", "capabilities": {}})) is BaseModelCard


async def test_update_archive_unarchive_delete(client: AsyncMistral, server: LocalServer) -> None:
    model_id = fine_tuned(server)
    updated = await client.models.update(model_id, name="support bot", description="v2")
    assert isinstance(updated, CompletionFTModelOut)
    assert (updated.name, updated.description, updated.model_type) == (
        "support bot",
        "v2",
        "completion",
    )
    assert updated.root == "open-mistral-nemo"
    assert updated.root_version == "2407"
    card = await client.models.retrieve(model_id)
    assert (card.name, card.description) == ("support bot", "v2")
    # None leaves a field as it is; extra_body sends an explicit null, which clears it.
    unchanged = await client.models.update(model_id, name=None, description="v3")
    assert (unchanged.name, unchanged.description) == ("support bot", "v3")
    cleared = await client.models.update(model_id, extra_body={"name": None})
    assert (cleared.name, cleared.description) == (None, "v3")

    archived = await client.models.archive(model_id)
    assert isinstance(archived, ArchiveFTModelOut)
    assert (archived.id, archived.archived) == (model_id, True)
    listed = await client.models.retrieve(model_id)
    assert isinstance(listed, FTModelCard)
    assert listed.archived
    unarchived = await client.models.unarchive(model_id)
    assert isinstance(unarchived, UnarchiveFTModelOut)
    assert not unarchived.archived

    deleted = await client.models.delete(model_id)
    assert isinstance(deleted, DeleteModelOut)
    assert (deleted.id, deleted.deleted) == (model_id, True)
    assert model_id not in {card.id for card in (await client.models.list()).data}
    for call in (client.models.retrieve, client.models.delete, client.models.archive):
        with pytest.raises(NotFoundError):
            await call(model_id)


async def test_classifier_models(client: AsyncMistral, server: LocalServer) -> None:
    model_id = fine_tuned(server, classifier=True)
    updated = await client.models.update(model_id, description="spam filter")
    assert isinstance(updated, ClassifierFTModelOut)
    assert updated.capabilities.classification
    assert updated.classifier_targets[0].labels == ["yes", "no"]


async def test_base_models_cannot_be_changed(client: AsyncMistral) -> None:
    with pytest.raises(PermissionDeniedError, match="mistral-large-latest") as caught:
        await client.models.delete("mistral-large-latest")
    assert caught.value.status_code == 403
    assert (await client.models.retrieve("mistral-large-latest")).id == "mistral-large-latest"
    with pytest.raises(NotFoundError):
        await client.models.update("mistral-large-latest", name="mine")
    with pytest.raises(NotFoundError):
        await client.models.unarchive("mistral-large-latest")


@pytest.mark.parametrize(
    ("call", "kwargs", "argument"),
    [
        ("update", {"name": 3}, "name"),
        ("update", {"title": "x"}, "title"),
        ("archive", {"name": "x"}, "name"),
        ("retrieve", {"model_id": ""}, "model_id"),
        ("list", {"provider": 1}, "provider"),
    ],
)
async def test_bad_arguments_fail_before_sending(
    client: AsyncMistral, server: LocalServer, call: str, kwargs: dict[str, Any], argument: str
) -> None:
    method = getattr(client.models, call)
    args = () if call == "list" or "model_id" in kwargs else ("ft:x:y",)
    with pytest.raises(ArgumentError) as caught:
        await method(*args, **kwargs)
    assert caught.value.argument == argument
    assert server.exchanges.snapshot() == []


def test_sync_models(server: LocalServer) -> None:
    model_id = fine_tuned(server)
    with Mistral(api_key="k", base_url=server.url) as client:
        assert model_id in {card.id for card in client.models.list().data}
        assert isinstance(client.models.retrieve(model_id), FTModelCard)
        assert client.models.update(model_id, name="n").name == "n"
        assert client.models.archive(model_id).archived
        assert not client.models.unarchive(model_id).archived
        assert client.models.delete(model_id).deleted
        with pytest.raises(NotFoundError):
            client.models.retrieve(model_id)
