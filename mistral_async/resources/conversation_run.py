"""Conversation runs: the model calls Python functions until it answers.

``client.beta.conversations.run(inputs=..., model=..., tools=[fn, ...])`` starts a conversation
(or appends to ``conversation_id``) with the functions described as tools (:mod:`..tools`:
schemas from signatures and docstrings); while the model's reply has ``function.call`` entries,
it runs them (concurrently, each under ``tool_timeout``; errors go back as results too), appends
their ``function.result`` entries, and reads the next reply; it stops at a reply without calls,
or after ``max_steps`` model calls. Each round is a :class:`ConversationStep`, passed to
``on_step``, yielded by ``run_steps(...)``, and by ``run_stream(...)`` after the events of its
reply. A call waiting for a confirmation (``confirmation_status: "pending"``) is not run: it
ends the run, to be answered with ``append(tool_confirmations=...)``.

With ``agent_id`` (or ``conversation_id``), the agent's (or the conversation's) own tools are
offered: the functions given run the calls that name them, and are not sent.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import Self

from .._core.checks import check_int, check_optional_seconds
from .._core.errors import ArgumentError
from ..tools import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOOL_TIMEOUT,
    FunctionTool,
    ToolResult,
    described_tools,
    run_tool_calls,
)
from ..types.chat import FunctionCall, ToolCall
from ..types.conversation_events import ConversationEvent, ConversationUsageInfo
from ..types.conversations import (
    ConversationResponse,
    FunctionCallEntry,
    FunctionResultEntry,
    OutputEntry,
)

if TYPE_CHECKING:
    from .conversations import AsyncConversations

StopReason = Literal["final_answer", "max_steps"]
_RUN_OPTIONS = ("max_steps", "tool_timeout", "on_step")


@dataclass(frozen=True)
class ConversationStep:
    """One round: the model's reply and the results of the function calls it made."""

    index: int
    response: ConversationResponse
    results: tuple[ToolResult, ...]

    @property
    def function_calls(self) -> list[FunctionCallEntry]:
        """The calls this step ran (not those waiting for a confirmation)."""
        return _runnable(self.response)

    @property
    def result_entries(self) -> list[FunctionResultEntry]:
        """The ``function.result`` entries sent back for the calls."""
        return [
            FunctionResultEntry(tool_call_id=r.call.id or "", result=r.content)
            for r in self.results
        ]

    @property
    def is_final(self) -> bool:
        """True when the reply asks for no function call the run can make."""
        return not self.function_calls


@dataclass(frozen=True)
class ConversationRun:
    """A finished run."""

    conversation_id: str
    steps: tuple[ConversationStep, ...]
    stop_reason: StopReason

    @property
    def response(self) -> ConversationResponse:
        """The last reply (the final answer when ``stop_reason == "final_answer"``)."""
        return self.steps[-1].response

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def outputs(self) -> list[OutputEntry | FunctionResultEntry]:
        """Every entry of the run after its inputs: each reply's outputs, then the results
        sent back for its calls."""
        entries: list[OutputEntry | FunctionResultEntry] = []
        for step in self.steps:
            entries.extend(step.response.outputs)
            entries.extend(step.result_entries)
        return entries

    @property
    def usage(self) -> ConversationUsageInfo:
        """The usage of every model call of the run, added up."""
        return add_usage([step.response.usage for step in self.steps])


def add_usage(usages: Sequence[ConversationUsageInfo]) -> ConversationUsageInfo:
    """Several usages as one: counts added, connector counts merged by name."""
    connectors: dict[str, int] = {}
    for usage in usages:
        for name, count in (usage.connectors or {}).items():
            connectors[name] = connectors.get(name, 0) + count
    connector_tokens = [u.connector_tokens for u in usages if u.connector_tokens is not None]
    return ConversationUsageInfo(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        total_tokens=sum(u.total_tokens for u in usages),
        connector_tokens=sum(connector_tokens) if connector_tokens else None,
        connectors=connectors or None,
    )


OnConversationStep = Callable[[ConversationStep], Any]
"""Called with each step as it ends; may be sync or async."""


def _runnable(response: ConversationResponse) -> list[FunctionCallEntry]:
    return [call for call in response.function_calls if call.confirmation_status is None]


