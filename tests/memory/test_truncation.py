"""Truncation at ingestion: the executor cuts long tool results with a visible marker."""

from __future__ import annotations

from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.memory import TRUNCATED, context_view, truncate_result

SETTINGS = ResearchContext(verify="rules")


@tool
def dump(n: int) -> str:
    """Return a very long page."""
    return "x" * n


def run_with_result_of(chars: int) -> dict:
    model = ScriptedChatModel(
        responses=[{"tool_calls": [{"name": "dump", "args": {"n": chars}}]}, "done"]
    )
    graph = build_research_graph(model=model, tools=[dump], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"question": "q"}, config, context=SETTINGS)
    return graph.get_state(config).values


def stored_result(state: dict) -> ToolMessage:
    return next(m for m in state["messages"] if isinstance(m, ToolMessage))


def test_a_200k_result_is_cut_to_the_limit_with_the_marker():
    result = stored_result(run_with_result_of(200_000))
    assert result.content == (
        "x" * 100_000 + f"\n{TRUNCATED} (showing 100000 of 200000 characters)"
    )


def test_the_untruncated_length_is_recorded():
    result = stored_result(run_with_result_of(200_000))
    assert result.response_metadata["original_chars"] == 200_000


def test_the_view_shows_the_truncated_result():
    state = run_with_result_of(200_000)
    shown = [m for m in context_view(state, SETTINGS) if isinstance(m, ToolMessage)]
    assert shown[0].content.endswith(f"{TRUNCATED} (showing 100000 of 200000 characters)")


def test_a_result_at_the_limit_is_kept_whole():
    assert truncate_result("x" * 100, 100) == ("x" * 100, 100)


def test_a_negative_limit_disables_truncation():
    assert truncate_result("x" * 100, -1) == ("x" * 100, 100)
