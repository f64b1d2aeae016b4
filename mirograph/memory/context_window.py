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
from mirograph.transcript import paired

OMITTED = "Tool result is omitted to save tokens."
TRUNCATED = "[Result truncated]"
SUMMARY_HEADER = "Summary of the research so far (older turns were folded into it):"

__all__ = [
    "OMITTED",
    "SUMMARY_HEADER",
    "TRUNCATED",
    "TokenCounter",
    "answer_now_prompt",
    "context_view",
    "estimate_tokens",
    "format_instructions",
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


def answer_now_prompt(settings: ResearchContext, reason: str) -> HumanMessage:
    """The "answer now" instruction, as the finalizer appends it to the view."""
    text = load_prompt("answer_now").format(
        reason=reason, format_instructions=format_instructions(settings)
    )
    return HumanMessage(content=text, name="answer_now")


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
