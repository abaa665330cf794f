"""``client.audio``: ``transcriptions`` (speech to text), ``speech`` (text to speech) and
``voices`` (``/v1/audio``).

A transcription request is a ``multipart/form-data`` form: the audio is a file part, streamed as
``files.upload`` streams it (a path, ``bytes`` or a binary file object; sent again on a retry,
unless the file object cannot seek), or it is given by reference (``file_url``, ``file_id``);
the other fields are text parts, lists as repeated parts, and the constant ``stream`` field
tells the two operations apart. The live API's rules across fields are checked before
anything is sent (``check_transcription_request``).

Speech replies carry base64 audio: :meth:`SpeechResponse.audio_bytes` and ``write_to(path)``
give the file; a stream's :meth:`SpeechStream.iter_audio` the decoded pieces as they come.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Generator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, cast

import anyio
from typing_extensions import Unpack

from .._core.checks import check_clean_text
from .._core.download import FileDownload, StrPath
from .._core.errors import ArgumentError
from .._core.event_streams import SpeechStream, TranscriptionStream
from .._core.options import RequestOptions
from .._core.pagination import AsyncPaginator
from .._core.request import APIRequest
from .._core.upload import file_part, lazy_file_part
from .._core.validate import split_options, validate_options, validate_params
from .._sync.views import (
    SyncFileDownload,
    SyncPaginator,
    SyncResource,
    SyncSpeechStream,
    SyncTranscriptionStream,
    blocking,
    wrapped,
)
from ..types._form import FormFields, form_fields
from ..types.audio_speech import SpeechParams, SpeechRequest, SpeechResponse
from ..types.audio_transcriptions import (
    AudioTranscriptionRequest,
    AudioTranscriptionRequestStream,
    TranscriptionParams,
    TranscriptionResponse,
    check_transcription_request,
)
from ..types.audio_voices import (
    VoiceCreateParams,
    VoiceCreateRequest,
    VoiceListResponse,
    VoiceResponse,
    VoicesListParams,
    VoicesListQuery,
    VoiceUpdateParams,
    VoiceUpdateRequest,
)
from ._base import (
    AsyncAPIResource,
    StreamOptions,
    event_stream,
    json_request,
    options_only,
    path_param,
    pop_idle_timeout,
    query_request,
)

PATH = "/v1/audio"
TRANSCRIPTIONS = PATH + "/transcriptions"
SPEECH = PATH + "/speech"
VOICES = PATH + "/voices"
DEFAULT_VOICES_PAGE = 10  # the API's `limit` default


class TranscriptionArgs(TranscriptionParams, RequestOptions, total=False):
    pass


class SpeechArgs(SpeechParams, RequestOptions, total=False):
    pass


class TranscriptionStreamArgs(TranscriptionArgs, StreamOptions, total=False):
    pass


class SpeechStreamArgs(SpeechArgs, StreamOptions, total=False):
    pass


class VoiceCreateArgs(VoiceCreateParams, RequestOptions, total=False):
    pass


class VoiceUpdateArgs(VoiceUpdateParams, RequestOptions, total=False):
    pass


class VoicesListArgs(VoicesListParams, RequestOptions, total=False):
    pass


# -- transcriptions ----------------------------------------------------------------------------


class TranscriptionForm:
    """A transcription request, validated and checked: its text fields and its audio.

    Built when the method is called, so that every argument error is raised before anything
    is sent; the file part is made only when the request is sent (:meth:`request`), so that a
    path is opened then and closed when the exchange ends.
    """

    def __init__(self, kwargs: dict[str, Any], *, stream: bool) -> None:
        params, self.options = split_options(kwargs)
        validate_options(self.options)
        self.filename = _optional_text(params, "filename")
        self.content_type = _optional_text(params, "content_type")
        model: type[AudioTranscriptionRequest | AudioTranscriptionRequestStream] = (
            AudioTranscriptionRequestStream if stream else AudioTranscriptionRequest
        )
        request = validate_params(model, {**params, "stream": stream})
        check_transcription_request(request)
        self.model: str = request.model
        self.file: Any = request.file  # checked by the file part, made before anything is sent
        self.fields: FormFields = form_fields(request)

    def text_parts(self) -> list[tuple[str, tuple[None, str]]]:
        """The fields as parts without a file name (httpx sends those as text), so that the
        body is a form even when no file part goes with it."""
        return [
            (name, (None, text))
            for name, value in self.fields.items()
            for text in (value if isinstance(value, list) else [value])
        ]

    @contextmanager
    def parts(self) -> Generator[tuple[list[tuple[str, Any]], bool], None, None]:
        """Every part of the form, and whether a retry can send them again. A path is
        opened here and closed on leaving, however we leave."""
        if self.file is None:
            yield self.text_parts(), True
            return
        with file_part(self.file, self.filename, self.content_type) as (part, replayable):
            yield [*self.text_parts(), ("file", part)], replayable

    def options_for(self, replayable: bool) -> RequestOptions:
        # A file object that cannot seek is sent once: a retry would send it empty.
        return self.options if replayable else {**self.options, "max_retries": 0}


def _optional_text(params: dict[str, Any], name: str) -> str | None:
    value = params.pop(name, None)
    if value is not None and not isinstance(value, str):
        raise ArgumentError(name, f"must be a str or None, got {type(value).__name__}")
    return None if value is None else check_clean_text(name, value)


class AsyncTranscriptions(AsyncAPIResource):
    async def complete(self, **kwargs: Unpack[TranscriptionArgs]) -> TranscriptionResponse:
        """Transcribe audio: ``model`` and one of ``file`` (a path, ``bytes`` or a binary
        file object, streamed), ``file_url`` or ``file_id``; ``language``, ``temperature``,
        ``diarize``, ``context_bias``, ``timestamp_granularities`` (``["segment"]`` for
        segments with times). ``filename``/``content_type`` name the file part.

        :raises ArgumentError: before sending, for what the API would refuse: not exactly one
            audio source; ``diarize=True`` without ``timestamp_granularities=["segment"]``;
            ``language`` with timestamp granularities.
        """
        form = TranscriptionForm(dict(kwargs), stream=False)
        with form.parts() as (parts, replayable):
            request = APIRequest("POST", TRANSCRIPTIONS, files=parts)
            options = form.options_for(replayable)
            return await self._client._request(request, TranscriptionResponse, options)

    def stream(self, **kwargs: Unpack[TranscriptionStreamArgs]) -> TranscriptionStream:
        """Transcribe audio as a stream of events: ``transcription.language``,
        ``transcription.text.delta``, ``transcription.segment``, ``transcription.done``. The
        arguments are those of :meth:`complete` (``diarize`` needs no granularities here),
        plus ``idle_timeout``; they are checked now, and nothing is sent until the stream is
        used. A path is opened when the request is sent and closed when the stream ends.

        ``text_deltas()`` yields the text as it comes, ``get_final_transcription()`` the whole
        ``TranscriptionResponse``.
        """
        params: dict[str, Any] = dict(kwargs)
        idle_timeout = pop_idle_timeout(params)
        form = TranscriptionForm(params, stream=True)
        parts: list[tuple[str, Any]] = form.text_parts()
        replayable = True
        if form.file is not None:
            part, replayable = lazy_file_part(form.file, form.filename, form.content_type)
            parts.append(("file", part))
        request = APIRequest("POST", TRANSCRIPTIONS, files=parts)
        options = form.options_for(replayable)
        return TranscriptionStream(
            self._client, request, options, model=form.model, idle_timeout=idle_timeout
        )


# -- speech ------------------------------------------------------------------------------------


def _speech_arguments(kwargs: Any) -> dict[str, Any]:
    """``ref_audio`` given as bytes goes base64-encoded, as the API takes it."""
    arguments = dict(kwargs)
    ref_audio = arguments.get("ref_audio")
    if isinstance(ref_audio, (bytes, bytearray, memoryview)):
        audio = bytes(cast("bytes | bytearray | memoryview[int]", ref_audio))
        arguments["ref_audio"] = base64.b64encode(audio).decode("ascii")
    return arguments


class AsyncSpeech(AsyncAPIResource):
    async def complete(self, **kwargs: Unpack[SpeechArgs]) -> SpeechResponse:
        """Say ``input`` in a voice (``voice_id``, or ``ref_audio``: a short recording to
        imitate, bytes or base64 text) as one audio file in ``response_format`` (``mp3`` by
        default; ``wav``, ``pcm``, ``flac``, ``opus``). ``reply.audio_bytes()`` is the file,
        ``reply.write_to(path)`` saves it."""
        request, options = json_request("POST", SPEECH, SpeechRequest, _speech_arguments(kwargs))
        return await self._client._request(request, SpeechResponse, options)

    def stream(self, **kwargs: Unpack[SpeechStreamArgs]) -> SpeechStream:
        """Say ``input`` as a stream of audio pieces (``speech.audio.delta``), then
        ``speech.audio.done`` with the usage; the arguments of :meth:`complete`, plus
        ``idle_timeout``, are checked now and nothing is sent until the stream is used.

        ``iter_audio()`` yields the decoded bytes as they come, ``get_final_audio()`` the
        whole file; ``usage`` is set at the end.
        """
        arguments = _speech_arguments(kwargs)
        return event_stream(
            self._client, SPEECH, SpeechRequest, arguments, SpeechStream, stream=True
        )


# -- voices ------------------------------------------------------------------------------------


async def _sample_bytes(sample: Any) -> tuple[bytes, str | None]:
    """A voice sample's bytes and its file name (the path's or file object's, if it has one),
    read through the same file part as an upload, so that the same inputs are taken."""
    with file_part(sample, argument="sample_audio") as ((name, content, _), _replayable):
        if isinstance(content, bytes):
            return content, None
        data = await anyio.to_thread.run_sync(content.read)
    if not isinstance(data, bytes):
        raise ArgumentError("sample_audio", "is a text file object; open it in binary mode")
    named = isinstance(sample, (str, os.PathLike)) or isinstance(getattr(sample, "name", None), str)
    return data, name if named else None


class AsyncVoices(AsyncAPIResource):
    def list(
        self, **kwargs: Unpack[VoicesListArgs]
    ) -> AsyncPaginator[VoiceResponse, VoiceListResponse]:
        """The voices (without their samples): ``await`` it for one page of ``limit`` voices
        from ``offset``, ``async for`` it for every voice from there, page after page."""
        request, options = query_request("GET", VOICES, VoicesListQuery, kwargs)
        query = dict(request.params or {})
        limit = int(query.get("limit") or DEFAULT_VOICES_PAGE)
        offset = int(query.get("offset") or 0)
        client = self._client

        async def fetch(page: int) -> VoiceListResponse:
            params = {"limit": limit, "offset": offset + page * limit}
            page_request = APIRequest("GET", VOICES, params=params)
            return await client._request(page_request, VoiceListResponse, options)

        return AsyncPaginator(fetch, page_size=limit)

    async def create(self, **kwargs: Unpack[VoiceCreateArgs]) -> VoiceResponse:
        """Make a voice from a sample recording: ``name`` and ``sample_audio`` (a path,
        ``bytes`` or a binary file object; sent base64-encoded), and ``sample_filename``
        (the path's name by default), ``languages``, ``gender``, ``age``, ``tags``, ``slug``,
        ``color``, ``retention_notice``."""
        arguments: dict[str, Any] = dict(kwargs)
        if "sample_audio" in arguments:
            data, name = await _sample_bytes(arguments["sample_audio"])
            arguments["sample_audio"] = base64.b64encode(data).decode("ascii")
            if name is not None and arguments.get("sample_filename") is None:
                arguments["sample_filename"] = name
        request, options = json_request("POST", VOICES, VoiceCreateRequest, arguments)
        return await self._client._request(request, VoiceResponse, options)

    async def get(self, voice_id: str, **kwargs: Unpack[RequestOptions]) -> VoiceResponse:
        request = APIRequest("GET", f"{VOICES}/{path_param('voice_id', voice_id)}")
        return await self._client._request(request, VoiceResponse, options_only(kwargs))

    async def update(self, voice_id: str, **kwargs: Unpack[VoiceUpdateArgs]) -> VoiceResponse:
        """Change the fields given: ``name``, ``languages``, ``gender``, ``age``, ``tags``."""
        path = f"{VOICES}/{path_param('voice_id', voice_id)}"
        request, options = json_request("PATCH", path, VoiceUpdateRequest, kwargs)
        return await self._client._request(request, VoiceResponse, options)

    async def delete(self, voice_id: str, **kwargs: Unpack[RequestOptions]) -> VoiceResponse:
        """Delete a voice you made; returns it as it was."""
        request = APIRequest("DELETE", f"{VOICES}/{path_param('voice_id', voice_id)}")
        return await self._client._request(request, VoiceResponse, options_only(kwargs))

    def download_sample(self, voice_id: str, **kwargs: Unpack[RequestOptions]) -> FileDownload:
        """The voice's sample recording, streamed (as ``files.download``); nothing is sent
        until it is used. See also :meth:`get_sample` and :meth:`get_sample_to`."""
        path = f"{VOICES}/{path_param('voice_id', voice_id)}/sample"
        # Without this, the pipeline's streaming default would ask for an event stream.
        request = APIRequest("GET", path, headers={"Accept": "audio/wav"})
        return FileDownload(self._client, request, options_only(kwargs))

    async def get_sample(self, voice_id: str, **kwargs: Unpack[RequestOptions]) -> bytes:
        """The voice's sample recording, read whole into memory."""
        async with self.download_sample(voice_id, **kwargs) as download:
            return await download.read()

    async def get_sample_to(
        self, voice_id: str, path: StrPath, **kwargs: Unpack[RequestOptions]
    ) -> int:
        """Stream the voice's sample into ``path`` (replaced if it exists); return its size."""
        if not isinstance(path, (str, os.PathLike)):  # pyright: ignore[reportUnnecessaryIsInstance]  # called untyped too
            raise ArgumentError("path", f"must be a str or os.PathLike, got {path!r}")
        async with self.download_sample(voice_id, **kwargs) as download:
            return await download.write_to(path)


class AsyncAudio(AsyncAPIResource):
    """``client.audio``: ``transcriptions``, ``speech`` and ``voices``."""

    @cached_property
    def transcriptions(self) -> AsyncTranscriptions:
        """Speech to text: ``complete`` and ``stream``."""
        return AsyncTranscriptions(self._client)

    @cached_property
    def speech(self) -> AsyncSpeech:
        """Text to speech: ``complete`` and ``stream``."""
        return AsyncSpeech(self._client)

    @cached_property
    def voices(self) -> AsyncVoices:
        """Voices: ``list``, ``create``, ``get``, ``update``, ``delete``, samples."""
        return AsyncVoices(self._client)


# -- blocking ----------------------------------------------------------------------------------


class SyncTranscriptions(SyncResource[AsyncTranscriptions]):
    complete = blocking(AsyncTranscriptions.complete)
    stream = wrapped(AsyncTranscriptions.stream, SyncTranscriptionStream)


class SyncSpeech(SyncResource[AsyncSpeech]):
    complete = blocking(AsyncSpeech.complete)
    stream = wrapped(AsyncSpeech.stream, SyncSpeechStream)


class SyncVoices(SyncResource[AsyncVoices]):
    list = wrapped(AsyncVoices.list, SyncPaginator[VoiceResponse, VoiceListResponse])
    create = blocking(AsyncVoices.create)
    get = blocking(AsyncVoices.get)
    update = blocking(AsyncVoices.update)
    delete = blocking(AsyncVoices.delete)
    download_sample = wrapped(AsyncVoices.download_sample, SyncFileDownload)
    get_sample = blocking(AsyncVoices.get_sample)
    get_sample_to = blocking(AsyncVoices.get_sample_to)


class SyncAudio(SyncResource[AsyncAudio]):
    """Blocking audio: the same resources, run on the client's loop thread."""

    @cached_property
    def transcriptions(self) -> SyncTranscriptions:
        return SyncTranscriptions(self._client, self._inner.transcriptions)

    @cached_property
    def speech(self) -> SyncSpeech:
        return SyncSpeech(self._client, self._inner.speech)

    @cached_property
    def voices(self) -> SyncVoices:
        return SyncVoices(self._client, self._inner.voices)
