"""A follow-up question on a finished thread is a new run: its own tool-call budget and
verification state, while the thread's total of tool calls stays visible."""

from __future__ import annotations

from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph

SETTINGS = ResearchContext(verify="rules", max_tool_calls=2)
CONFIG = {"configurable": {"thread_id": "t"}}


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"found {query}"


def calls(*queries: str) -> list[dict]:
    return [{"tool_calls": [{"name": "lookup", "args": {"query": q}}]} for q in queries]


def test_a_follow_up_gets_a_fresh_budget_and_the_thread_total_keeps_counting():
    script = [*calls("a", "b"), "First answer.", *calls("c", "d"), "Second answer."]
    graph = build_research_graph(
        model=ScriptedChatModel(responses=script), tools=[lookup], checkpointer=InMemorySaver()
    )
    graph.invoke({"question": "First?"}, CONFIG, context=SETTINGS)
    graph.invoke({"question": "Second?"}, CONFIG, context=SETTINGS)
    state = graph.get_state(CONFIG).values
    results = [m.content for m in state["messages"] if isinstance(m, ToolMessage)]
    assert results == ["found a", "found b", "found c", "found d"]
    assert (state["status"], state["answer"], state["verified"]) == ("done", "Second answer.", True)
    assert (state["tool_calls_used"], state["run_calls_start"]) == (4, 2)


def test_a_follow_up_does_not_report_the_previous_runs_verification():
    graph = build_research_graph(
        model=ScriptedChatModel(responses=["First answer.", "Second answer."]),
        tools=[lookup],
        checkpointer=InMemorySaver(),
    )
    graph.invoke({"question": "First?"}, CONFIG, context=SETTINGS)
    assert graph.get_state(CONFIG).values["verified"] is True
    graph.invoke({"question": "Second?"}, CONFIG, context=SETTINGS.replace(verify="off"))
    state = graph.get_state(CONFIG).values
    assert (state["status"], state["answer"], state["verified"]) == ("done", "Second answer.", None)
    assert (state["verifications"], state["tool_calls_used"]) == (0, 0)