class _Loop:
    """What :class:`ConversationSteps` and :class:`ConversationRunStream` share: the checked
    arguments, and the rounds (events too when streaming)."""

    def __init__(self, conversations: AsyncConversations, arguments: Mapping[str, Any]) -> None:
        params = dict(arguments)
        if "tools" not in params:
            raise ArgumentError("tools", "is required")
        given = list(params.pop("tools"))
        options = {k: params.pop(k) for k in _RUN_OPTIONS if k in params}
        self._max_steps = options.get("max_steps", DEFAULT_MAX_STEPS)
        check_int("max_steps", self._max_steps, 1)
        self._timeout = options.get("tool_timeout", DEFAULT_TOOL_TIMEOUT)
        check_optional_seconds("tool_timeout", self._timeout)
        self._on_step: OnConversationStep | None = options.get("on_step")
        if "inputs" not in params:
            raise ArgumentError("inputs", "is required")
        if params.get("store") is False:
            raise ArgumentError("store", "a run appends to its conversation: leave store on")
        functions = [t for t in given if callable(t) or isinstance(t, FunctionTool)]
        others = [t for t in given if not (callable(t) or isinstance(t, FunctionTool))]
        self.tools = described_tools(functions)
        self._conversation_id: str | None = params.pop("conversation_id", None)
        if self._conversation_id is None and params.get("agent_id") is None:
            params["tools"] = [tool.to_param() for tool in self.tools.values()] + others
        elif others:
            raise ArgumentError(
                "tools", "the agent's or conversation's own tools apply: give only functions"
            )
        self._conversations = conversations
        self._params = params
        self._iterator: AsyncGenerator[Any, None] | None = None
        self.result: ConversationRun | None = None

    def _iterate(self, events: bool) -> AsyncGenerator[Any, None]:
        if self._iterator is not None:
            raise RuntimeError("A conversation run can be iterated once.")
        self._iterator = self._rounds(events)
        return self._iterator

    async def aclose(self) -> None:
        if self._iterator is not None:
            await self._iterator.aclose()

    async def _send(self, params: dict[str, Any], events: bool) -> AsyncGenerator[Any, None]:
        """One model call: its events (when streaming), then its ``ConversationResponse``."""
        conversations = self._conversations
        conversation_id = self._conversation_id
        if not events:
            if conversation_id is None:
                yield await conversations.start(**params)
            else:
                yield await conversations.append(conversation_id, **params)
            return
        if conversation_id is None:
            stream = conversations.start_stream(**params)
        else:
            stream = conversations.append_stream(conversation_id, **params)
        async with stream:
            async for event in stream:
                yield event
            yield await stream.get_final_response()

    async def _rounds(self, events: bool) -> AsyncGenerator[Any, None]:
        params = self._params
        steps: list[ConversationStep] = []
        for index in range(self._max_steps):
            response: ConversationResponse | None = None
            # Closed at once when the run is left early: its stream is closed with it.
            async with aclosing(self._send(params, events)) as sent:
                async for item in sent:
                    if isinstance(item, ConversationResponse):
                        response = item
                    else:
                        yield item
            assert response is not None
            self._conversation_id = response.conversation_id
            calls = [
                ToolCall(
                    id=c.tool_call_id, function=FunctionCall(name=c.name, arguments=c.arguments)
                )
                for c in _runnable(response)
            ]
            results = await run_tool_calls(self.tools, calls, self._timeout)
            step = ConversationStep(index, response, results)
            steps.append(step)
            if self._on_step is not None:
                outcome = self._on_step(step)
                if inspect.isawaitable(outcome):
                    await outcome
            if step.is_final or index == self._max_steps - 1:
                reason: StopReason = "final_answer" if step.is_final else "max_steps"
                self.result = ConversationRun(response.conversation_id, tuple(steps), reason)
            yield step
            if self.result is not None:
                return
            # The next call appends the results; start-only arguments were used once.
            params = {
                k: v
                for k, v in self._params.items()
                if k in ("completion_args", "handoff_execution")
            }
            params["inputs"] = [
                entry.model_dump(mode="json", exclude_none=True) for entry in step.result_entries
            ]


class ConversationSteps(_Loop):
    """The steps of a run as an async iterator; ``result`` is set once it has ended.

    Created without I/O by ``conversations.run_steps(...)``; iterate it once, or ``await
    run()`` to go to the end.
    """

    def __aiter__(self) -> AsyncIterator[ConversationStep]:
        return self._iterate(events=False)

    async def run(self) -> ConversationRun:
        """Run to the end and return the result."""
        async for _ in self:
            pass
        assert self.result is not None
        return self.result


class ConversationRunStream(_Loop):
    """A streamed run: every event of every model call as it arrives, and each
    :class:`ConversationStep` once its calls have run; ``result`` once it has ended.

    ``async with`` it (or ``aclose()`` it) to close the stream when leaving early. Created
    without I/O by ``conversations.run_stream(...)``; iterate it once.
    """

    def __aiter__(self) -> AsyncIterator[ConversationEvent | ConversationStep]:
        return self._iterate(events=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def run(self) -> ConversationRun:
        """Read to the end and return the result."""
        async for _ in self:
            pass
        assert self.result is not None
        return self.result
