"""The context view: what the planner model sees of an unbounded transcript.

Follows MiroThinker's recency-based retention: only the K most recent tool results are
shown in full, older ones become a one-line stub, while every thought and tool call is
kept. Tool results were already truncated at ingestion. The view is a pure function of
(state, settings): it never mutates the stored, lossless transcript.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable, Sequence

from langchain_core.messages import (
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from mirograph.context import ResearchContext
from mirograph.prompts import load_prompt
from mirograph.state import ResearchState

OMITTED = "Tool result is omitted to save tokens."
TRUNCATED = "[Result truncated]"
SUMMARY_HEADER = "Summary of the research so far (older turns were folded into it):"

TokenCounter = Callable[[Sequence[BaseMessage]], int]
"""Counts the tokens of a message list; plug in an exact tokenizer where one is at hand."""


def truncate_result(text: str, limit: int) -> tuple[str, int]:
    """Cut a tool result to `limit` characters with a visible marker; return (text, length)."""
    if limit < 0 or len(text) <= limit:
        return text, len(text)
    return f"{text[:limit]}\n{TRUNCATED} (showing {limit} of {len(text)} characters)", len(text)


def estimate_tokens(messages: Sequence[BaseMessage]) -> int:
    """Offline token estimate: ~4 ASCII characters a token, 1 per other character.

    No tokenizer download at run time; close enough to decide when to summarize.
    """
    total = 0
    for message in messages:
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        calls = getattr(message, "tool_calls", None)
        if calls:
            text += json.dumps([[c["name"], c["args"]] for c in calls], ensure_ascii=False)
        ascii_chars = sum(1 for ch in text if ch < "\x80")
        total += 4 + math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)
    return total


def format_instructions(settings: ResearchContext) -> str:
    """The answer-format paragraph shared by the planner and "answer now" prompts."""
    return load_prompt(f"format_{settings.answer_format}")


def system_prompt(settings: ResearchContext, today: _dt.date | None = None) -> str:
    """The planner's system prompt: the user's override, or the packaged default."""
    template = settings.system_prompt or load_prompt("planner")
    return template.format(
        date=(today or _dt.date.today()).isoformat(),
        format_instructions=format_instructions(settings),
    )


def task_message(state: ResearchState) -> HumanMessage:
    """The task as the first user message of the transcript."""
    return HumanMessage(content=state["question"])


def context_view(
    state: ResearchState, settings: ResearchContext, *, today: _dt.date | None = None
) -> list[BaseMessage]:
    """System prompt, task, running summary, then the recent transcript with old results stubbed."""
    messages: list[AnyMessage] = list(state.get("messages", []))
    task: list[BaseMessage] = messages[:1] if messages else [task_message(state)]
    view: list[BaseMessage] = [SystemMessage(content=system_prompt(settings, today)), *task]
    start = max(1, state.get("summary_upto", 0))
    summary = state.get("summary", "")
    if summary:
        view.append(HumanMessage(content=f"{SUMMARY_HEADER}\n\n{summary}"))
    view.extend(stub_old_results(messages[start:], settings.keep_tool_results))
    return view


def stub_old_results(messages: Sequence[AnyMessage], keep: int) -> list[AnyMessage]:
    """Replace all but the `keep` most recent tool results with the stub (keep=-1: none)."""
    if keep < 0:
        return list(messages)
    positions = [i for i, m in enumerate(messages) if isinstance(m, ToolMessage)]
    stale = set(positions[: max(0, len(positions) - keep)])
    return [
        m.model_copy(update={"content": OMITTED, "artifact": None}) if i in stale else m
        for i, m in enumerate(messages)
    ]
