"""A thread's steps as rows to show: pure functions over listing rows and pending writes.

Step *i* of a lineage was written by a node; what that node wrote (its messages, a
summary, a verdict, an answer) is stored as the pending writes of step *i - 1*, so a page
of rows needs only the checkpoints of that page and the one before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.checkpoint.base import CheckpointTuple

from mirograph.branching import NOTE_NAME
from mirograph.checkpoints import StepInfo
from mirograph.fork_steps import fork_steps

PREVIEW_CHARS = 300
REPEAT_PREFIX = "Not run: you already called"
NOTE_LABELS = {NOTE_NAME: "fork note", "answer_now": "answer now", "verifier": "to the planner"}


@dataclass
class Call:
    name: str
    args: str
    number: int | None = None
    """The call's number in the run's budget (1-based), when the planner's task says it."""


@dataclass
class Result:
    name: str
    preview: str
    size: int
    error: bool
    repeat: bool


@dataclass
class Row:
    """One step of the timeline."""

    index: int
    checkpoint_id: str
    parent_checkpoint_id: str | None
    step: int | None
    node: str
    detail: str
    tool_calls_used: int
    created_at: str | None
    seconds: float | None
    thoughts: str = ""
    calls: list[Call] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    tokens_in: int | None = None
    tokens_out: int | None = None
    view_tokens: int | None = None
    summary: str | None = None
    summary_upto: int | None = None
    verified: bool | None = None
    feedback: str = ""
    candidate: str = ""
    """The answer the verifier judged."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """User messages the step added, labelled: a fork note, "answer now", feedback."""
    answer: str = ""
    other: list[str] = field(default_factory=list)


def node_of(step: StepInfo) -> str:
    """The node that wrote a step; the input and edits have no activity of their own."""
    if step.source == "input":
        return "input"
    if step.source == "fork":
        return "fork"
    if step.source == "update":
        return f"edit ({step.node})" if step.node else "edit"
    return step.node or ("start" if step.step == 0 else "")


def seconds_between(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    try:
        return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
    except ValueError:
        return None


def build_rows(
    lineage: Sequence[StepInfo], indices: Iterable[int], tuples: dict[str, CheckpointTuple]
) -> list[Row]:
    """Rows of these steps of `lineage`; `tuples` holds their parents (whose pending writes
    are what each step wrote)."""
    rows = []
    for index in indices:
        step = lineage[index]
        previous = lineage[index - 1] if index else None
        row = Row(
            index=index,
            checkpoint_id=step.checkpoint_id,
            parent_checkpoint_id=step.parent_checkpoint_id,
            step=step.step,
            node=node_of(step),
            detail=step.detail or "",
            tool_calls_used=step.tool_calls_used or 0,
            created_at=step.created_at,
            seconds=seconds_between(previous.created_at, step.created_at) if previous else None,
        )
        parent = tuples.get(step.parent_checkpoint_id or "")
        if parent is not None:
            fill(row, parent.pending_writes or [])
        rows.append(row)
    return rows


def fill(row: Row, writes: Sequence[tuple[str, str, Any]]) -> None:
    """Put what the step's node wrote into its row."""
    numbers: dict[str, int] = {}
    for _task, channel, value in writes:
        if channel == "__pregel_tasks":
            arg = getattr(value, "arg", None)
            if isinstance(arg, dict) and isinstance(arg.get("tool_call"), dict):
                numbers[str(arg["tool_call"].get("id"))] = int(arg.get("step") or 0)
    for _task, channel, value in writes:
        if channel == "messages":
            for message in value if isinstance(value, list) else [value]:
                add_message(row, message, numbers)
        elif channel == "view_tokens" and isinstance(value, int):
            row.view_tokens = value
        elif channel == "summary" and isinstance(value, str):
            row.summary = value
        elif channel == "summary_upto" and isinstance(value, int):
            row.summary_upto = value
        elif channel == "verified" and isinstance(value, bool):
            row.verified = value
        elif channel == "answer" and isinstance(value, str):
            row.answer = value
        elif channel == "answer_now" and isinstance(value, str):
            row.other.append(f"answer now: {value}")


def add_message(row: Row, message: BaseMessage, numbers: dict[str, int]) -> None:
    verdict = message.additional_kwargs.get("verdict")
    if isinstance(message, AIMessage) and isinstance(verdict, dict):
        # The verifier re-stores the candidate answer with its verdict attached.
        row.verified = bool(verdict.get("supported"))
        row.feedback = "\n".join(str(p) for p in verdict.get("problems") or [])
        row.candidate = text_of(message)
    elif isinstance(message, AIMessage):
        row.thoughts = text_of(message)
        for call in message.tool_calls:
            args = json.dumps(call["args"], ensure_ascii=False, sort_keys=True)
            row.calls.append(Call(call["name"], args, numbers.get(str(call["id"])) or None))
        for bad in message.invalid_tool_calls:
            row.calls.append(Call(bad.get("name") or "?", bad.get("args") or "", None))
        usage = message.usage_metadata
        if usage:
            row.tokens_in, row.tokens_out = usage["input_tokens"], usage["output_tokens"]
    elif isinstance(message, ToolMessage):
        text = text_of(message)
        row.results.append(
            Result(
                name=message.name or "",
                preview=preview(text),
                size=len(text),
                error=message.status == "error",
                repeat=text.startswith(REPEAT_PREFIX),
            )
        )
    elif message.type == "human":
        row.notes.append((NOTE_LABELS.get(message.name or "", "user"), text_of(message)))


def text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
    return "\n".join(p for p in parts if p)


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " …"


def tool_call_index(lineage: Sequence[StepInfo], calls: int) -> int | None:
    """Index of the step right after the `calls`-th tool result (what `fork --step` counts)."""
    for index, (_, n) in enumerate(fork_steps(lineage)):
        if n is not None and n >= calls:
            return index
    return None


def fold_indexes(lineage: Sequence[StepInfo]) -> list[int]:
    """Steps where the summarizer folded turns into the running summary."""
    return [
        i
        for i, s in enumerate(lineage)
        if s.node == "summarizer" and s.detail in ("summarized", "window full")
    ]


def tool_names(step: StepInfo) -> list[str]:
    """The tools a planner step called, or an executor step ran (listing column)."""
    if step.node not in ("planner", "executor") or not step.detail:
        return []
    return [name.strip() for name in step.detail.split(",") if name.strip()]
