"""Tool runs: schemas from signatures and docstrings, the run loop, and its edge cases."""

from __future__ import annotations
import __future__

import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import anyio
import anyio.from_thread
import anyio.lowlevel
import pytest
from pydantic import BaseModel

from mistral_async import (
    ArgumentError,
    AsyncMistral,
    FunctionTool,
    Mistral,
    ToolDefinitionError,
    ToolRun,
    ToolStep,
    function_tool,
)
from mistral_async.testing import LocalServer
from mistral_async.tools import ToolResult, ToolSteps, run_tool_calls
from mistral_async.types.chat import FunctionCall, ToolCall

MODEL = "mistral-small-latest"


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Get the current weather in a city.

    :param city: the city's name, e.g. Paris
    :param unit: the temperature unit
    :returns: the weather
    """
    return {"city": city, "temperature": 21, "unit": unit}


@pytest.fixture
async def client(server: LocalServer) -> AsyncIterator[AsyncMistral]:
    async with AsyncMistral(api_key="test", base_url=server.url) as client:
        yield client


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# -- describing functions ----------------------------------------------------------------------


def test_schema_comes_from_the_signature_and_rest_docstring() -> None:
    tool = function_tool(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Get the current weather in a city."
    params = tool.parameters
    assert params["type"] == "object"
    assert params["required"] == ["city"]
    assert params["properties"]["city"] == {
        "type": "string",
        "description": "the city's name, e.g. Paris",
    }
    unit = params["properties"]["unit"]
    assert unit["enum"] == ["celsius", "fahrenheit"]
    assert unit["default"] == "celsius"
    assert unit["description"] == "the temperature unit"
    assert "title" not in params
    assert tool.to_param() == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather in a city.",
            "parameters": params,
            "strict": False,
        },
    }


def google_style(query: str, limit: int = 10, exact: bool = False) -> list[str]:
    """Search the catalogue.

    Longer explanation that is part of the description.

    Args:
        query (str): words to look for,
            over two lines.
        limit: how many results at most.
        exact: match whole words only.

    Returns:
        list: the matches.
    """
    return []


def numpy_style(query: str, limit: int = 10) -> list[str]:
    """Search the catalogue.

    Parameters
    ----------
    query : str
        Words to look for.
    limit : int, optional
        How many results
        at most.

    Returns
    -------
    list
    """
    return []


@pytest.mark.parametrize("function", [google_style, numpy_style])
def test_google_and_numpy_docstrings(function: Callable[..., Any]) -> None:
    tool = function_tool(function)
    assert tool.description.startswith("Search the catalogue.")
    assert "Returns" not in tool.description
    properties = tool.parameters["properties"]
    assert properties["query"]["description"].lower().startswith("words to look for")
    assert "at most" in properties["limit"]["description"]
    assert properties["limit"]["type"] == "integer"
    assert tool.parameters["required"] == ["query"]


def test_google_continuation_lines_are_joined() -> None:
    description = function_tool(google_style).parameters["properties"]["query"]["description"]
    assert description == "words to look for, over two lines."


def test_name_description_and_strict_can_be_given() -> None:
    def shout(text: str) -> str:
        """Say it louder."""
        return text.upper()

    tool = function_tool(shout, name="echo", description="Echo it.", strict=True)
    assert (tool.name, tool.description, tool.strict) == ("echo", "Echo it.", True)
    assert tool.to_param()["function"]["strict"] is True
    assert function_tool(shout).description == "Say it louder."


class Opaque:
    pass


def has_args(*items: str) -> None: ...
def has_kwargs(**options: str) -> None: ...
def not_annotated(city) -> None: ...  # type: ignore[no-untyped-def]
def opaque(thing: Opaque) -> None: ...
def callback(fn: Callable[[int], int]) -> None: ...


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (has_args, "*items"),
        (has_kwargs, "**options"),
        (not_annotated, "no type annotation"),
        (opaque, "no JSON schema"),
        (callback, "no JSON schema"),
        (lambda city: city, "'<lambda>'"),
        (42, "must be a function"),
    ],
)
def test_functions_that_cannot_be_described_are_refused(function: Any, words: str) -> None:
    with pytest.raises(ToolDefinitionError) as info:
        function_tool(function)
    assert words in str(info.value)
    assert isinstance(info.value, ArgumentError)


def test_unresolvable_annotations_are_refused() -> None:
    for flags in (0, __future__.annotations.compiler_flag):  # a name; a name in a string
        namespace: dict[str, Any] = {}
        code = compile("def late(x: 'NoSuchType') -> None: ...", "<test>", "exec", flags, True)
        exec(code, namespace)
        with pytest.raises(ToolDefinitionError, match="NoSuchType"):
            function_tool(namespace["late"])


class Address(BaseModel):
    street: str
    city: str


@pytest.mark.anyio
async def test_invoke_validates_arguments_and_calls_sync_and_async_functions() -> None:
    threads: list[int] = []

    def ship(item: str, quantity: int, address: Address, /, express: bool = False) -> str:
        threads.append(threading.get_ident())
        assert isinstance(address, Address)
        return f"{quantity} {item} to {address.city}{' fast' if express else ''}"

    async def lookup(sku: str) -> dict[str, str]:
        await anyio.lowlevel.checkpoint()
        return {"sku": sku}

    tool = function_tool(ship)
    address = {"street": "1 rue de Rivoli", "city": "Paris"}
    arguments = json.dumps({"item": "book", "quantity": "2", "address": address})
    assert await tool.invoke(arguments) == "2 book to Paris"
    assert threads
    assert threads[0] != threading.get_ident()
    assert await function_tool(lookup).invoke({"sku": "A1"}) == {"sku": "A1"}
    with pytest.raises(ValueError, match="quantity"):
        await tool.invoke({"item": "book", "quantity": "many", "address": address})
    with pytest.raises(ValueError, match="Expecting property name"):
        await tool.invoke("{not json")


def test_a_function_tool_is_accepted_as_is() -> None:
    tool = function_tool(get_weather, name="weather")
    assert function_tool(tool) is tool


# -- the run loop, in memory -------------------------------------------------------------------


def steps_for(*tools: Any, **options: Any) -> ToolSteps:
    client = AsyncMistral(api_key="test", base_url="http://unused")
    return ToolSteps(client, {"model": MODEL, "messages": ask("hi")}, tools, **options)


def call(name: str, arguments: str) -> ToolCall:
    return ToolCall(id="abc123def", function=FunctionCall(name=name, arguments=arguments))


async def run_one(
    steps: ToolSteps, tool_call: ToolCall, tool_timeout: float | None = 60
) -> ToolResult:
    (result,) = await run_tool_calls(steps.tools, [tool_call], tool_timeout)
    return result


@pytest.mark.anyio
async def test_tool_errors_become_messages_for_the_model() -> None:
    def broken(x: int) -> int:
        raise RuntimeError("disk full")

    steps = steps_for(broken)
    failed = await run_one(steps, call("broken", '{"x": 1}'))
    assert failed.error == "RuntimeError: disk full"
    assert json.loads(failed.content) == {"error": "RuntimeError: disk full"}
    assert failed.message.role == "tool"
    assert failed.message.tool_call_id == "abc123def"
    assert failed.message.name == "broken"
    unknown = await run_one(steps, call("nope", "{}"))
    assert "unknown tool 'nope'" in (unknown.error or "")
    invalid = await run_one(steps, call("broken", '{"x": "one"}'))
    assert "invalid arguments for broken" in (invalid.error or "")


@pytest.mark.anyio
async def test_a_slow_tool_times_out() -> None:
    async def slow() -> str:
        await anyio.sleep(10)
        return "never"

    steps = steps_for(slow)
    with anyio.fail_after(5):
        result = await run_one(steps, call("slow", "{}"), 0.05)
    assert result.error == "the tool timed out after 0.05 s"
    assert not result.ok


@pytest.mark.anyio
async def test_requested_tools_run_concurrently() -> None:
    first, second = anyio.Event(), anyio.Event()

    async def ping() -> str:
        first.set()
        await second.wait()  # only returns if pong runs at the same time
        return "ping"

    def pong() -> str:
        anyio.from_thread.run_sync(second.set)
        anyio.from_thread.run(first.wait)
        return "pong"

    steps = steps_for(ping, pong)
    with anyio.fail_after(5):
        results = await run_tool_calls(steps.tools, [call("ping", "{}"), call("pong", "{}")], 60)
    assert [r.output for r in results] == ["ping", "pong"]


def test_run_arguments_are_checked() -> None:
    with pytest.raises(ArgumentError, match="max_steps"):
        steps_for(get_weather, max_steps=0)
    with pytest.raises(ArgumentError, match="max_steps"):
        steps_for(get_weather, max_steps=-3)
    with pytest.raises(ArgumentError, match="tool_timeout"):
        steps_for(get_weather, tool_timeout=-1)
    with pytest.raises(ArgumentError, match="tools"):
        steps_for()
    with pytest.raises(ToolDefinitionError, match="two tools"):
        steps_for(get_weather, function_tool(google_style, name="get_weather"))
    client = AsyncMistral(api_key="test", base_url="http://unused")
    with pytest.raises(ArgumentError, match="'n'"):
        ToolSteps(client, {"model": MODEL, "messages": [], "n": 2}, [get_weather])


# -- the run loop against the local server -----------------------------------------------------


@pytest.mark.anyio
async def test_run_tools_calls_the_tool_and_returns_the_final_answer(
    client: AsyncMistral, server: LocalServer
) -> None:
    seen: list[ToolStep] = []
    run = await client.chat.run_tools(
        model=MODEL,
        messages=ask("What's the weather in Paris?"),
        tools=[get_weather],
        on_step=seen.append,
        temperature=0,
    )
    assert isinstance(run, ToolRun)
    assert run.stop_reason == "final_answer"
    assert [s.index for s in run.steps] == [0, 1]
    assert seen == list(run.steps)
    first = run.steps[0]
    assert not first.is_final
    assert first.results[0].name == "get_weather"
    assert first.results[0].output == {"city": "Paris", "temperature": 21, "unit": "celsius"}
    assert run.steps[1].is_final
    assert "21" in run.text
    assert [m.role if hasattr(m, "role") else m["role"] for m in run.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert run.usage.total_tokens == sum(s.completion.usage.total_tokens for s in run.steps)
    sent = server.exchanges[0].request_json()
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert sent["temperature"] == 0


@pytest.mark.anyio
async def test_several_tools_in_one_step_and_async_callbacks(client: AsyncMistral) -> None:
    async def get_time(city: str) -> str:
        """The local time in a city."""
        return "12:00"

    names: list[list[str]] = []

    async def on_step(step: ToolStep) -> None:
        await anyio.lowlevel.checkpoint()
        names.append(sorted(r.name for r in step.results))

    run = await client.chat.run_tools(
        model=MODEL,
        messages=ask("Use get_weather and get_time for Rome"),
        tools=[get_weather, get_time],
        on_step=on_step,
    )
    assert names == [["get_time", "get_weather"], []]
    assert "12:00" in run.text
    assert "21" in run.text


@pytest.mark.anyio
async def test_tool_errors_reach_the_model_and_the_run_goes_on(client: AsyncMistral) -> None:
    def get_stock(item: str) -> int:
        """Units in stock of an item."""
        raise LookupError(f"no item {item}")

    run = await client.chat.run_tools(
        model=MODEL, messages=ask("How many Widgets in stock?"), tools=[get_stock]
    )
    assert run.stop_reason == "final_answer"
    assert run.steps[0].results[0].error == "LookupError: no item Widgets"
    assert "no item Widgets" in run.text


@pytest.mark.anyio
async def test_the_step_limit_stops_the_run(client: AsyncMistral) -> None:
    run = await client.chat.run_tools(
        model=MODEL,
        messages=ask("weather in Oslo"),
        tools=[get_weather],
        max_steps=1,
    )
    assert run.stop_reason == "max_steps"
    assert len(run.steps) == 1
    assert not run.steps[-1].is_final
    assert run.messages[-1].role == "tool"  # the last requested tools were run


@pytest.mark.anyio
async def test_tool_steps_iterates_and_can_stop_early(
    client: AsyncMistral, server: LocalServer
) -> None:
    steps = client.chat.tool_steps(
        model=MODEL, messages=ask("weather in Lima"), tools=[get_weather]
    )
    assert server.exchanges.snapshot() == []  # nothing is sent before iterating
    collected = [step async for step in steps]
    assert [s.is_final for s in collected] == [False, True]
    assert steps.result is not None
    assert steps.result.steps == tuple(collected)
    with pytest.raises(RuntimeError, match="once"):
        steps.__aiter__()

    early = client.chat.tool_steps(
        model=MODEL, messages=ask("weather in Lima"), tools=[get_weather]
    )
    async for _ in early:
        break
    await early.aclose()
    assert early.result is None


def test_the_blocking_client_runs_tools(server: LocalServer) -> None:
    def get_population(city: str) -> int:
        """How many people live in a city."""
        return 2_100_000

    with Mistral(api_key="test", base_url=server.url) as client:
        run = client.chat.run_tools(
            model=MODEL, messages=ask("Population of Paris?"), tools=[get_population]
        )
        assert "2100000" in run.text
        steps = client.chat.tool_steps(
            model=MODEL, messages=ask("Population of Paris?"), tools=[get_population]
        )
        assert [step.index for step in steps] == [0, 1]
        assert steps.result is not None
        assert steps.result.stop_reason == "final_answer"


def test_function_tool_object_is_a_frozen_description() -> None:
    tool = function_tool(get_weather)
    assert isinstance(tool, FunctionTool)
    with pytest.raises(AttributeError):
        tool.name = "other"  # type: ignore[misc]
