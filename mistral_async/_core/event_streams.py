"""The typed event streams: conversations, transcriptions, speech, and any endpoint's raw events.

Each is an :class:`~.streaming.AsyncStream` with its own :class:`~.streaming.StreamFormat`: the
``data`` of every event read in one pass into a member of the kind's discriminated union (an
event type added to the API later reads as the union's ``Unknown*`` member), no ``[DONE]``, the
stream complete only once its last event has come (a stream closed before it was cut), and an
in-band error raised as ``StreamError``. The results are assembled by the pure accumulators of
``conversation_accumulate``, ``transcription_accumulate`` and ``speech_accumulate``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..types._unions import UnknownKind
from ..types.audio_speech import (
    SpeechStreamAudioDelta,
    SpeechStreamDone,
    SpeechStreamEvent,
    speech_event_adapter,
)
from ..types.audio_transcriptions import (
    TranscriptionResponse,
    TranscriptionStreamDone,
    TranscriptionStreamEvent,
    TranscriptionStreamTextDelta,
    transcription_event_adapter,
)
from ..types.chat import UsageInfo
from ..types.content import TextChunk
from ..types.conversation_events import (
    ConversationEvent,
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseErrorEvent,
    conversation_event_adapter,
)
from ..types.conversations import ConversationResponse
from .conversation_accumulate import ConversationAccumulator
from .json_values import is_object
from .options import RequestOptions
from .request import APIRequest
from .speech_accumulate import SpeechAccumulator
from .sse import ServerSentEvent
from .streaming import AccumulatingStream, AsyncStream, StreamFormat, is_error_object
from .transcription_accumulate import TranscriptionAccumulator

if TYPE_CHECKING:
    from .client import AsyncMistral

ItemT = TypeVar("ItemT")


def _frequent_first(
    frequent: type[BaseModel], adapter: TypeAdapter[ItemT]
) -> Callable[[str], ItemT]:
    """A parser that tries the kind's most frequent event (a text or audio delta) as a plain
    model, then the whole union: the union's callable discriminator costs a Python call and a
    second pass per event, which a delta, most of a stream's events, then does not pay. An
    event of another type fails the model on its ``type`` literal, at once."""
    fast = frequent.model_validate_json
    union = adapter.validate_json

    def parse(data: str) -> ItemT:
        try:
            return cast(ItemT, fast(data))
        except ValidationError:
            return union(data)

    return parse


def _unknown_error(item: Any) -> Any:
    """An error object in a stream that has no in-band error event of its own (the API's
    ``{"object": "error", ...}``), which reads as the union's unknown member."""
    if isinstance(item, UnknownKind):
        raw = item.raw
        # An error object has no event type of its own, or one such as "api_error" beside
        # its "object": "error" marker; a new event type with a "message" field is not one.
        marked = raw.get("object") == "error" or isinstance(raw.get("error"), dict)
        if marked or (item.type is None and is_error_object(raw)):
            return raw.get("error", raw)
    return None


def _conversation_error(event: Any) -> Any:
    if type(event) is ResponseErrorEvent:
        return {"message": event.message, "code": event.code, "type": event.type}
    return _unknown_error(event)


CONVERSATION_FORMAT: StreamFormat[ConversationEvent] = StreamFormat(
    "ConversationEvent",
    _frequent_first(MessageOutputEvent, conversation_event_adapter),
    requires_done=False,
    is_final=lambda event: type(event) is ResponseDoneEvent,
    error_of=_conversation_error,
)
TRANSCRIPTION_FORMAT: StreamFormat[TranscriptionStreamEvent] = StreamFormat(
    "TranscriptionStreamEvent",
    _frequent_first(TranscriptionStreamTextDelta, transcription_event_adapter),
    requires_done=False,
    is_final=lambda event: type(event) is TranscriptionStreamDone,
    error_of=_unknown_error,
)
SPEECH_FORMAT: StreamFormat[SpeechStreamEvent] = StreamFormat(
    "SpeechStreamEvent",
    _frequent_first(SpeechStreamAudioDelta, speech_event_adapter),
    requires_done=False,
    is_final=lambda event: type(event) is SpeechStreamDone,
    error_of=_unknown_error,
)


class ConversationEventStream(AccumulatingStream[ConversationEvent, ConversationResponse]):
    """A streamed conversation step (``start_stream``, ``append_stream``, ``restart_stream``):
    typed events, the text as it arrives, and the final ``ConversationResponse`` (its outputs
    assembled from the deltas, the usage from ``conversation.response.done``).

    A ``conversation.response.error`` event raises ``StreamError`` with its message and code.
    """

    _result_name = "The streamed conversation response"

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(client, request, options, CONVERSATION_FORMAT, idle_timeout=idle_timeout)

    def _new_accumulator(self) -> ConversationAccumulator:
        return ConversationAccumulator()

    def _result_of(self, accumulator: ConversationAccumulator) -> ConversationResponse:
        return accumulator.response()

    @property
    def conversation_id(self) -> str | None:
        """The conversation's id, once ``conversation.response.started`` has come."""
        accumulator = self._accumulator
        return (
            accumulator.conversation_id
            if isinstance(accumulator, ConversationAccumulator)
            else None
        )

    async def text_deltas(self) -> AsyncIterator[str]:
        """The text of the output messages, as it arrives (tool and handoff events skipped)."""
        async for event in self:
            if type(event) is MessageOutputEvent:
                content = event.content
                if isinstance(content, str):
                    if content:
                        yield content
                elif isinstance(content, TextChunk) and content.text:
                    yield content.text

    def current_response(self) -> ConversationResponse:
        """The response assembled from the events received so far."""
        return self._current()

    async def get_final_response(self) -> ConversationResponse:
        """Read the rest of the stream and return the whole response."""
        return await self._final()


