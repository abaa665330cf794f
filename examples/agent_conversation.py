"""An agent conversation kept by the API: the model calls Python functions, then you go on.

Run it::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/agent_conversation.py

``client.beta.conversations.run`` is ``chat.run_tools`` (see ``tool_run.py``) for the
Conversations API: the conversation lives on the server under an id, so a later turn sends
only its new input, not the whole history. The functions' results go back as
``function.result`` entries until the model answers in text.
"""

from __future__ import annotations

from typing import Literal

import anyio

from mistral_async import AsyncMistral, ConversationStep

MODEL = "mistral-small-latest"
_RATES = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "JPY": 162.0}  # a stand-in for a rates service


def convert_currency(
    amount: float, source: Literal["EUR", "USD", "GBP", "JPY"], target: str = "EUR"
) -> dict[str, object]:
    """Convert an amount of money between currencies at today's rate.

    :param amount: the amount, in the source currency
    :param source: the currency of the amount
    :param target: the currency to convert to (an ISO code)
    """
    rate = _RATES.get(target.upper(), 1.0) / _RATES[source]
    return {"amount": round(amount * rate, 2), "currency": target.upper(), "rate": rate}


def show_step(step: ConversationStep) -> None:
    for result in step.results:
        function = result.call.function
        print(f"step {step.index}: {function.name}({function.arguments}) -> {result.content}")


async def main() -> None:
    async with AsyncMistral() as client:
        conversations = client.beta.conversations
        run = await conversations.run(
            model=MODEL,
            instructions="You are a travel assistant. Use the tools for any figure.",
            inputs="How much is 250 USD in EUR?",
            tools=[convert_currency],
            max_steps=5,
            on_step=show_step,
        )
        print(f"answer: {run.text}")
        print(
            f"conversation {run.conversation_id}: {run.stop_reason}, {len(run.steps)} model calls"
        )

        # The next turn names the conversation: the server has the history and the tool
        # descriptions; the functions are given again to run the calls the model makes.
        follow_up = await conversations.run(
            conversation_id=run.conversation_id,
            inputs="And 80 GBP?",
            tools=[convert_currency],
            on_step=show_step,
        )
        print(f"follow-up: {follow_up.text}")
        history = await conversations.get_history(run.conversation_id)
        print(f"history: {len(history.entries)} entries")


if __name__ == "__main__":
    anyio.run(main)
