"""The server's routes, one module per API area.

To serve a new area, write ``routes/<area>.py`` with a module-level ``routes: list[BaseRoute]``
(use ``_request.json_body`` to get a validated body and raise ``_spec.error_bodies.ApiError``
for API errors), then add one line to :data:`ROUTES` below.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import (
    agents,
    audio,
    batch,
    chat,
    classifiers,
    conversations,
    embeddings,
    files,
    fim,
    fine_tuning,
    libraries,
    models,
    ocr,
)

ROUTES: list[BaseRoute] = [
    *chat.routes,
    *fim.routes,
    *embeddings.routes,
    *classifiers.routes,
    *models.routes,
    *files.routes,
    *ocr.routes,
    *fine_tuning.routes,
    *batch.routes,
    *agents.routes,
    *conversations.routes,
    *audio.routes,
    *libraries.routes,
]
