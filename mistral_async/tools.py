"""Tool runs: Python functions as tools, and a loop that lets the model call them.

``function_tool(fn)`` describes a function (sync or async) as a tool: the JSON schema of its
arguments comes from the signature's type annotations (through pydantic), the descriptions from
its docstring (reST ``:param x:``, Google ``Args:`` or NumPy ``Parameters`` sections).

``client.chat.run_tools(model=..., messages=..., tools=[fn, ...])`` then loops: call the model;
if it asks for tools, run them (concurrently, each under ``tool_timeout``; a sync function runs
in a worker thread), send back each result, or the error, as a ``tool`` message; stop at the
first answer without tool calls, or after ``max_steps`` model calls. Each round is a
``ToolStep``, passed to ``on_step`` and yielded by ``client.chat.tool_steps(...)``.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import anyio.to_thread
from pydantic import BaseModel, Field, ValidationError, create_model
from pydantic.errors import PydanticUserError

from ._core.checks import check_int, check_optional_seconds
from ._core.errors import ArgumentError, ToolDefinitionError
from ._core.json_values import is_array, is_object
from ._sync.views import SyncToolSteps
from .types.chat import AssistantMessage, ChatCompletionResponse, ToolCall, ToolMessage, UsageInfo

if TYPE_CHECKING:
    from ._core.client import AsyncMistral

__all__ = [
    "FunctionTool",
    "SyncToolSteps",
    "ToolResult",
    "ToolRun",
    "ToolStep",
    "ToolSteps",
    "function_tool",
]

DEFAULT_MAX_STEPS = 10
DEFAULT_TOOL_TIMEOUT = 60.0

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PARAM_SECTIONS = frozenset({"args", "arguments", "parameters", "params"})
_REST_FIELD = re.compile(r"^:(\w+)(?:\s+([^:]*?))?:\s*(.*)$")
_GOOGLE_PARAM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_PARAM = re.compile(r"^(\w+)\s*(?::.*)?$")
_SECTION = re.compile(r"^([A-Za-z][A-Za-z ]*):$")
_UNDERLINE = re.compile(r"^-{3,}$")


# -- describing a function ------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionTool:
    """A Python function the model may call; build one with :func:`function_tool`."""

    name: str
    description: str
    parameters: dict[str, Any]
    """The JSON schema of the arguments, as sent in ``tools``."""
    function: Callable[..., Any]
    strict: bool = False
    _arguments: type[BaseModel] = field(repr=False, default=BaseModel)
    _positional: tuple[str, ...] = field(repr=False, default=())

    def to_param(self) -> dict[str, Any]:
        """This tool as an entry of the ``tools`` argument."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
                "strict": self.strict,
            },
        }

    async def invoke(self, arguments: str | Mapping[str, Any]) -> Any:
        """Validate the model's arguments (a JSON string or a mapping) and call the function.

        :raises ValueError: for arguments that are not JSON or do not fit the signature.
        """
        data = json.loads(arguments or "{}") if isinstance(arguments, str) else arguments
        try:
            validated = self._arguments.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            raise ValueError(f"invalid arguments for {self.name}: {problems}") from None
        values = {
            info.alias or key: getattr(validated, key)
            for key, info in type(validated).model_fields.items()
        }
        args = [values.pop(name) for name in self._positional if name in values]
        call = functools.partial(self.function, *args, **values)
        if _is_async(self.function):
            return await call()
        result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        return await result if inspect.isawaitable(result) else result


