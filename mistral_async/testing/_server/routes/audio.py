"""``/v1/audio``: transcription (JSON or a stream), speech (JSON or a stream) and voices.

The simulated models are in :mod:`..._models.audio`; voices live in :mod:`..._state.voices`.
A transcription request is a form whose ``stream`` field (``"true"``) picks the streamed
operation; a speech request is JSON whose ``stream`` does. Both streams name their events
(``event: transcription.segment`` and ``data: {"type": "transcription.segment", ...}``), have no
``[DONE]`` and end after ``transcription.done`` / ``speech.audio.done``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..._models.audio import (
    AudioInfo,
    audio_from_url,
    read_audio,
    speech_audio,
    speech_events,
    transcription,
    transcription_events,
)
from ..._spec.error_bodies import ApiError
from ..._spec.multipart import multipart_files, parse_multipart
from ..._state.voices import voices
from ._request import (
    RequestInvalid,
    check_body,
    int_query,
    invalid,
    json_body,
    known_model,
    settings,
)
from .files import found_file

PATH = "/v1/audio"
DEFAULT_SPEECH_MODEL = "voxtral-tts-latest"  # `model` may be null in the spec
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def named_event(data: dict[str, Any]) -> bytes:
    """One event of a named-event stream: ``event: <type>`` and the data as one line."""
    text = json.dumps(data, separators=(",", ":"))
    return f"event: {data['type']}\ndata: {text}\n\n".encode()


def event_stream(events: Iterable[dict[str, Any]]) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for data in events:
            yield named_event(data)

    return StreamingResponse(
        body(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


# -- transcription -----------------------------------------------------------------------------


def _rule(message: str, form: dict[str, Any]) -> RequestInvalid:
    """A 422 for a rule across fields, as the API's pydantic model validator reports it."""
    shown = {k: v for k, v in form.items() if k != "file"}
    return invalid(("body",), f"Value error, {message}", shown, "value_error")


def _check_rules(form: dict[str, Any]) -> None:
    """The rules the live API enforces across fields (``check_transcription_request`` in the
    SDK checks them before sending)."""
    given = [name for name in ("file", "file_url", "file_id") if form.get(name) is not None]
    if len(given) != 1:
        raise _rule("exactly one of file, file_url or file_id must be given", form)
    granularities = form.get("timestamp_granularities") or []
    if form.get("diarize") and not form.get("stream") and granularities != ["segment"]:
        raise _rule("diarize requires timestamp_granularities=['segment']", form)
    if form.get("language") and granularities:
        raise _rule("language cannot be combined with timestamp_granularities", form)


def _audio(request: Request, form: dict[str, Any], files: dict[str, Any]) -> AudioInfo:
    part = files.get("file")
    if part is not None:
        return read_audio(part.content)
    if form.get("file_url") is not None:
        return audio_from_url(str(form["file_url"]))
    return read_audio(found_file(request, str(form["file_id"])).content)


async def transcriptions(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise invalid(("body",), "expected a multipart/form-data body", content_type, "media")
    raw = await request.body()
    fields = parse_multipart(raw, content_type)
    check_body(request, fields, content_type)
    form = settings(request).spec.form_instance(request.method, request.url.path, fields)
    for name in ("context_bias", "timestamp_granularities"):  # a single part is a list too
        if name in form and not isinstance(form[name], list):
            form[name] = [form[name]]
    _check_rules(form)
    model = known_model(form, "audio_transcription")
    audio = _audio(request, form, multipart_files(raw, content_type))
    if form.get("stream") is True:
        return event_stream(transcription_events(audio, form, model.id))
    return JSONResponse(transcription(audio, form, model.id))


# -- speech --------------------------------------------------------------------------------------


def _voice_key(request: Request, body: dict[str, Any]) -> str:
    """What chooses the voice's tone: a stored voice's id, a preset's name, or the reference
    audio's bytes."""
    voice_id, ref_audio = body.get("voice_id"), body.get("ref_audio")
    if voice_id is not None:
        stored = voices(request).find(voice_id)
        if stored is not None:
            return str(stored["id"])
        if _UUID.fullmatch(voice_id):  # custom voices have uuids: this one is gone or unknown
            raise ApiError(404, f"Voice {voice_id} not found", param="voice_id")
        return str(voice_id)  # any other name reads as a preset voice
    if ref_audio is not None:
        try:
            sample = base64.b64decode(ref_audio, validate=True)
        except binascii.Error:
            raise ApiError(400, "ref_audio is not valid base64", param="ref_audio") from None
        return hashlib.sha256(sample).hexdigest()
    return "default"


async def speech(request: Request) -> Response:
    body = await json_body(request)
    model = known_model({**body, "model": body.get("model") or DEFAULT_SPEECH_MODEL}, "speech")
    del model  # checked only: every speech model sounds the same here
    text = str(body["input"])
    audio = speech_audio(text, _voice_key(request, body), body.get("response_format") or "mp3")
    if body.get("stream"):
        return event_stream(speech_events(text, audio))
    return JSONResponse({"audio_data": base64.b64encode(audio).decode()})


# -- voices --------------------------------------------------------------------------------------


async def list_voices(request: Request) -> Response:
    limit = int_query(request, "limit", 10, 1)
    offset = int_query(request, "offset", 0, 0)
    listed = voices(request).listed()
    return JSONResponse(
        {
            "items": listed[offset : offset + limit],
            "total": len(listed),
            "page": offset // limit,
            "page_size": limit,
            "total_pages": math.ceil(len(listed) / limit),
        }
    )


async def create_voice(request: Request) -> Response:
    body = await json_body(request)
    try:
        sample = base64.b64decode(body["sample_audio"], validate=True)
    except binascii.Error:
        message = "Value error, sample_audio is not valid base64"
        raise invalid(
            ("body", "sample_audio"), message, body["sample_audio"], "value_error"
        ) from None
    if not sample:
        raise ApiError(400, "The voice sample is empty", param="sample_audio")
    return JSONResponse(voices(request).create(body, sample))


async def get_voice(request: Request) -> Response:
    return JSONResponse(voices(request).get(request.path_params["voice_id"]))


async def update_voice(request: Request) -> Response:
    body = await json_body(request)
    return JSONResponse(voices(request).update(request.path_params["voice_id"], body))


async def delete_voice(request: Request) -> Response:
    return JSONResponse(voices(request).delete(request.path_params["voice_id"]))


async def voice_sample(request: Request) -> Response:
    sample = voices(request).sample(request.path_params["voice_id"])
    return Response(sample, media_type="audio/wav")


routes: list[BaseRoute] = [
    Route(PATH + "/transcriptions", transcriptions, methods=["POST"]),
    Route(PATH + "/speech", speech, methods=["POST"]),
    Route(PATH + "/voices", list_voices, methods=["GET"]),
    Route(PATH + "/voices", create_voice, methods=["POST"]),
    Route(PATH + "/voices/{voice_id}", get_voice, methods=["GET"]),
    Route(PATH + "/voices/{voice_id}", update_voice, methods=["PATCH"]),
    Route(PATH + "/voices/{voice_id}", delete_voice, methods=["DELETE"]),
    Route(PATH + "/voices/{voice_id}/sample", voice_sample, methods=["GET"]),
]
