"""Human review: pause a run with `interrupt()` and apply the reviewer's decision.

`review="tools"` pauses every executor task (one tool call each) before it runs, with
`{"kind": "tool_call", "tool_call": {...}, "step": N}`. Resume with

- `"approve"` or `{"action": "approve"}`: run the call as proposed;
- `{"action": "edit", "args": {...}}`: run the call with these arguments; its result
  answers the original call id and says the reviewer edited the arguments;
- `{"action": "reject", "reason": "..."}`: do not run it; the model is told why.

`review="answer"` pauses the verifier before it checks a candidate answer, with
`{"kind": "answer", "answer": "..."}`. Resume with `"approve"` (verification goes on as
usual) or `{"action": "feedback", "text": "..."}` (a reviewer message, back to the planner).

A node that is resumed re-runs from its start, so the interrupt comes first, before any
work. A decision that cannot be understood is not an error of the run: the same call is
proposed again, with `"error"` saying what was wrong (a second `interrupt()` in the node).
Several pending interrupts (parallel tool calls) are answered with one
`Command(resume={interrupt_id: decision, ...})`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import AnyMessage, HumanMessage, ToolCall, ToolMessage
from langgraph.types import interrupt

from mirograph.transcript import candidate_answer

ToolAction = Literal["approve", "edit", "reject"]
AnswerAction = Literal["approve", "feedback"]

TOOL_DECISION_SCHEMA: dict[str, Any] = {
    "title": "Tool call review",
    "description": '"approve", or an object with action approve | edit (args) | reject (reason).',
    "anyOf": [
        {"type": "string", "enum": ["approve"]},
        {
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["approve", "edit", "reject"]},
                "args": {"type": "object", "description": "New arguments (edit)."},
                "reason": {"type": "string", "description": "Why it is rejected (reject)."},
            },
            "required": ["action"],
        },
    ],
}
ANSWER_DECISION_SCHEMA: dict[str, Any] = {
    "title": "Answer review",
    "description": '"approve", or {"action": "feedback", "text": "..."} to research on.',
    "anyOf": [
        {"type": "string", "enum": ["approve"]},
        {
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["approve", "feedback"]},
                "text": {"type": "string", "description": "What the agent should do next."},
            },
            "required": ["action"],
        },
    ],
}

EDITED_NOTE = "[A human reviewer changed the arguments of this call to {args}.]\n\n"
REJECTED = "Not run: a human reviewer rejected this call. Reason: {reason}"


@dataclass(frozen=True)
class ToolDecision:
    """What the reviewer decided about one proposed tool call."""

    action: ToolAction
    args: dict[str, Any] | None = None
    reason: str = ""


@dataclass(frozen=True)
class AnswerDecision:
    """What the reviewer decided about a candidate answer."""

    action: AnswerAction
    text: str = ""


def parse_tool_decision(value: Any) -> ToolDecision:
    """Read a resume value for a tool call; ValueError says what is wrong with it."""
    action, data = _action(value, ("approve", "edit", "reject"))
    if action == "edit":
        args = data.get("args")
        if not isinstance(args, dict):
            raise ValueError('"edit" needs "args": an object of the new arguments')
        return ToolDecision("edit", args=args)
    if action == "reject":
        reason = data.get("reason") or "no reason given"
        return ToolDecision("reject", reason=str(reason))
    return ToolDecision("approve")


def parse_answer_decision(value: Any) -> AnswerDecision:
    """Read a resume value for an answer; ValueError says what is wrong with it."""
    action, data = _action(value, ("approve", "feedback"))
    if action == "feedback":
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError('"feedback" needs "text": what the agent should do next')
        return AnswerDecision("feedback", text=text.strip())
    return AnswerDecision("approve")


def _action(value: Any, allowed: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    data = {"action": value} if isinstance(value, str) else value
    if not isinstance(data, dict) or data.get("action") not in allowed:
        raise ValueError(
            f'expected {" | ".join(allowed)} (a string or {{"action": ...}}), got {value!r}'
        )
    return data["action"], data


def review_tool_call(call: ToolCall, step: int) -> ToolDecision:
    """Pause until a reviewer decides about `call`; ask again while the answer is unusable."""
    payload: dict[str, Any] = {"kind": "tool_call", "tool_call": dict(call), "step": step}
    while True:
        value = interrupt(payload, response_schema=TOOL_DECISION_SCHEMA)
        try:
            return parse_tool_decision(value)
        except ValueError as exc:
            payload = {**payload, "error": str(exc)}


def review_answer(answer: str) -> AnswerDecision:
    """Pause until a reviewer approves the candidate answer or sends feedback."""
    payload: dict[str, Any] = {"kind": "answer", "answer": answer}
    while True:
        value = interrupt(payload, response_schema=ANSWER_DECISION_SCHEMA)
        try:
            return parse_answer_decision(value)
        except ValueError as exc:
            payload = {**payload, "error": str(exc)}


def rejected_message(call: ToolCall, reason: str) -> ToolMessage:
    """The result of a rejected call: an error the model reads, not a failure of the run."""
    return ToolMessage(
        content=REJECTED.format(reason=reason),
        tool_call_id=call["id"],
        name=call["name"],
        status="error",
        response_metadata={"review": {"action": "reject", "reason": reason}},
    )


def mark_edited(message: ToolMessage, args: dict[str, Any]) -> ToolMessage:
    """Say in the result that the reviewer changed the arguments the model proposed."""
    note = EDITED_NOTE.format(args=json.dumps(args, ensure_ascii=False, sort_keys=True))
    content = note + message.content if isinstance(message.content, str) else message.content
    metadata = {**message.response_metadata, "review": {"action": "edit", "args": args}}
    return message.model_copy(update={"content": content, "response_metadata": metadata})


def answer_review(messages: list[AnyMessage]) -> dict[str, Any] | None:
    """Review the candidate answer (the last AI message): None to go on verifying it, or
    the update that sends the reviewer's feedback back to the planner."""
    decision = review_answer(candidate_answer(messages))
    if decision.action == "approve":
        return None
    return {
        "messages": [HumanMessage(content=decision.text, name="reviewer")],
        "status": "researching",
        "activity": {"node": "verifier", "detail": "reviewer feedback"},
    }
