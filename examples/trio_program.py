"""A trio program: several calls at once in a nursery, one of them cancelled by a timeout.

Run it (``pip install trio``)::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/trio_program.py

``AsyncMistral`` runs on trio as it does on asyncio (through anyio): no adapter, no thread.
Cancellation is trio's own: ``trio.move_on_after`` stops the long answer, and the SDK closes
its response and frees its concurrency slot on the way out.
"""

from __future__ import annotations

import trio

from mistral_async import AsyncMistral

MODEL = "mistral-small-latest"
QUESTIONS = (
    "What is the capital of Italy?",
    "Name a river in Germany.",
    "What colour is a ripe lemon?",
)
LONG_ANSWER_TIMEOUT = 2.0
"""Seconds the long answer may take; a long essay streams for much longer than this."""


async def ask(client: AsyncMistral, question: str) -> None:
    completion = await client.chat.complete(
        model=MODEL, messages=[{"role": "user", "content": question}], max_tokens=60
    )
    print(f"answered: {question} -> {completion.text}")


async def long_answer(client: AsyncMistral) -> None:
    """Stream a long essay, giving up after ``LONG_ANSWER_TIMEOUT`` seconds."""
    received: list[str] = []
    with trio.move_on_after(LONG_ANSWER_TIMEOUT) as scope:
        async with client.chat.stream(
            model=MODEL,
            messages=[
                {"role": "user", "content": "Write a 3000-word essay on the history of Rome."}
            ],
            max_tokens=4000,
        ) as stream:
            async for text in stream.text_deltas():
                received.append(text)
    # Only this task is cancelled: its siblings in the nursery go on.
    characters = len("".join(received))
    if scope.cancelled_caught:
        print(f"cancelled: long answer stopped after {LONG_ANSWER_TIMEOUT} s, {characters} chars")
    else:
        print(f"long answer finished in time: {characters} chars")


async def main() -> None:
    # One client for all the tasks; at most 4 requests in flight at once.
    async with AsyncMistral(max_concurrency=4) as client:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(long_answer, client)
            for question in QUESTIONS:
                nursery.start_soon(ask, client, question)
        # The nursery has waited for every task: the cancelled stream is closed by now.
        print("all tasks done")


if __name__ == "__main__":
    trio.run(main)
