"""Tool-result truncation follows the context window unless set explicitly."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.memory.window_limits import tool_result_chars


@pytest.mark.parametrize(
    ("window", "keep", "chars"),
    [
        (262_144, 5, 100_000),  # MiroThinker's own limit at its 256K window
        (32_768, 5, 13_107),  # five results ~16K tokens: half a 32K window
        (4_096, 5, 1_638),
        (2_048, 1, 4_096),  # one kept result may take half the window alone
        (32_768, -1, 13_107),  # keep all: sized as for K = 5
        (1_000, 5, 500),  # never below 500 characters
    ],
)
def test_the_result_limit_is_half_the_window_shared_by_the_kept_results(window, keep, chars):
    settings = ResearchContext(context_window_tokens=window, keep_tool_results=keep)
    assert tool_result_chars(settings) == chars


def test_an_explicit_limit_wins():
    settings = ResearchContext(context_window_tokens=2_048, max_tool_result_chars=70_000)
    assert tool_result_chars(settings) == 70_000


@tool
def big(query: str) -> str:
    """Return a long text."""
    return "x" * 50_000


def test_the_executor_truncates_at_the_windows_limit():
    model = ScriptedChatModel(
        responses=[{"tool_calls": [{"name": "big", "args": {"query": "q"}}]}, "Done."]
    )
    graph = build_research_graph(model=model, tools=[big], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    settings = ResearchContext(verify="rules", context_window_tokens=32_768)
    graph.invoke({"question": "Q?"}, config, context=settings)
    [result] = [m for m in graph.get_state(config).values["messages"] if isinstance(m, ToolMessage)]
    assert result.content.startswith("x" * 13_107 + "\n[Result truncated] (showing 13107 of 50000")
