"""Pure functions over the message list: calls, their numbers and results, the answer.

Models and nodes both read the transcript the same way through this module, so the
planner's budget, the MiroThinker model's repeat rule, `mirograph history` and the run's
sources agree on what a call is, which number it has and which result answers it:

- every call of an AI turn has an id, unparsable calls included (they get results too);
- calls are numbered 1.. in transcript order, unparsable ones after the parsed ones of
  their turn, as the planner charges them to the budget;
- a repeat is a call with the same tool and normalized arguments as an earlier call that
  ran and succeeded;
- a result belongs to the nearest earlier call with its id.

Nothing here imports from the rest of mirograph except `text`; nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

__all__ = [
    "MISSING",
    "call_ids",
    "call_key",
    "call_steps",
    "candidate_answer",
    "last_ai",
    "paired",
    "planned_calls",
    "previous_calls",
    "tool_results",
]

MISSING = "No result: this tool call did not run."
"""The stand-in result of a call that has none (yet) where a provider needs one."""


def invalid_call_id(n: int) -> str:
    """The id an unparsable call without one has had in transcripts stored so far."""
    return f"invalid_{n}"


def call_ids(message: AIMessage) -> list[str]:
    """Ids of every call an AI message made, unparsable ones included (they get answers too)."""
    ids = [call["id"] or "" for call in message.tool_calls]
    ids += [c.get("id") or invalid_call_id(n) for n, c in enumerate(message.invalid_tool_calls)]
    return ids


def planned_calls(message: AIMessage) -> list[dict[str, Any]]:
    """Every call of a turn in budget order: parsed calls, then those the provider could
    not parse (bad JSON) with their `error`; both need a result."""
    invalid = [
        {
            "name": c.get("name") or "",
            "args": {},
            "id": c.get("id") or invalid_call_id(n),
            "type": "tool_call",
            "error": c.get("error") or "arguments are not valid JSON",
        }
        for n, c in enumerate(message.invalid_tool_calls)
    ]
    return [*message.tool_calls, *invalid]


def call_steps(messages: Sequence[AnyMessage]) -> dict[str, int]:
    """Tool call id -> 1-based call number, counting calls in transcript order.

    Unparsable calls count too (the planner charges them to the budget), after the
    parsed calls of their turn, as the planner orders them.
    """
    steps: dict[str, int] = {}
    for message in messages:
        if not isinstance(message, AIMessage):
            continue
        for call_id in call_ids(message):
            steps.setdefault(call_id, len(steps) + 1)
    return steps


def call_key(name: str, args: Any) -> str:
    """A call's identity for repeat detection: tool name and normalized arguments."""
    if isinstance(args, dict):
        args = {k: v.strip().lower() if isinstance(v, str) else v for k, v in args.items()}
    return f"{name}:{json.dumps(args, sort_keys=True, default=str)}"


def previous_calls(messages: Sequence[AnyMessage]) -> dict[str, int]:
    """Earlier calls that ran and succeeded, by key, with their call number (as in sources
    and history): only these count as repeats."""
    ok = {m.tool_call_id for m in messages if isinstance(m, ToolMessage) and m.status != "error"}
    steps = call_steps(messages)
    seen: dict[str, int] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call["id"] in ok:
                    seen.setdefault(call_key(call["name"], call["args"]), steps[call["id"]])
    return seen


def tool_results(messages: Sequence[AnyMessage]) -> Iterator[tuple[int, ToolMessage]]:
    """Successful tool results with their call number, in transcript order."""
    steps = call_steps(messages)
    for message in messages:
        if isinstance(message, ToolMessage) and message.status != "error":
            yield steps.get(message.tool_call_id, 0), message


def paired(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Every tool call directly followed by exactly one result, as every provider requires.

    Results are moved up to their call (parallel results may land after other messages),
    a call with no result yet gets a `MISSING` stand-in, and a result whose call is not in
    `messages` (cut off by a boundary) is left out.
    """
    # A result belongs to the nearest earlier call with its id: some servers (and scripted
    # models after a summary) reuse ids such as "call_0" across turns.
    waiting: dict[str, list[int]] = {}
    results: dict[int, dict[str, ToolMessage]] = {}
    for i, message in enumerate(messages):
        if isinstance(message, AIMessage):
            for call_id in call_ids(message):
                waiting.setdefault(call_id, []).append(i)
        elif isinstance(message, ToolMessage) and waiting.get(message.tool_call_id):
            owner = waiting[message.tool_call_id].pop()
            results.setdefault(owner, {}).setdefault(message.tool_call_id, message)
    out: list[AnyMessage] = []
    for i, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            continue
        out.append(message)
        if isinstance(message, AIMessage):
            answered = results.get(i, {})
            for call_id in call_ids(message):
                out.append(answered.get(call_id) or _missing(call_id, message))
    return out


def _missing(call_id: str, message: AIMessage) -> ToolMessage:
    names = {c["id"]: c["name"] for c in message.tool_calls}
    return ToolMessage(
        content=MISSING, tool_call_id=call_id, name=names.get(call_id), status="error"
    )


def last_ai(messages: Sequence[AnyMessage]) -> AIMessage | None:
    """The last AI message of the transcript, if any."""
    return next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)


def candidate_answer(messages: Sequence[AnyMessage]) -> str:
    """The text of the last AI message: the planner's reply without tool calls."""
    message = last_ai(messages)
    return str(message.text) if message is not None else ""
