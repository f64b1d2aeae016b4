"""The summarizer: context management after each tool round.

Counts the tokens of the view the planner would see next. Below the threshold it only
records the count; past it, the full context manager folds old turns into a running
summary (see issue-level docs); when even that cannot fit the window, the run goes to
"answer now" instead of sending the provider an over-long prompt.
"""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from mirograph.context import ResearchContext
from mirograph.memory import context_view, estimate_tokens
from mirograph.resources import Resources
from mirograph.state import ResearchState


def summarizer(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["planner", "finalizer"]]:
    """Keep the next planner input inside the window, or route to "answer now"."""
    settings = runtime.context
    tokens = estimate_tokens(context_view(state, settings))
    if tokens < settings.context_window_tokens:
        return Command(
            update={"view_tokens": tokens, "activity": {"node": "summarizer", "detail": "fits"}},
            goto="planner",
        )
    return Command(
        update={
            "view_tokens": tokens,
            "answer_now": f"the context window of {settings.context_window_tokens} tokens is full",
            "activity": {"node": "summarizer", "detail": "window full"},
        },
        goto="finalizer",
    )
