"""The simulated conversation step on its own: pure, deterministic, no server."""

from __future__ import annotations

import pytest

from mistral_async.testing._models.conversation import Speaker, run_step
from mistral_async.testing._spec.error_bodies import ApiError

MODEL = "mistral-small-latest"
USER = {"type": "message.input", "role": "user", "content": "Please ask Bob about it"}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
}


def test_the_same_step_gives_the_same_outputs() -> None:
    speaker = Speaker(model=MODEL, tools=(TOOL,))
    first, again = run_step([], [USER], speaker), run_step([], [USER], speaker)
    assert first.outputs == again.outputs
    assert [o["type"] for o in first.outputs] == ["function.call"]
    other_seed = run_step([], [USER], speaker, seed=1)
    assert other_seed.outputs[0]["tool_call_id"] != first.outputs[0]["tool_call_id"]


def test_a_handoff_goes_to_the_first_mentioned_agent_and_only_once() -> None:
    bob = Speaker(model=MODEL, agent_id="ag_bob", name="Bob", handoffs=("ag_lead",))
    carol = Speaker(model=MODEL, agent_id="ag_carol", name="Carol")
    lead = Speaker(model=MODEL, agent_id="ag_lead", name="Lead", handoffs=("ag_carol", "ag_bob"))
    agents = {"ag_bob": bob, "ag_carol": carol, "ag_lead": lead}
    step = run_step([], [USER], lead, lookup=agents.get)
    assert [o["type"] for o in step.outputs] == ["agent.handoff", "message.output"]
    assert step.outputs[0]["next_agent_id"] == "ag_bob"
    assert step.speaker is bob  # Bob could hand back to Lead, but one handoff per step
    client = run_step([], [USER], lead, lookup=agents.get, handoff_execution="client")
    assert [o["type"] for o in client.outputs] == ["agent.handoff"]
    unmentioned = {**USER, "content": "Hello"}
    assert [o["type"] for o in run_step([], [unmentioned], lead, lookup=agents.get).outputs] == [
        "message.output"
    ]


def test_a_confirmation_must_name_a_pending_call() -> None:
    with pytest.raises(ApiError) as info:
        run_step(
            [USER],
            [],
            Speaker(model=MODEL),
            confirmations=[{"tool_call_id": "x", "confirmation": "allow"}],
        )
    assert info.value.status == 400
