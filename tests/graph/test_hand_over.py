"""The planner hands its turn to the summarizer once the view passes `summarize_at`, and
calls the model on its next turn whatever the summarizer did: the two never loop."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Command

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.state import ResearchState

SETTINGS = ResearchContext(verify="off", context_window_tokens=100_000, summarize_at=0.001)
"""A threshold of 100 tokens: the system prompt alone passes it."""


def idle(state: ResearchState) -> Command[Literal["planner", "finalizer"]]:
    """A summarizer that folds nothing."""
    return Command(goto="planner", update={"activity": {"node": "idle", "detail": "kept"}})


def nodes_run(settings: ResearchContext) -> list[str]:
    """The nodes a one-turn run goes through, in order."""
    model = ScriptedChatModel(policy=lambda messages: "Done.")
    graph = build_research_graph(model=model, summarizer=idle)
    updates = graph.stream({"question": "q"}, context=settings, stream_mode="updates")
    return [node for update in updates for node in update]


def test_a_summarizer_that_folds_nothing_gets_the_turn_once():
    assert nodes_run(SETTINGS) == ["planner", "summarizer", "planner", "verifier", "finalizer"]


def test_below_the_threshold_the_summarizer_never_runs():
    assert nodes_run(ResearchContext(verify="off")) == ["planner", "verifier", "finalizer"]
