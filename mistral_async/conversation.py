"""Conversations: a message history that sends turns, keeps to a budget, and serialises.

A ``Conversation`` holds the state only (model, system prompt, messages, default arguments,
budgets); the client is passed to each turn, so one client serves any number of conversations
at once and a conversation can be saved as JSON and resumed on another client or process.
``await conv.send(async_client, "Hi")`` and ``conv.send(sync_client, "Hi")`` are the same turn.

A turn is committed only when it succeeds: the user message and the reply are appended
together, so a failed or abandoned turn leaves the history as it was. Turns of one conversation
run one at a time (a second waits for the first); turns of different conversations run
concurrently.

Budgets: ``message_budget`` caps the non-system messages, ``token_budget`` the estimated tokens
of everything sent. When over, whole turns (a user message and the replies and tool messages
after it) are dropped from the oldest; system messages are never dropped, and the newest turn
is always kept even when it alone is over the budget.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import (
    AsyncGenerator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, overload

import anyio
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from typing_extensions import Self, Unpack

from ._core.checks import check_optional_int, check_optional_seconds, check_seconds, check_text
from ._core.errors import ArgumentError
from ._core.options import RequestOptions
from ._core.streaming import ChatCompletionStream
from ._core.tokens import estimate_tokens
from ._core.validate import error_location
from ._sync.client import Mistral
from ._sync.dual import async_client_of, on_client
from ._sync.views import SyncChatCompletionStream
from .resources.chat import chat_request
from .types.chat import (
    ChatCompletionResponse,
    ChatGenerationParams,
    CompletionChunk,
    Message,
    MessageParam,
    ResponseFormat,
    SystemMessage,
    Tool,
    UserMessage,
    content_text,
)

if TYPE_CHECKING:
    from ._core.client import AsyncMistral

__all__ = ["Conversation", "ConversationStore", "ConversationStream", "estimate_tokens"]

_FORMAT = 1
_MESSAGES: TypeAdapter[list[Message]] = TypeAdapter(list[Message])
MESSAGE_OVERHEAD = 4
"""Tokens added per message by the estimate, for the chat template's role markers."""


class ConversationTurnArgs(ChatGenerationParams, RequestOptions, total=False):
    """Arguments of one turn, over the conversation's own ``params``."""

    response_format: ResponseFormat | Mapping[str, Any] | None
    tools: Sequence[Tool | Mapping[str, Any]] | None


