"""A tool-running conversation: the model calls Python functions until it can answer.

Run it::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/tool_run.py

``client.chat.run_tools`` describes each function to the model from its signature and
docstring, runs the calls the model asks for (the calls of one step at once), sends back the
results, and repeats until the model answers in text or ``max_steps`` is reached.
"""

from __future__ import annotations

from typing import Literal

import anyio

from mistral_async import AsyncMistral, ToolStep

MODEL = "mistral-small-latest"

# A stand-in for a real data source.
_WEATHER = {"paris": (21, "sunny"), "london": (15, "rain"), "rome": (26, "clear")}


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, object]:
    """The current weather in a city.

    :param city: the city's name, e.g. "Paris"
    :param unit: the temperature unit
    """
    # A plain function runs in a worker thread, so blocking I/O here is fine.
    celsius, sky = _WEATHER.get(city.lower(), (18, "cloudy"))
    temperature = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)
    return {"city": city, "temperature": temperature, "unit": unit, "sky": sky}


async def find_events(city: str) -> list[str]:
    """Events happening today in a city.

    :param city: the city's name
    """
    # An async function runs on the event loop: await your HTTP client or database here.
    return [f"Open-air concert in {city}", f"Night market in {city}"]


def show_step(step: ToolStep) -> None:
    """Called as each step ends: which tools the model asked for, and what they returned."""
    for result in step.results:
        call = result.call.function
        outcome = result.error or result.content
        print(f"step {step.index}: {call.name}({call.arguments}) -> {outcome}")


async def main() -> None:
    async with AsyncMistral() as client:
        run = await client.chat.run_tools(
            model=MODEL,
            messages=[
                {"role": "system", "content": "Use the tools; answer in two sentences."},
                {
                    "role": "user",
                    "content": "I am in Paris today: what is the weather and what is on?",
                },
            ],
            tools=[get_weather, find_events],
            max_steps=5,  # model calls at most: a guard against a model that never stops
            tool_timeout=10,  # seconds per tool call; a timeout goes back as an error
            on_step=show_step,
        )
        print(f"answer: {run.text}")
        print(
            f"stop reason: {run.stop_reason}, {len(run.steps)} model calls, "
            f"{run.usage.total_tokens} tokens"
        )
        # run.messages is the whole conversation, ready to continue with another user turn.


if __name__ == "__main__":
    anyio.run(main)