def function_tool(
    function: Callable[..., Any] | FunctionTool,
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
) -> FunctionTool:
    """Describe ``function`` as a tool (also usable as a bare ``@function_tool`` decorator).

    :param name: defaults to the function's ``__name__``; letters, digits, ``_`` and ``-``.
    :param description: defaults to the docstring's text before its parameter section.
    :param strict: ask the API to hold the model's arguments strictly to the schema.
    :raises ToolDefinitionError: for ``*args``/``**kwargs``, a parameter without a type
        annotation, an annotation with no JSON schema, or a name the API would refuse.
    """
    if isinstance(function, FunctionTool):
        return function
    if not callable(function):
        raise ToolDefinitionError("tools", f"a tool must be a function, got {function!r}")
    tool_name = name or getattr(function, "__name__", None)
    if not tool_name or not _NAME.match(tool_name):
        raise ToolDefinitionError(
            "tools",
            f"tool name {tool_name!r} is not 1-64 letters, digits, '_' or '-'"
            + ("" if name else "; pass name=..."),
        )
    try:
        signature = inspect.signature(function, eval_str=True)
    except (NameError, TypeError, ValueError) as exc:
        raise ToolDefinitionError(tool_name, f"cannot read the signature: {exc}") from None
    summary, documented = _parse_docstring(inspect.getdoc(function))
    fields: dict[str, Any] = {}
    positional: list[str] = []
    for index, param in enumerate(signature.parameters.values()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(
                tool_name, f"*{param.name} or **{param.name} cannot be described as a schema"
            )
        if param.annotation is param.empty:
            raise ToolDefinitionError(tool_name, f"parameter {param.name!r} has no type annotation")
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(param.name)
        info = Field(
            default=... if param.default is param.empty else param.default,
            alias=param.name,
            description=documented.get(param.name),
        )
        fields[f"p{index}"] = (Annotated[param.annotation, info], info)
    try:
        model = create_model(f"{tool_name}_arguments", **fields)
        schema = _without_titles(model.model_json_schema())
    except (PydanticUserError, TypeError, ValueError) as exc:
        raise ToolDefinitionError(tool_name, f"an argument has no JSON schema: {exc}") from None
    schema.setdefault("properties", {})
    return FunctionTool(
        name=tool_name,
        description=description if description is not None else summary,
        parameters=schema,
        function=function,
        strict=strict,
        _arguments=model,
        _positional=tuple(positional),
    )


def _is_async(function: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - callable objects with async __call__
    )


def _without_titles(schema: Any, *, in_properties: bool = False) -> Any:
    """Drop pydantic's generated ``title`` keywords (tokens the model does not need)."""
    if is_object(schema):
        return {
            key: _without_titles(value, in_properties=key in ("properties", "$defs"))
            for key, value in schema.items()
            if in_properties or key != "title"
        }
    if is_array(schema):
        return [_without_titles(item) for item in schema]
    return schema


def _parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary and the parameter descriptions of a reST, Google or NumPy docstring."""
    if not doc:
        return "", {}
    lines = doc.splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None  # None: still in the summary
    current: str | None = None
    base_indent = -1
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        index += 1
        rest = _REST_FIELD.match(stripped)
        if rest:
            section, base_indent = "rest", indent
            current = None
            if rest.group(1) == "param" and rest.group(2):
                name: str = rest.group(2).split()[-1]
                params[name] = rest.group(3).strip()
                current = name
            continue
        header = _SECTION.match(stripped) if indent == 0 else None
        numpy = indent == 0 and bool(stripped) and bool(_UNDERLINE.match(following))
        if header or numpy:
            title = (header.group(1) if header else stripped).strip().lower()
            section = "other" if title not in _PARAM_SECTIONS else "numpy" if numpy else "google"
            current, base_indent = None, -1
            index += 1 if numpy else 0  # skip the underline
            continue
        if section is None:
            summary.append(stripped)
        elif stripped and section in ("google", "numpy", "rest"):
            if base_indent < 0:
                base_indent = indent
            pattern = _GOOGLE_PARAM if section == "google" else _NUMPY_PARAM
            match = pattern.match(stripped) if section != "rest" else None
            if match and indent == base_indent:
                name = match.group(1)
                params[name] = match.group(2).strip() if section == "google" else ""
                current = name
            elif current is not None and indent > base_indent:
                params[current] = f"{params[current]} {stripped}".strip()
    return "\n".join(summary).strip(), params


# -- running tools ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolResult:
    """One tool call and its outcome: the function's return value, or the error sent back."""

    call: ToolCall
    content: str
    """What was sent back to the model in the ``tool`` message."""
    output: Any = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.call.function.name

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> ToolMessage:
        return ToolMessage(content=self.content, tool_call_id=self.call.id, name=self.name)


@dataclass(frozen=True)
class ToolStep:
    """One round: the model's completion and the results of the tools it asked for."""

    index: int
    completion: ChatCompletionResponse
    results: tuple[ToolResult, ...]

    @property
    def message(self) -> AssistantMessage:
        return self.completion.choices[0].message

    @property
    def is_final(self) -> bool:
        """True when the model answered without asking for tools."""
        return not self.message.tool_calls


@dataclass(frozen=True)
class ToolRun:
    """A finished tool run."""

    steps: tuple[ToolStep, ...]
    messages: list[Any]
    """The whole conversation: the messages given, then every assistant and tool message."""
    stop_reason: Literal["final_answer", "max_steps"]

    @property
    def completion(self) -> ChatCompletionResponse:
        """The last completion (the final answer when ``stop_reason == "final_answer"``)."""
        return self.steps[-1].completion

    @property
    def text(self) -> str:
        return self.completion.text

    @property
    def usage(self) -> UsageInfo:
        """Tokens of all the model calls of the run, added up."""
        prompt = sum(s.completion.usage.prompt_tokens for s in self.steps)
        output = sum(s.completion.usage.completion_tokens for s in self.steps)
        return UsageInfo(
            prompt_tokens=prompt, completion_tokens=output, total_tokens=prompt + output
        )


OnStep = Callable[[ToolStep], Any]
"""Called with each step as it ends; may be sync or async."""


class ToolSteps:
    """The steps of a tool run as an async iterator; ``result`` is set once it has ended.

    Created without I/O by ``client.chat.tool_steps(...)``; iterate it once, or ``await
    run()`` to go to the end.
    """

    def __init__(
        self,
        client: AsyncMistral,
        params: Mapping[str, Any],
        tools: Sequence[Callable[..., Any] | FunctionTool],
        *,
        max_steps: int = DEFAULT_MAX_STEPS,
        tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
        on_step: OnStep | None = None,
    ) -> None:
        check_int("max_steps", max_steps, 1)
        check_optional_seconds("tool_timeout", tool_timeout)
        if "messages" not in params:
            raise ArgumentError("messages", "is required")
        if params.get("n") not in (None, 1):
            raise ArgumentError("n", "a tool run follows one choice; leave n unset")
        self.tools = described_tools(tools)
        self._client = client
        self._params = dict(params)
        self._max_steps = max_steps
        self._timeout = tool_timeout
        self._on_step = on_step
        self._iterator: AsyncGenerator[ToolStep, None] | None = None
        self.result: ToolRun | None = None

    @classmethod
    def from_arguments(cls, client: AsyncMistral, arguments: Mapping[str, Any]) -> ToolSteps:
        """A run from one set of keyword arguments: the chat parameters, plus ``tools``,
        ``max_steps``, ``tool_timeout`` and ``on_step``."""
        params = dict(arguments)
        if "tools" not in params:
            raise ArgumentError("tools", "is required")
        tools = params.pop("tools")
        run = {k: params.pop(k) for k in ("max_steps", "tool_timeout", "on_step") if k in params}
        return cls(client, params, tools, **run)

    def __aiter__(self) -> AsyncIterator[ToolStep]:
        if self._iterator is not None:
            raise RuntimeError("A tool run can be iterated once.")
        self._iterator = self._steps()
        return self._iterator

    async def aclose(self) -> None:
        if self._iterator is not None:
            await self._iterator.aclose()

    async def run(self) -> ToolRun:
        """Run to the end and return the result."""
        async for _ in self:
            pass
        assert self.result is not None
        return self.result

    async def _steps(self) -> AsyncGenerator[ToolStep, None]:
        messages: list[Any] = list(self._params.pop("messages"))
        schemas = [tool.to_param() for tool in self.tools.values()]
        steps: list[ToolStep] = []
        for index in range(self._max_steps):
            completion = await self._client.chat.complete(
                **self._params, messages=messages, tools=schemas
            )
            if not completion.choices:
                raise ValueError("the model's reply has no choices")
            message = completion.choices[0].message
            messages.append(message)
            results = await run_tool_calls(self.tools, message.tool_calls or [], self._timeout)
            messages.extend(result.message for result in results)
            step = ToolStep(index, completion, results)
            steps.append(step)
            if self._on_step is not None:
                outcome = self._on_step(step)
                if inspect.isawaitable(outcome):
                    await outcome
            if step.is_final:
                self.result = ToolRun(tuple(steps), messages, "final_answer")
            elif index == self._max_steps - 1:
                self.result = ToolRun(tuple(steps), messages, "max_steps")
            yield step
            if step.is_final:
                return


def described_tools(tools: Sequence[Callable[..., Any] | FunctionTool]) -> dict[str, FunctionTool]:
    """``tools`` described (:func:`function_tool`), by name.

    :raises ArgumentError: no tool given.
    :raises ToolDefinitionError: a tool that cannot be described, or two with one name.
    """
    described = [function_tool(t) for t in tools]
    if not described:
        raise ArgumentError("tools", "give at least one tool")
    by_name: dict[str, FunctionTool] = {}
    for tool in described:
        if tool.name in by_name:
            raise ToolDefinitionError("tools", f"two tools are named {tool.name!r}")
        by_name[tool.name] = tool
    return by_name


async def run_tool_calls(
    tools: Mapping[str, FunctionTool], calls: Sequence[ToolCall], tool_timeout: float | None
) -> tuple[ToolResult, ...]:
    """Run the model's tool calls concurrently, each within ``tool_timeout`` seconds; the results
    in the order of the calls. A failure (unknown tool, bad arguments, an exception, the
    timeout) is a result too, whose content tells the model what went wrong."""
    results: list[ToolResult | None] = [None] * len(calls)

    async def run_one(position: int, call: ToolCall) -> None:
        results[position] = await _call(tools, call, tool_timeout)

    async with anyio.create_task_group() as group:
        for position, call in enumerate(calls):
            group.start_soon(run_one, position, call)
    return tuple(r for r in results if r is not None)


async def _call(
    tools: Mapping[str, FunctionTool], call: ToolCall, tool_timeout: float | None
) -> ToolResult:
    started = time.perf_counter()
    tool = tools.get(call.function.name)
    if tool is None:
        known = ", ".join(tools)
        return _failed(call, f"unknown tool {call.function.name!r}; the tools are {known}")
    output: Any = None  # stays None when the tool timed out
    try:
        with anyio.move_on_after(tool_timeout) as scope:
            output = await tool.invoke(call.function.arguments)
    except Exception as exc:  # the model sees the error and may try again
        return _failed(call, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
    elapsed = time.perf_counter() - started
    if scope.cancelled_caught:
        return _failed(call, f"the tool timed out after {tool_timeout} s", elapsed)
    return ToolResult(call, _content(output), output=output, seconds=elapsed)


def _failed(call: ToolCall, error: str, seconds: float = 0.0) -> ToolResult:
    return ToolResult(call, json.dumps({"error": error}), error=error, seconds=seconds)


def _content(output: Any) -> str:
    """A tool's return value as message text: strings as they are, anything else as JSON."""
    if isinstance(output, str):
        return output
    if isinstance(output, BaseModel):
        return output.model_dump_json()
    try:
        return json.dumps(output, default=_jsonable, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(output)


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    return str(value)