class Conversation:
    """A chat history that sends turns and keeps to a budget.

    :param model: the model every turn uses.
    :param system: the system prompt, sent first on every turn and never trimmed.
    :param messages: a history to start from (dicts or message models).
    :param params: default arguments of every turn (``temperature``, ``tools``...).
    :param message_budget: the most non-system messages kept (at least 1).
    :param token_budget: the most estimated tokens sent per turn (at least 1).
    :param token_counter: counts the tokens of a text; :func:`estimate_tokens` by default.
    :param id: defaults to a random hex id.
    :param metadata: anything JSON-serialisable to keep with the conversation.
    """

    def __init__(
        self,
        *,
        model: str,
        system: str | None = None,
        messages: Iterable[MessageParam] = (),
        params: Mapping[str, Any] | None = None,
        message_budget: int | None = None,
        token_budget: int | None = None,
        token_counter: Callable[[str], int] = estimate_tokens,
        id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        check_text("model", model)
        self.model = model
        self.system = system
        self.messages: list[Message] = _validate_messages(list(messages))
        self.params: dict[str, Any] = dict(params or {})
        self.message_budget: int | None = check_optional_int("message_budget", message_budget, 1)
        self.token_budget: int | None = check_optional_int("token_budget", token_budget, 1)
        self.token_counter = token_counter
        self.id: str = id or uuid.uuid4().hex
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.created_at: float = time.time()
        self.updated_at: float = self.created_at
        self._turn = anyio.Semaphore(1)  # one turn at a time; any task may release it

    def __repr__(self) -> str:
        return (
            f"Conversation(id={self.id!r}, model={self.model!r}, "
            f"messages={len(self.messages)}, tokens~{self.estimated_tokens()})"
        )

    # -- turns -------------------------------------------------------------------------------

    @overload
    def send(
        self,
        client: AsyncMistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationTurnArgs],
    ) -> Coroutine[Any, Any, ChatCompletionResponse]: ...
    @overload
    def send(
        self,
        client: Mistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationTurnArgs],
    ) -> ChatCompletionResponse: ...
    def send(
        self,
        client: AsyncMistral | Mistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationTurnArgs],
    ) -> Any:
        """Send a turn and return the completion; the user message and the reply are added.

        ``content`` is the user's text (or a message); ``None`` sends the history as it is
        (after adding tool results with :meth:`add`). ``kwargs`` override ``params``.
        """
        return on_client(client, self._send, content, kwargs)

    async def _send(
        self, client: AsyncMistral, content: str | MessageParam | None, kwargs: Mapping[str, Any]
    ) -> ChatCompletionResponse:
        new = self._new_messages(content)
        async with self._turn:
            request, options = self._request(new, kwargs, stream=False)
            completion = await client._request(request, ChatCompletionResponse, options)
            self._commit(new, completion)
        return completion

    @overload
    def stream(
        self,
        client: AsyncMistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationStreamArgs],
    ) -> ConversationStream: ...
    @overload
    def stream(
        self,
        client: Mistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationStreamArgs],
    ) -> SyncChatCompletionStream: ...
    def stream(
        self,
        client: AsyncMistral | Mistral,
        content: str | MessageParam | None = None,
        **kwargs: Unpack[ConversationStreamArgs],
    ) -> ConversationStream | SyncChatCompletionStream:
        """Stream a turn; the messages are added once the stream has been read to its end."""
        params: dict[str, Any] = dict(kwargs)
        idle_timeout = check_optional_seconds("idle_timeout", params.pop("idle_timeout", None))
        stream = ConversationStream(
            self, async_client_of(client), self._new_messages(content), params, idle_timeout
        )
        if isinstance(client, Mistral):
            return SyncChatCompletionStream(client, stream)
        return stream

    # -- history -----------------------------------------------------------------------------

    def add(self, *messages: MessageParam) -> None:
        """Append messages (tool results, an injected assistant message...) to the history."""
        self.messages.extend(_validate_messages(list(messages)))
        self.updated_at = time.time()
        self.trim()

    def clear(self) -> None:
        """Forget the history; the system prompt stays."""
        self.messages.clear()
        self.updated_at = time.time()

    def trim(self) -> int:
        """Apply the budgets to the history now; return how many messages were dropped."""
        kept = self._window(self.messages)
        dropped = len(self.messages) - len(kept)
        self.messages = kept
        return dropped

    def request_messages(self, *new: MessageParam) -> list[Message]:
        """What a turn would send: the system prompt, then the history (within the budgets)
        with ``new`` messages at its end."""
        window = self._window([*self.messages, *_validate_messages(list(new))])
        return ([SystemMessage(content=self.system)] if self.system else []) + window

    def estimated_tokens(self, messages: Iterable[Message] | None = None) -> int:
        """The estimated tokens of ``messages`` (default: what the next turn would send)."""
        chosen = self.request_messages() if messages is None else messages
        return sum(self._tokens(m) for m in chosen)

    def _new_messages(self, content: str | MessageParam | None) -> list[Message]:
        if content is None:
            return []
        if isinstance(content, str):
            return [UserMessage(content=content)]
        return _validate_messages([content])

    def _request(
        self, new: list[Message], kwargs: Mapping[str, Any], *, stream: bool
    ) -> tuple[Any, RequestOptions]:
        messages = self.request_messages(*new)
        if not messages:
            raise ArgumentError("content", "the conversation is empty: give the first message")
        params = {**self.params, **kwargs, "model": self.model, "messages": messages}
        return chat_request(params, stream=stream)

    def _commit(self, new: list[Message], completion: ChatCompletionResponse) -> None:
        if not completion.choices:
            raise ArgumentError("n", "the reply has no choices to add to the conversation")
        self.messages.extend([*new, completion.choices[0].message])
        self.updated_at = time.time()
        self.trim()

    def _tokens(self, message: Message) -> int:
        text = content_text(message.content)
        for call in getattr(message, "tool_calls", None) or ():
            arguments = call.function.arguments
            text += call.function.name + (
                arguments if isinstance(arguments, str) else json.dumps(arguments)
            )
        return self.token_counter(text) + MESSAGE_OVERHEAD

    def _window(self, messages: list[Message]) -> list[Message]:
        """``messages`` without their oldest turns, until within the budgets."""
        if self.message_budget is None and self.token_budget is None:
            return list(messages)
        pinned = [m for m in messages if m.role == "system"]
        turns = list(_turns(m for m in messages if m.role != "system"))
        fixed = sum(self._tokens(m) for m in pinned)
        if self.system:
            fixed += self._tokens(SystemMessage(content=self.system))
        counts = [len(turn) for turn in turns]
        tokens = [sum(self._tokens(m) for m in turn) for turn in turns]
        while len(turns) > 1 and (
            (self.message_budget is not None and sum(counts) > self.message_budget)
            or (self.token_budget is not None and fixed + sum(tokens) > self.token_budget)
        ):
            del turns[0], counts[0], tokens[0]
        return pinned + [m for turn in turns for m in turn]

    # -- serialisation -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The conversation as JSON-ready data (the token counter is not included)."""
        return {
            "format": _FORMAT,
            "id": self.id,
            "model": self.model,
            "system": self.system,
            "messages": [m.model_dump(mode="json", exclude_none=True) for m in self.messages],
            "params": to_jsonable_python(self.params),
            "message_budget": self.message_budget,
            "token_budget": self.token_budget,
            "metadata": to_jsonable_python(self.metadata),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, token_counter: Callable[[str], int] = estimate_tokens
    ) -> Self:
        """Rebuild a conversation saved with :meth:`to_dict`."""
        if not isinstance(data, Mapping) or data.get("format") != _FORMAT:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ArgumentError("data", f"not a saved conversation (format {_FORMAT})")
        conversation = cls(
            model=data["model"],
            system=data.get("system"),
            messages=data.get("messages") or (),
            params=data.get("params"),
            message_budget=data.get("message_budget"),
            token_budget=data.get("token_budget"),
            token_counter=token_counter,
            id=data.get("id"),
            metadata=data.get("metadata"),
        )
        conversation.created_at = float(data.get("created_at", conversation.created_at))
        conversation.updated_at = float(data.get("updated_at", conversation.updated_at))
        return conversation

    @classmethod
    def from_json(
        cls, text: str | bytes, *, token_counter: Callable[[str], int] = estimate_tokens
    ) -> Self:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ArgumentError("text", f"not JSON: {exc}") from None
        return cls.from_dict(data, token_counter=token_counter)


