"""A fine-tuned model answers chat and FIM once its job has succeeded, as on the live API."""

from __future__ import annotations

import uuid

import httpx

from mistral_async.testing import LocalServer

AUTH = {"Authorization": "Bearer sk-test"}


def test_fine_tuned_model_serves_chat_and_fim(server: LocalServer) -> None:
    model_id = f"ft:codestral-latest:{uuid.uuid4().hex[:8]}"
    # What a succeeded fine-tuning job records (Store.settle calls it for the job).
    server.store.add_fine_tuned_model(model_id, root="codestral-latest", job=str(uuid.uuid4()))
    try:
        messages = [{"role": "user", "content": "hi"}]
        chat = httpx.post(
            f"{server.url}/v1/chat/completions",
            json={"model": model_id, "messages": messages},
            headers=AUTH,
        )
        assert chat.status_code == 200, chat.text
        assert chat.json()["model"] == model_id
        fim = httpx.post(
            f"{server.url}/v1/fim/completions",
            json={"model": model_id, "prompt": "def f(", "suffix": "return 1"},
            headers=AUTH,
        )
        assert fim.status_code == 200, fim.text
    finally:
        server.store.fine_tuned_models.pop(model_id, None)


def test_fine_tuned_chat_model_without_fim_is_refused_fim(server: LocalServer) -> None:
    model_id = f"ft:open-mistral-nemo:{uuid.uuid4().hex[:8]}"
    server.store.add_fine_tuned_model(model_id, root="open-mistral-nemo", job=str(uuid.uuid4()))
    try:
        fim = httpx.post(
            f"{server.url}/v1/fim/completions",
            json={"model": model_id, "prompt": "def f("},
            headers=AUTH,
        )
        assert fim.status_code == 400
        assert fim.json()["type"] == "invalid_model"
    finally:
        server.store.fine_tuned_models.pop(model_id, None)
