"""The typed event streams (conversations, transcriptions, speech, raw events) over real HTTP.

A scripted server on 127.0.0.1 sends exactly the bodies under test: well-formed streams, cut
ones, in-band errors, unknown event types. (The local Mistral server's own conversation and audio
streams are tested with their resources.)
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from mistral_async import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncMistral,
    Mistral,
    ResponseTooLargeError,
    StreamError,
    StreamEvent,
)
from mistral_async._core.event_streams import (
    ConversationEventStream,
    RawEventStream,
    SpeechStream,
    TranscriptionStream,
)
from mistral_async._core.request import APIRequest
from mistral_async._sync.views import SyncConversationEventStream, SyncSpeechStream
from mistral_async.types.conversation_entries import FunctionCallEntry, MessageOutputEntry
from mistral_async.types.conversation_events import (
    MessageOutputEvent,
    ResponseDoneEvent,
    ResponseStartedEvent,
    UnknownEvent,
)
from tests._support.asgi_server import serve_asgi
from tests._support.conversation_examples import EVENTS, USAGE
from tests._support.scripted_app import CUT, ScriptedApp, frame

pytestmark = pytest.mark.anyio

PATH = "/v1/conversations"
T0 = "2025-06-01T12:00:00Z"


def _event(data: dict[str, Any]) -> str:
    return frame(data, event=data["type"])


def _delta(text: str, *, index: int = 0, content_index: int = 0) -> str:
    return _event(
        {
            "type": "message.output.delta",
            "created_at": T0,
            "output_index": index,
            "id": "msg_1",
            "content_index": content_index,
            "model": "mistral-medium-latest",
            "role": "assistant",
            "content": text,
        }
    )


STARTED = _event(EVENTS["ResponseStartedEvent"])
DONE = _event(EVENTS["ResponseDoneEvent"])
ERROR = _event(EVENTS["ResponseErrorEvent"])
CALL = [
    _event({**EVENTS["FunctionCallEvent"], "output_index": 1, "arguments": '{"city": '}),
    _event({**EVENTS["FunctionCallEvent"], "output_index": 1, "arguments": '"Paris"}'}),
]
CONVERSATION = [STARTED, _delta("Hel"), _delta("lo!"), *CALL, DONE]


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[ScriptedApp, str]]:
    app = ScriptedApp()
    with serve_asgi(app.app) as url:
        yield app, url


@pytest.fixture
def app(scripted: tuple[ScriptedApp, str]) -> ScriptedApp:
    scripted[0].scripts.clear()
    scripted[0].calls.clear()
    scripted[0].requests.clear()
    return scripted[0]


@pytest.fixture
async def client(scripted: tuple[ScriptedApp, str]) -> Any:
    async with AsyncMistral(api_key="sk-test", base_url=scripted[1], max_retries=2) as client:
        yield client


def _conversation(client: AsyncMistral, path: str = PATH) -> ConversationEventStream:
    request = APIRequest("POST", path, json={"inputs": "hi", "stream": True})
    return ConversationEventStream(client, request, {})


# -- conversations -----------------------------------------------------------------------------


async def test_a_conversation_stream_yields_typed_events_and_assembles_the_response(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(PATH, frames=CONVERSATION)
    async with _conversation(client) as stream:
        events = [event async for event in stream]
    assert [type(e) for e in events][:3] == [
        ResponseStartedEvent,
        MessageOutputEvent,
        MessageOutputEvent,
    ]
    assert isinstance(events[-1], ResponseDoneEvent)
    assert stream.closed
    assert stream.conversation_id == "conv_1"
    response = stream.current_response()
    assert response.conversation_id == "conv_1"
    message, call = response.outputs
    assert isinstance(message, MessageOutputEntry)
    assert message.content == "Hello!"
    assert isinstance(call, FunctionCallEntry)
    assert (call.name, call.arguments, call.tool_call_id) == (
        "get_weather",
        '{"city": "Paris"}',
        "call_1",
    )
    assert response.usage.total_tokens == USAGE["total_tokens"]
    assert response.response_info is not None
    assert response.response_info.status_code == 200
    # The usage tracker saw the step once.
    assert client.usage_tracker is not None
    records = client.usage_tracker.records
    assert [(r.prompt_tokens, r.path) for r in records] == [(USAGE["prompt_tokens"], PATH)]


async def test_text_deltas_and_get_final_response(app: ScriptedApp, client: AsyncMistral) -> None:
    app.script(PATH, frames=CONVERSATION)
    assert [t async for t in _conversation(client).text_deltas()] == ["Hel", "lo!"]
    final = await _conversation(client).get_final_response()
    assert [type(o) for o in final.outputs] == [MessageOutputEntry, FunctionCallEntry]


async def test_a_stream_closed_before_its_last_event_was_cut(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(PATH, frames=[STARTED, _delta("Hel")])  # a clean end, but no response.done
    seen: list[Any] = []
    with pytest.raises(APIResponseValidationError, match="ended before its last ConversationEvent"):
        async for event in _conversation(client):
            seen.append(event)
    assert len(seen) == 2  # what came is handed over before the error


async def test_an_in_band_error_raises_a_typed_stream_error(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(PATH, frames=[STARTED, _delta("Hel"), ERROR])
    stream = _conversation(client)
    with pytest.raises(StreamError) as caught:
        async for _ in stream:
            pass
    assert caught.value.code == 3000
    assert "model overloaded" in str(caught.value)
    assert caught.value.status_code == 200
    assert stream.closed
    assert app.calls[PATH] == 1  # an answer that went wrong is not sent again


async def test_an_unknown_event_type_is_kept_and_the_stream_goes_on(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    novel = _event({"type": "conversation.reasoning.delta", "id": "r1", "text": "hmm"})
    app.script(PATH, frames=[STARTED, novel, _delta("ok"), DONE])
    events = [event async for event in _conversation(client)]
    assert isinstance(events[1], UnknownEvent)
    assert events[1].raw == {"type": "conversation.reasoning.delta", "id": "r1", "text": "hmm"}


async def test_an_error_object_sent_instead_of_an_event_raises(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(
        PATH, frames=[STARTED, frame({"object": "error", "message": "boom", "code": "3001"})]
    )
    with pytest.raises(StreamError, match="boom"):
        async for _ in _conversation(client):
            pass


async def test_a_stream_is_retried_before_its_first_event_only(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(PATH, frames=[CUT])
    app.script(PATH, frames=CONVERSATION, append=True)
    final = await _conversation(client).get_final_response()
    assert final.conversation_id == "conv_1"
    assert app.calls[PATH] == 2

    app.calls.clear()
    app.script(PATH, frames=[STARTED, CUT])
    app.script(PATH, frames=CONVERSATION, append=True)
    seen = []
    with pytest.raises(APIConnectionError):
        async for event in _conversation(client):
            seen.append(event)
    assert len(seen) == 1
    assert app.calls[PATH] == 1  # cut after an event: not sent again


async def test_break_and_cancellation_free_the_slot(app: ScriptedApp, scripted: Any) -> None:
    app.script(PATH, frames=CONVERSATION)
    async with AsyncMistral(api_key="sk-test", base_url=scripted[1], max_concurrency=1) as client:
        async for _ in _conversation(client):
            break
        with anyio.move_on_after(5):
            with anyio.CancelScope() as scope:
                async for _ in _conversation(client):
                    scope.cancel()
        with anyio.fail_after(5):  # the one slot is free again
            assert (await _conversation(client).get_final_response()).conversation_id == "conv_1"


async def test_events_past_the_reply_bound_are_still_iterated(
    app: ScriptedApp, scripted: Any
) -> None:
    app.script(PATH, frames=[STARTED, *[_delta("x" * 100) for _ in range(20)], DONE])
    async with AsyncMistral(
        api_key="sk-test", base_url=scripted[1], max_response_bytes=1000
    ) as client:
        stream = _conversation(client)
        assert len([e async for e in stream]) == 22
        with pytest.raises(ResponseTooLargeError):
            stream.current_response()


# -- transcription and speech ------------------------------------------------------------------

TRANSCRIPTION = [
    _event({"type": "transcription.language", "audio_language": "fr"}),
    _event({"type": "transcription.text.delta", "text": "Bonjour "}),
    _event({"type": "transcription.segment", "text": "Bonjour", "start": 0.0, "end": 1.0}),
    _event({"type": "transcription.text.delta", "text": "tout le monde"}),
    _event(
        {
            "type": "transcription.done",
            "model": "voxtral-mini-latest",
            "text": "Bonjour tout le monde",
            "language": "fr",
            "usage": {
                "prompt_audio_seconds": 2,
                "prompt_tokens": 4,
                "completion_tokens": 5,
                "total_tokens": 9,
            },
        }
    ),
]


async def test_a_transcription_stream(app: ScriptedApp, client: AsyncMistral) -> None:
    path = "/v1/audio/transcriptions"
    app.script(path, frames=TRANSCRIPTION)
    request = APIRequest("POST", path, data={"model": "voxtral-mini-latest", "stream": "true"})
    stream = TranscriptionStream(client, request, {}, model="voxtral-mini-latest")
    assert [t async for t in stream.text_deltas()] == ["Bonjour ", "tout le monde"]
    final = stream.current_transcription()
    assert (final.text, final.language, final.usage.total_tokens) == (
        "Bonjour tout le monde",
        "fr",
        9,
    )
    assert [s.text for s in final.segments] == ["Bonjour"]

    app.script(path, frames=TRANSCRIPTION[:3])  # no transcription.done: cut
    with pytest.raises(APIResponseValidationError, match="cut"):
        await TranscriptionStream(client, request, {}).get_final_transcription()
    app.script(path, frames=[TRANSCRIPTION[0], frame({"object": "error", "message": "bad audio"})])
    with pytest.raises(StreamError, match="bad audio"):
        await TranscriptionStream(client, request, {}).get_final_transcription()
    typed = {"object": "error", "type": "api_error", "message": "bad audio", "code": "3000"}
    app.script(path, frames=[TRANSCRIPTION[0], frame(typed)])
    with pytest.raises(StreamError, match="bad audio"):
        await TranscriptionStream(client, request, {}).get_final_transcription()


def _speech_frames(pieces: list[bytes]) -> list[str]:
    deltas = [
        _event({"type": "speech.audio.delta", "audio_data": base64.b64encode(p).decode()})
        for p in pieces
    ]
    usage = {"prompt_tokens": 3, "completion_tokens": 7, "total_tokens": 10}
    return [*deltas, _event({"type": "speech.audio.done", "usage": usage})]


async def test_a_speech_stream_decodes_audio_as_it_arrives(
    app: ScriptedApp, client: AsyncMistral, scripted: Any
) -> None:
    path = "/v1/audio/speech"
    pieces = [b"RIFF" + bytes(range(60)), bytes(200), b"\xff" * 33]
    app.script(path, frames=_speech_frames(pieces))
    request = APIRequest("POST", path, json={"model": "voxtral-tts", "input": "hi", "stream": True})
    stream = SpeechStream(client, request, {})
    assert [chunk async for chunk in stream.iter_audio()] == pieces
    assert stream.current_audio() == b"".join(pieces)
    assert stream.usage is not None
    assert stream.usage.total_tokens == 10
    assert await SpeechStream(client, request, {}).get_final_audio() == b"".join(pieces)

    # Past the reply bound the file is not kept, but every piece is still handed over.
    async with AsyncMistral(
        api_key="sk-test", base_url=scripted[1], max_response_bytes=100
    ) as small:
        big = SpeechStream(small, request, {})
        assert [chunk async for chunk in big.iter_audio()] == pieces
        assert big.usage is not None
        with pytest.raises(ResponseTooLargeError):
            big.current_audio()


# -- raw events --------------------------------------------------------------------------------


async def test_a_raw_stream_parses_json_data_and_ends_at_done_or_at_the_end(
    app: ScriptedApp, client: AsyncMistral
) -> None:
    app.script(
        "/v1/any",
        frames=[frame({"a": 1}, event="tick"), "id: 7\ndata: plain text\n\n", frame("[DONE]")],
    )
    events = [e async for e in client.request_stream("POST", "/v1/any", json={"x": 1})]
    assert events == [StreamEvent("tick", {"a": 1}), StreamEvent("message", "plain text", "7")]
    app.script("/v1/any", frames=[frame([1, 2])])  # no [DONE]: the end of the body ends it
    assert [e.data async for e in client.request_stream("GET", "/v1/any")] == [[1, 2]]
    app.script(
        "/v1/any", frames=[frame({"message": "fine"}), frame({"message": "no"}, event="error")]
    )
    stream = client.request_stream("GET", "/v1/any")
    assert isinstance(stream, RawEventStream)
    seen = []
    with pytest.raises(StreamError, match="no"):
        async for event in stream:
            seen.append(event.data)
    assert seen == [{"message": "fine"}]  # "message" alone is not an error in a raw stream


# -- the blocking views ------------------------------------------------------------------------


def test_the_sync_views(scripted: tuple[ScriptedApp, str]) -> None:
    app, url = scripted
    app.scripts.clear()
    app.calls.clear()
    app.script(PATH, frames=CONVERSATION)
    app.script("/v1/audio/speech", frames=_speech_frames([b"abc", b"def"]))
    with Mistral(api_key="sk-test", base_url=url) as client:
        core = client.async_client
        request = APIRequest("POST", PATH, json={"inputs": "hi", "stream": True})
        with SyncConversationEventStream(
            client, ConversationEventStream(core, request, {})
        ) as stream:
            assert list(stream.text_deltas()) == ["Hel", "lo!"]
            assert stream.current_response().conversation_id == "conv_1"
        again = SyncConversationEventStream(client, ConversationEventStream(core, request, {}))
        assert len(again.get_final_response().outputs) == 2
        speech = APIRequest("POST", "/v1/audio/speech", json={"input": "hi", "stream": True})
        audio = SyncSpeechStream(client, SpeechStream(core, speech, {}))
        assert list(audio.iter_audio()) == [b"abc", b"def"]
        assert audio.usage is not None
        raw = client.request_stream("POST", PATH, json={"inputs": "hi"})
        assert next(e.event for e in raw) == "conversation.response.started"
