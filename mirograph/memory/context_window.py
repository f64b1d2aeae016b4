"""The context view: what the planner model sees of an unbounded transcript.

Follows MiroThinker's recency-based retention: only the K most recent tool results are
shown in full, older ones become a one-line stub, while every thought and tool call is
kept. Tool results were already truncated at ingestion. The view is a pure function of
(state, settings): it never mutates the stored, lossless transcript.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from functools import lru_cache

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from mirograph.context import ResearchContext
from mirograph.memory.tokens import TokenCounter, estimate_tokens
from mirograph.prompts import load_prompt
from mirograph.state import ResearchState

OMITTED = "Tool result is omitted to save tokens."
TRUNCATED = "[Result truncated]"
MISSING = "No result: this tool call did not run."
SUMMARY_HEADER = "Summary of the research so far (older turns were folded into it):"

__all__ = [
    "MISSING",
    "OMITTED",
    "SUMMARY_HEADER",
    "TRUNCATED",
    "TokenCounter",
    "call_ids",
    "context_view",
    "estimate_tokens",
    "format_instructions",
    "paired",
    "stub_old_results",
    "summary_start",
    "system_prompt",
    "task_message",
    "truncate_result",
]


def truncate_result(text: str, limit: int) -> tuple[str, int]:
    """Cut a tool result to `limit` characters with a visible marker; return (text, length)."""
    if limit < 0 or len(text) <= limit:
        return text, len(text)
    return f"{text[:limit]}\n{TRUNCATED} (showing {limit} of {len(text)} characters)", len(text)


def format_instructions(settings: ResearchContext) -> str:
    """The answer-format paragraph shared by the planner and "answer now" prompts."""
    return load_prompt(f"format_{settings.answer_format}")


def system_prompt(settings: ResearchContext, today: _dt.date | None = None) -> str:
    """The planner's system prompt: the user's override, or the packaged default."""
    template = settings.system_prompt or load_prompt("planner")
    # Plain replacement, not str.format: a user's prompt may hold JSON examples with braces.
    return template.replace("{date}", (today or _dt.date.today()).isoformat()).replace(
        "{format_instructions}", format_instructions(settings)
    )


def task_message(state: ResearchState) -> HumanMessage:
    """The task as the first user message of the transcript."""
    return HumanMessage(content=state["question"])


def summary_start(messages: Sequence[AnyMessage], summary_upto: int) -> int:
    """Index of the first message after the summary, never inside a tool round.

    A boundary on a tool result (an edited fork, an older summarizer) moves back to the AI
    message that made the call, so a call and its results are shown or folded together.
    """
    start = max(1, summary_upto)
    while 1 < start < len(messages) and isinstance(messages[start], ToolMessage):
        start -= 1
    return start


def context_view(
    state: ResearchState, settings: ResearchContext, *, today: _dt.date | None = None
) -> list[BaseMessage]:
    """System prompt, task, running summary, then the recent transcript with old results stubbed."""
    messages: list[AnyMessage] = list(state.get("messages", []))
    task: list[BaseMessage] = messages[:1] if messages else [task_message(state)]
    view: list[BaseMessage] = [SystemMessage(content=system_prompt(settings, today)), *task]
    summary = state.get("summary", "")
    if summary:
        view.append(HumanMessage(content=f"{SUMMARY_HEADER}\n\n{summary}"))
    start = summary_start(messages, state.get("summary_upto", 0))
    view.extend(stub_old_results(paired(messages[start:]), settings.keep_tool_results))
    return view


def call_ids(message: AIMessage) -> list[str]:
    """Ids of every call an AI message made, unparsable ones included (they get answers too)."""
    ids = [call["id"] or "" for call in message.tool_calls]
    ids += [c.get("id") or f"invalid_{n}" for n, c in enumerate(message.invalid_tool_calls)]
    return ids


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


def stub_old_results(messages: Sequence[AnyMessage], keep: int) -> list[AnyMessage]:
    """Replace all but the `keep` most recent tool results with the stub (keep=-1: none)."""
    if keep < 0:
        return list(messages)
    positions = [i for i, m in enumerate(messages) if isinstance(m, ToolMessage)]
    stale = set(positions[: max(0, len(positions) - keep)])
    return [
        _stub(m.tool_call_id, m.name, m.id, m.status) if i in stale else m
        for i, m in enumerate(messages)
    ]


@lru_cache(maxsize=8192)
def _stub(tool_call_id: str, name: str | None, id: str | None, status: str) -> ToolMessage:
    """The stand-in of an old result; cached, as every view rebuilds the same stubs."""
    return ToolMessage(content=OMITTED, tool_call_id=tool_call_id, name=name, id=id, status=status)
