"""Issue 15, point 4: a follow-up is asked explicitly; a second start of a thread is refused."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, RunControl, ScriptedChatModel, build_research_graph
from mirograph.errors import InputError
from mirograph.runner import run_thread

SETTINGS = ResearchContext(verify="rules")


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"about {query}: 42"


def graph_of(*responses):
    model = ScriptedChatModel(responses=list(responses))
    return build_research_graph(model=model, tools=[lookup], checkpointer=InMemorySaver())


CALL = {"tool_calls": [{"name": "lookup", "args": {"query": "x"}}]}


def test_a_follow_up_joins_the_transcript_of_a_finished_thread():
    graph = graph_of(CALL, "42.", "84.")
    assert run_thread(graph, thread_id="t", settings=SETTINGS, question="What?").answer == "42."
    again = run_thread(graph, thread_id="t", settings=SETTINGS, follow_up="Doubled?")
    assert (again.status, again.answer) == ("done", "84.")
    asked = [m.content for m in again.values["messages"] if isinstance(m, HumanMessage)]
    assert asked == ["What?", "Doubled?"]


def test_a_second_start_of_a_thread_is_refused_and_changes_nothing():
    graph = graph_of(CALL, "42.")
    run_thread(graph, thread_id="t", settings=SETTINGS, question="What?")
    config = {"configurable": {"thread_id": "t"}}
    before = graph.get_state(config).values
    with pytest.raises(InputError, match=r"^thread 't' already exists \(done\): continue it"):
        run_thread(graph, thread_id="t", settings=SETTINGS, question="What?")
    assert graph.get_state(config).values == before


def test_a_follow_up_needs_a_finished_thread():
    with pytest.raises(InputError, match=r"^thread 'nope' does not exist: a follow-up goes"):
        run_thread(graph_of("x"), thread_id="nope", settings=SETTINGS, follow_up="And?")
    graph = graph_of(CALL, CALL, "42.")
    control = RunControl()
    paused = run_thread(
        graph, thread_id="t", settings=SETTINGS, question="What?", control=control,
        on_progress=lambda p: p.tool_calls_used and control.request_drain(),
    )  # fmt: skip
    assert paused.paused
    with pytest.raises(InputError, match=r"^thread 't' is not finished \(researching\)"):
        run_thread(graph, thread_id="t", settings=SETTINGS, follow_up="And?")