class TranscriptionStream(AccumulatingStream[TranscriptionStreamEvent, TranscriptionResponse]):
    """A streamed transcription: typed events (``transcription.language``, ``.segment``,
    ``.text.delta``, ``.done``), the text as it arrives, and the final transcription."""

    _result_name = "The streamed transcription"

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        model: str = "",
        idle_timeout: float | None = None,
    ) -> None:
        self._model = model
        super().__init__(client, request, options, TRANSCRIPTION_FORMAT, idle_timeout=idle_timeout)

    def _new_accumulator(self) -> TranscriptionAccumulator:
        return TranscriptionAccumulator(self._model)

    def _result_of(self, accumulator: TranscriptionAccumulator) -> TranscriptionResponse:
        return accumulator.response()

    async def text_deltas(self) -> AsyncIterator[str]:
        """The text as it arrives."""
        async for event in self:
            if type(event) is TranscriptionStreamTextDelta and event.text:
                yield event.text

    def current_transcription(self) -> TranscriptionResponse:
        """The transcription assembled from the events received so far."""
        return self._current()

    async def get_final_transcription(self) -> TranscriptionResponse:
        """Read the rest of the stream and return the whole transcription."""
        return await self._final()


class SpeechStream(AccumulatingStream[SpeechStreamEvent, bytes]):
    """A streamed speech synthesis: typed events, the audio decoded as it arrives
    (:meth:`iter_audio`), the whole file (:meth:`get_final_audio`) and :attr:`usage`."""

    _result_name = "The streamed audio"

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        # The one accumulator decodes each piece once, for iter_audio() and the whole file;
        # it is kept (without the audio) past the reply bound, for the usage and the size.
        self._speech = SpeechAccumulator()
        self._chunk = b""
        super().__init__(client, request, options, SPEECH_FORMAT, idle_timeout=idle_timeout)

    def _new_accumulator(self) -> SpeechAccumulator:
        return self._speech

    def _result_of(self, accumulator: SpeechAccumulator) -> bytes:
        return accumulator.audio_bytes()

    def _decode(self, sse: ServerSentEvent) -> SpeechStreamEvent:
        # Not the base's bound: it is on audio bytes.
        event = AsyncStream[SpeechStreamEvent]._decode(self, sse)
        self._last = event
        speech = self._speech
        self._chunk = speech.add(event)
        if speech.keep_audio and speech.size > self._keep_limit:
            speech.keep_audio = False
            speech.chunks.clear()
            self._accumulator = None
        return event

    def _on_done(self) -> None:
        if self._client.usage_tracker is not None:
            self._client.usage_tracker.observe(self, self._request.path)

    @property
    def usage(self) -> UsageInfo | None:
        """The usage, once ``speech.audio.done`` has come."""
        return self._speech.usage

    @property
    def model(self) -> str | None:
        """The model asked for (what the usage tracker records the usage under)."""
        body = self._request.json
        return body.get("model") if is_object(body) else None

    async def iter_audio(self) -> AsyncIterator[bytes]:
        """The audio, decoded, piece by piece as it arrives."""
        async for _event in self:
            chunk = self._chunk
            if chunk:
                yield chunk

    def current_audio(self) -> bytes:
        """The audio received so far, as one file."""
        return self._current()

    async def get_final_audio(self) -> bytes:
        """Read the rest of the stream and return the whole audio file."""
        return await self._final()


# -- any endpoint -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event of :meth:`AsyncMistral.request_stream`: its name, its data
    parsed as JSON (the text itself when it is not JSON) and its id."""

    event: str
    data: Any
    id: str = ""


def _raw_error(event: StreamEvent) -> Any:
    # Only what is an error by name: a raw stream does not know its events' shapes, and a
    # data object with a "message" key is an ordinary event in many of them.
    if event.event in ("error", "conversation.response.error"):
        data = event.data
        return data.get("error", data) if is_object(data) else data
    return None


def _parse_raw(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


class RawEventStream(AsyncStream[StreamEvent]):
    """The events of any streaming endpoint, untyped: ends at ``[DONE]`` or when the
    connection closes; an ``error`` or ``conversation.response.error`` event raises
    ``StreamError``."""

    def __init__(
        self,
        client: AsyncMistral,
        request: APIRequest,
        options: RequestOptions,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(
            client,
            request,
            options,
            StreamFormat("event", _parse_raw, requires_done=False),
            idle_timeout=idle_timeout,
        )

    def _decode(self, sse: ServerSentEvent) -> StreamEvent:
        item = StreamEvent(sse.event, self._format.parse(sse.data), sse.id)
        error = _raw_error(item)
        if error is not None:
            raise self._stream_error(error)
        return item
