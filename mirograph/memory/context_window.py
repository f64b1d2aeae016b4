"""The context view: what the planner model sees of an unbounded transcript.

Follows MiroThinker's recency-based retention: only the K most recent tool results are
shown in full, older ones become a one-line stub, while every tool call is kept. AI turns
are bounded like tool results: one older than the K most recent whose text passes
`max_ai_turn_chars` (a 16K-token `<think>`) is shown as its head and tail around a marker.
Tool results were already truncated at ingestion. The view is a pure function of
(state, settings): it never mutates the stored, lossless transcript.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool

from mirograph.context import ResearchContext
from mirograph.memory.tokens import TokenCounter, estimate_tokens, estimate_tool_tokens
from mirograph.memory.transcript_index import OMITTED, SHORTENED, index_for, shorten_turn, stub
from mirograph.prompts import load_prompt
from mirograph.state import ResearchState

TRUNCATED = "[Result truncated]"
SUMMARY_HEADER = "Summary of the research so far (older turns were folded into it):"

__all__ = [
    "OMITTED",
    "SHORTENED",
    "SUMMARY_HEADER",
    "TRUNCATED",
    "TokenCounter",
    "answer_now_prompt",
    "context_view",
    "count_view_tokens",
    "estimate_tokens",
    "format_instructions",
    "needs_summary",
    "shorten_old_turns",
    "sized_view",
    "stub_old_results",
    "summary_start",
    "system_prompt",
    "task_message",
    "truncate_result",
    "view_tokens",
    "view_with_tokens",
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
    """System prompt, task, running summary, then the recent transcript with old results stubbed.

    Equal to `[*head, *shorten_old_turns(stub_old_results(paired(messages[start:]), K), K,
    max_ai_turn_chars)]`, computed from the
    transcript's `TranscriptIndex` in time proportional to the messages added since the
    last view, not to the transcript.
    """
    return view_with_tokens(state, settings, today=today)[0]


def view_with_tokens(
    state: ResearchState, settings: ResearchContext, *, today: _dt.date | None = None
) -> tuple[list[BaseMessage], int]:
    """The context view and its offline estimate (`estimate_tokens(view)`), together."""
    messages: Sequence[AnyMessage] = state.get("messages", [])
    view = _head(state, settings, today)
    tokens = estimate_tokens(view)
    if len(messages) > 1:
        start = summary_start(messages, state.get("summary_upto", 0))
        tail, tail_tokens = index_for(messages).window(
            start, settings.keep_tool_results, settings.max_ai_turn_chars
        )
        tail[0:0] = view  # moves the tail's entries up in C, without touching the messages
        return tail, tokens + tail_tokens
    return view, tokens


def view_tokens(state: ResearchState, settings: ResearchContext) -> int:
    """`estimate_tokens(context_view(state, settings))`, without building the view."""
    messages: Sequence[AnyMessage] = state.get("messages", [])
    tokens = estimate_tokens(_head(state, settings, None))
    if len(messages) > 1:
        start = summary_start(messages, state.get("summary_upto", 0))
        index = index_for(messages)
        tokens += index.window_tokens(start, settings.keep_tool_results, settings.max_ai_turn_chars)
    return tokens


def _head(
    state: ResearchState, settings: ResearchContext, today: _dt.date | None
) -> list[BaseMessage]:
    """System prompt, task and running summary: what every view starts with."""
    messages: Sequence[AnyMessage] = state.get("messages", [])
    task: list[BaseMessage] = [messages[0]] if messages else [task_message(state)]
    view: list[BaseMessage] = [SystemMessage(content=system_prompt(settings, today)), *task]
    summary = state.get("summary", "")
    if summary:
        view.append(HumanMessage(content=f"{SUMMARY_HEADER}\n\n{summary}"))
    return view


def count_view_tokens(
    state: ResearchState, settings: ResearchContext, counter: TokenCounter | None
) -> int:
    """Tokens of the context view: `counter(view)` with an exact counter, else the estimate
    carried forward by the transcript index (no view is built)."""
    if counter is None:
        return view_tokens(state, settings)
    return counter(view_with_tokens(state, settings)[0])


def sized_view(
    state: ResearchState,
    settings: ResearchContext,
    counter: TokenCounter | None,
    tools: Iterable[BaseTool],
) -> tuple[list[BaseMessage], int]:
    """The view the planner sends next and its tokens, the definitions of the tools it binds
    included: `counter(view)` with an exact counter, else the estimate made with the view."""
    view, estimate = view_with_tokens(state, settings)
    tokens = counter(view) if counter is not None else estimate
    return view, tokens + estimate_tool_tokens(tools)


def needs_summary(tokens: int, settings: ResearchContext) -> bool:
    """Whether a view of `tokens` has passed `summarize_at` of the window."""
    return tokens >= settings.summarize_at * settings.context_window_tokens


def stub_old_results(messages: Sequence[AnyMessage], keep: int) -> list[AnyMessage]:
    """Replace all but the `keep` most recent tool results with the stub (keep=-1: none)."""
    if keep < 0:
        return list(messages)
    positions = [i for i, m in enumerate(messages) if isinstance(m, ToolMessage)]
    stale = set(positions[: max(0, len(positions) - keep)])
    return [
        stub(m.tool_call_id, m.name, m.id, m.status) if i in stale else m
        for i, m in enumerate(messages)
    ]


def shorten_old_turns(messages: Sequence[AnyMessage], keep: int, limit: int) -> list[AnyMessage]:
    """Shorten the text of AI turns older than the `keep` most recent (at least the last
    one stays whole) to `limit` characters; calls stay. keep=-1 or limit=-1: unchanged."""
    if keep < 0 or limit < 0:
        return list(messages)
    positions = [i for i, m in enumerate(messages) if isinstance(m, AIMessage)]
    old = set(positions[: max(0, len(positions) - max(1, keep))])
    return [shorten_turn(m, limit) if i in old else m for i, m in enumerate(messages)]
