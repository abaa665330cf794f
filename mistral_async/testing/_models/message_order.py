"""The live API's role-order rules for chat ``messages``, refused with its own 400 bodies.

Mistral's serving stack checks the conversation before it reaches the model (see
``shared/reference/live-api-observations.md``): after the optional system message(s), a ``tool``
message must answer an ``assistant`` message's ``tool_calls``, a ``user`` message may not follow
a ``tool`` message directly, and the last message must be ``user`` or ``tool`` (or ``assistant``
with ``prefix: true``). Integrations hit these more than any other error, so the local server
refuses exactly what the live API refuses, with the same ``type``, ``code`` and message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._spec.error_bodies import ApiError

ORDER_ERROR_TYPE = "invalid_request_message_order"
ORDER_ERROR_CODE = "3230"
LAST_ROLE_MESSAGE = (
    "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant"
)


def check_message_order(messages: Sequence[Mapping[str, Any]]) -> None:
    """Refuse ``messages`` as the live API does; return quietly if it would serve them.

    :raises ApiError: 400 ``invalid_request_message_order`` (code ``"3230"``) for a role
        that may not follow the previous one, or for a tool result that answers no earlier
        tool call; 400 ``invalid_request_error`` for a last ``assistant`` message without
        ``prefix: true``.
    """
    previous: str | None = None
    call_ids: set[str] = set()
    for message in messages:
        role = message.get("role")
        if role == "system":
            continue  # system messages never break the order: they are not turns
        if previous is not None and _unexpected(previous, role):
            raise _order_error(f"Unexpected role '{role}' after role '{previous}'")
        if role == "assistant":
            call_ids.update(_call_ids(message))
        elif role == "tool":
            if previous is None:
                raise _order_error("Unexpected role 'tool' after role 'system'")
            answered = message.get("tool_call_id")
            if isinstance(answered, str) and answered not in call_ids:
                raise _order_error(
                    f"Tool message with tool_call_id '{answered}' answers no previous tool call"
                )
        previous = str(role)
    last = next((m for m in reversed(messages) if m.get("role") != "system"), None)
    if last is not None and last.get("role") == "assistant" and last.get("prefix") is not True:
        raise ApiError(400, LAST_ROLE_MESSAGE, error_type="invalid_request_error")


def _unexpected(previous: str, role: Any) -> bool:
    # The two pairs the live API is quoted refusing; a tool result also needs a call to answer.
    return (previous, role) in {("tool", "user"), ("user", "tool")} or (
        role == "tool" and previous not in {"assistant", "tool"}
    )


def _call_ids(message: Mapping[str, Any]) -> list[str]:
    calls = message.get("tool_calls") or []
    return [call["id"] for call in calls if isinstance(call, Mapping) and "id" in call]


def _order_error(message: str) -> ApiError:
    return ApiError(400, message, error_type=ORDER_ERROR_TYPE, code=ORDER_ERROR_CODE)
