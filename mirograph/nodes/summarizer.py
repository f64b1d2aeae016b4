"""The summarizer: context management, when the view passes `summarize_at` of the window.

The planner counts its view before each model call (`context_window.sized_view`) and hands
its turn to the summarizer once the count passes `summarize_at` (`needs_summary`), so a
tool round is two steps, not three. A graph that wires the summarizer after every tool
round still works: below the threshold it only records the count. Past it, it folds the
oldest turns since the last summary into the running summary (summarizer model, in chunks
that fit the window), keeping at least the last K tool rounds verbatim. When even that view
cannot fit, the run goes to "answer now" — and the summary is made to cover everything, so
the finalizer's own call fits too, instead of the provider rejecting an over-long prompt.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from mirograph.context import ResearchContext
from mirograph.memory import context_view
from mirograph.memory.context_window import (
    answer_now_prompt,
    count_view_tokens,
    needs_summary,
    summary_start,
)
from mirograph.memory.summary import (
    SummaryBudget,
    SummaryDoesNotFit,
    fold_end,
    render_turns,
    summarize,
)
from mirograph.memory.tokens import clip_to_tokens, estimate_tool_tokens
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import ResearchState

DEFAULT_KEEP_ROUNDS = 5
"""Tool rounds kept verbatim when K = -1 (keep all) no longer fits."""
SUMMARY_CLIPPED = "[Summary truncated to fit the context window]"


def summarizer(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["planner", "finalizer"]]:
    """Keep the next planner input inside the window, or route to "answer now"."""
    settings = runtime.context
    limit = input_limit(settings)
    tokens = _view_size(state, settings, resources)
    if not needs_summary(tokens, settings):
        return _route("planner", {"view_tokens": tokens}, "fits")

    emit_progress(runtime, state, "summarizer", "summarizing", view_tokens=tokens)
    update: dict[str, Any] = {}
    # A window too small for any summarizer call is "cannot fit": answer now, below.
    with contextlib.suppress(SummaryDoesNotFit):
        update = _fold(state, settings, resources, keep_rounds(settings.keep_tool_results))
    folded: ResearchState = {**state, **update}  # type: ignore[typeddict-item]
    tokens = _view_size(folded, settings, resources)
    if tokens <= limit:
        detail = "summarized" if update else "nothing to fold"
        return _route("planner", {**update, "view_tokens": tokens}, detail)

    reason = f"the context window of {settings.context_window_tokens} tokens is full"
    update = {**update, **_fit_answer_now(folded, settings, resources, reason)}
    final: ResearchState = {**state, **update}  # type: ignore[typeddict-item]
    update["view_tokens"] = count_view_tokens(final, settings, resources.token_counter)
    update["answer_now"] = reason
    return _route("finalizer", update, "window full")


def _view_size(state: ResearchState, settings: ResearchContext, resources: Resources) -> int:
    """What `context_window.sized_view` counts, without building the view."""
    tool_tokens = estimate_tool_tokens(resources.tools_for(settings).values())
    return count_view_tokens(state, settings, resources.token_counter) + tool_tokens


def input_limit(settings: ResearchContext) -> int:
    """Tokens a planner input may take: the window minus the room reserved for the reply."""
    return settings.context_window_tokens - (settings.max_tokens or 0)


def keep_rounds(keep_tool_results: int) -> int:
    """Tool rounds a summary keeps verbatim: K, at least one, 5 when K = -1."""
    return DEFAULT_KEEP_ROUNDS if keep_tool_results < 0 else max(1, keep_tool_results)


def _fold(
    state: ResearchState, settings: ResearchContext, resources: Resources, rounds: int
) -> dict[str, Any]:
    """Summary and boundary after folding all but the last `rounds` tool rounds (0: all)."""
    messages = state.get("messages", [])
    start = summary_start(messages, state.get("summary_upto", 0))
    end = fold_end(messages, start, rounds)
    if end <= start:
        return {}
    summary, _calls = summarize(
        resources.chat_model(settings, "summarizer"),
        question=state["question"],
        previous=state.get("summary", ""),
        turns=render_turns(messages[start:end]),
        budget=SummaryBudget.for_window(input_limit(settings)),
        counter=resources.count_tokens,
    )
    return {"summary": summary, "summary_upto": end}


def _fit_answer_now(
    state: ResearchState, settings: ResearchContext, resources: Resources, reason: str
) -> dict[str, Any]:
    """Fold everything, then clip the summary if need be, so the finalizer's call fits."""
    prompt = answer_now_prompt(settings, reason)
    limit = input_limit(settings)

    def size(candidate: ResearchState) -> int:
        return resources.count_tokens([*context_view(candidate, settings), prompt])

    if size(state) <= limit:
        return {}
    try:
        update = _fold(state, settings, resources, rounds=0)
    except SummaryDoesNotFit:  # no model call fits: keep the notes we have, drop the turns
        update = {"summary": state.get("summary", ""), "summary_upto": len(state["messages"])}
    folded: ResearchState = {**state, **update}  # type: ignore[typeddict-item]
    excess = size(folded) - limit
    if excess > 0:
        summary = update.get("summary", state.get("summary", ""))
        room = max(0, resources.count_tokens([HumanMessage(content=summary)]) - excess - 8)
        update["summary"] = clip_to_tokens(summary, room, SUMMARY_CLIPPED) if room else ""
    return update


def _route(goto: Literal["planner", "finalizer"], update: dict[str, Any], detail: str) -> Command:
    return Command(
        update={**update, "activity": {"node": "summarizer", "detail": detail}}, goto=goto
    )