class ConversationStreamArgs(ConversationTurnArgs, total=False):
    idle_timeout: float | None


class ConversationStream(ChatCompletionStream):
    """A streamed turn: a chat stream that adds the turn to its conversation at ``[DONE]``.

    The turn waits for the conversation's previous turn when it starts (on ``async with`` or
    the first iteration) and builds its request then, from the history as it is by then.
    """

    def __init__(
        self,
        conversation: Conversation,
        client: AsyncMistral,
        new: list[Message],
        params: Mapping[str, Any],
        idle_timeout: float | None,
    ) -> None:
        request, options = conversation._request(new, params, stream=True)  # validate now
        super().__init__(client, request, options, idle_timeout=idle_timeout)
        self.conversation = conversation
        self._new = new
        self._params = params
        self._holds_turn = False

    async def _start(self) -> None:
        if self._started:
            return
        try:
            await self.conversation._turn.acquire()
            self._holds_turn = True
            self._request, self._options = self.conversation._request(
                self._new, self._params, stream=True
            )
            await super()._start()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        try:
            await super().aclose()
        finally:
            if self._holds_turn:
                self._holds_turn = False
                self.conversation._turn.release()

    async def _chunks(self) -> AsyncGenerator[CompletionChunk, None]:
        async with aclosing(super()._chunks()) as chunks:
            async for chunk in chunks:
                yield chunk
        self.conversation._commit(self._new, self.current_completion())


def _turns(messages: Iterable[Message]) -> Iterator[list[Message]]:
    """Group messages into turns: each user message starts a new one."""
    turn: list[Message] = []
    for message in messages:
        if message.role == "user" and turn:
            yield turn
            turn = []
        turn.append(message)
    if turn:
        yield turn


def _validate_messages(messages: list[Any]) -> list[Message]:
    try:
        return _MESSAGES.validate_python(messages)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = error_location(("messages", *first["loc"]))
        raise ArgumentError(where, first["msg"]) from None


class ConversationStore:
    """Conversations by id, in memory, with an age-based cleanup.

    :param max_age: seconds since its last turn after which a conversation is dropped by
        :meth:`cleanup` (and no longer returned by :meth:`get`); ``None``: kept until removed.
    """

    def __init__(self, *, max_age: float | None = None) -> None:
        check_optional_seconds("max_age", max_age)
        self.max_age = max_age
        self._conversations: dict[str, Conversation] = {}

    def __len__(self) -> int:
        return len(self._conversations)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._conversations

    def __iter__(self) -> Iterator[Conversation]:
        return iter(list(self._conversations.values()))

    def create(self, **kwargs: Any) -> Conversation:
        """A new conversation (``Conversation(**kwargs)``), added to the store."""
        return self.add(Conversation(**kwargs))

    def add(self, conversation: Conversation) -> Conversation:
        self._conversations[conversation.id] = conversation
        return conversation

    def get(self, conversation_id: str, *, now: float | None = None) -> Conversation | None:
        """The conversation, or ``None`` if unknown or older than ``max_age``."""
        conversation = self._conversations.get(conversation_id)
        if conversation is not None and self._expired(conversation, self.max_age, now):
            del self._conversations[conversation_id]
            return None
        return conversation

    def remove(self, conversation_id: str) -> Conversation | None:
        return self._conversations.pop(conversation_id, None)

    def cleanup(self, max_age: float | None = None, *, now: float | None = None) -> int:
        """Drop the conversations idle for more than ``max_age`` seconds (default: the
        store's); return how many were dropped."""
        age = self.max_age if max_age is None else max_age
        if age is None:
            return 0
        check_seconds("max_age", age, allow_zero=True)
        old = [c.id for c in self._conversations.values() if self._expired(c, age, now)]
        for conversation_id in old:
            del self._conversations[conversation_id]
        return len(old)

    @staticmethod
    def _expired(conversation: Conversation, max_age: float | None, now: float | None) -> bool:
        if max_age is None:
            return False
        return (time.time() if now is None else now) - conversation.updated_at > max_age

    def to_json(self) -> str:
        """Every conversation, for saving; load with :meth:`from_json`."""
        return json.dumps([c.to_dict() for c in self._conversations.values()], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, *, max_age: float | None = None) -> ConversationStore:
        store = cls(max_age=max_age)
        for data in json.loads(text):
            store.add(Conversation.from_dict(data))
        return store
