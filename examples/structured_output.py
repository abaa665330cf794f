"""Structured output: answers parsed into pydantic models, whole and streamed.

Run it::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/structured_output.py

``client.chat.parse(response_format=Model)`` sends the model's JSON schema as a strict
``json_schema`` response format and validates the answer into an instance of it; a cut,
filtered or invalid answer raises a ``StructuredOutputError`` that keeps the raw text.
"""

from __future__ import annotations

import anyio
from pydantic import BaseModel, Field

from mistral_async import AsyncMistral, StructuredOutputError

MODEL = "mistral-small-latest"


class Landmark(BaseModel):
    name: str
    city: str
    year_built: int = Field(description="the year its construction ended")


class Itinerary(BaseModel):
    city: str
    days: int
    landmarks: list[Landmark]


async def main() -> None:
    async with AsyncMistral() as client:
        result = await client.chat.parse(
            model=MODEL,
            messages=[{"role": "user", "content": "A famous landmark in Paris, as JSON."}],
            response_format=Landmark,
            temperature=0,
        )
        landmark = result.parsed  # a validated Landmark; `result` is the whole completion
        print(f"parsed: {landmark!r}")
        print(f"{landmark.name} in {landmark.city}, built {landmark.year_built}")

        # Streamed: the JSON text arrives piece by piece, the parsed value at the end.
        try:
            async with client.chat.stream_parse(
                model=MODEL,
                messages=[{"role": "user", "content": "A two-day itinerary for Rome, as JSON."}],
                response_format=Itinerary,
            ) as stream:
                async for text in stream.text_deltas():
                    print(text, end="", flush=True)
                itinerary = (await stream.get_final_completion()).parsed
            print()
            print(
                f"itinerary: {itinerary.days} days in {itinerary.city}, "
                f"{len(itinerary.landmarks)} landmarks"
            )
        except StructuredOutputError as error:
            # e.g. max_tokens cut the JSON short: the text received is still there.
            print(f"could not parse the answer ({type(error).__name__}): {error.raw_text!r}")


if __name__ == "__main__":
    anyio.run(main)  # or asyncio.run(main()), trio.run(main)
