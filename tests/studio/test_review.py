"""Human review in process: `interrupt()` before tool calls and answers, `Command(resume=)`."""

from __future__ import annotations

import io

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from rich.console import Console

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph._review_prompt import flag_decisions, prompt_decisions
from mirograph.errors import InputError
from mirograph.runner import run_thread

CONFIG = {"configurable": {"thread_id": "t"}}
TOOLS = ResearchContext(verify="rules", review="tools")
ANSWER = ResearchContext(verify="rules", review="answer")
executed: list[str] = []


@tool
def lookup(query: str) -> str:
    """Look something up."""
    executed.append(query)
    return f"found: {query}"


@pytest.fixture(autouse=True)
def _fresh_executions():
    executed.clear()


def calls(*queries: str) -> dict:
    return {"tool_calls": [{"name": "lookup", "args": {"query": q}} for q in queries]}


def started(script: list, settings: ResearchContext, **models: ScriptedChatModel):
    graph = build_research_graph(
        model=ScriptedChatModel(keep_inputs=True, responses=script),
        tools=[lookup],
        checkpointer=InMemorySaver(),
        **models,
    )
    graph.invoke({"question": "What is it?"}, CONFIG, context=settings)
    return graph


def resumed(graph, settings: ResearchContext, *decisions: object) -> dict:
    pending = graph.get_state(CONFIG).interrupts
    assert len(pending) == len(decisions)
    answers = {item.id: d for item, d in zip(pending, decisions, strict=True)}
    graph.invoke(Command(resume=answers), CONFIG, context=settings)
    return graph.get_state(CONFIG).values


def tool_results(values: dict) -> list[ToolMessage]:
    return [m for m in values["messages"] if isinstance(m, ToolMessage)]


def test_each_proposed_call_waits_for_review_before_anything_runs():
    graph = started([calls("a", "b"), "Done."], TOOLS)
    assert [i.value for i in graph.get_state(CONFIG).interrupts] == [
        {
            "kind": "tool_call",
            "tool_call": {
                "name": "lookup",
                "args": {"query": q},
                "id": f"call_0_{n}",
                "type": "tool_call",
            },
            "step": n + 1,
        }
        for n, q in enumerate("ab")
    ]
    assert executed == []


def test_approved_call_runs_as_proposed():
    graph = started([calls("a"), "Done."], TOOLS)
    values = resumed(graph, TOOLS, "approve")
    assert ([m.content for m in tool_results(values)], values["status"]) == (["found: a"], "done")


def test_edited_call_runs_with_the_new_arguments_and_answers_the_original_call():
    graph = started([calls("a"), "Done."], TOOLS)
    values = resumed(graph, TOOLS, {"action": "edit", "args": {"query": "z"}})
    [result] = tool_results(values)
    assert executed == ["z"]
    assert (result.tool_call_id, result.content) == (
        "call_0_0",
        '[A human reviewer changed the arguments of this call to {"query": "z"}.]\n\nfound: z',
    )


def test_rejected_call_is_not_run_and_the_model_is_told_why():
    graph = started([calls("a"), "Done."], TOOLS)
    values = resumed(graph, TOOLS, {"action": "reject", "reason": "too broad"})
    [result] = tool_results(values)
    assert executed == []
    assert (result.status, result.content, values["tool_calls_used"]) == (
        "error",
        "Not run: a human reviewer rejected this call. Reason: too broad",
        0,
    )


def test_parallel_calls_take_one_decision_each():
    graph = started([calls("a", "b"), "Done."], TOOLS)
    values = resumed(graph, TOOLS, "approve", {"action": "reject", "reason": "no"})
    assert executed == ["a"]
    assert [m.status for m in tool_results(values)] == ["success", "error"]


def test_an_unusable_decision_asks_again_and_says_why():
    graph = started([calls("a"), "Done."], TOOLS)
    graph.invoke(Command(resume={"action": "edit"}), CONFIG, context=TOOLS)
    [again] = graph.get_state(CONFIG).interrupts
    assert again.value["error"] == '"edit" needs "args": an object of the new arguments'
    assert executed == []


def test_run_thread_reports_pending_reviews_and_resumes_them():
    graph = build_research_graph(
        model=ScriptedChatModel(keep_inputs=True, responses=[calls("a"), "Done."]),
        tools=[lookup],
        checkpointer=InMemorySaver(),
    )
    first = run_thread(graph, thread_id="t", settings=TOOLS, question="What is it?")
    assert (first.status, first.interrupted, first.paused) == ("waiting for review", True, False)
    [pending] = first.interrupts
    done = run_thread(graph, thread_id="t", settings=TOOLS, resume={pending.id: "approve"})
    assert (done.status, done.interrupts, executed) == ("done", (), ["a"])


def test_prompt_reads_an_edit_from_the_terminal():
    graph = started([calls("a"), "Done."], TOOLS)
    pending = graph.get_state(CONFIG).interrupts
    console = Console(file=io.StringIO())
    answers = prompt_decisions(pending, console, stream=io.StringIO('edit\n{"query": "z"}\n'))
    assert answers == {pending[0].id: {"action": "edit", "args": {"query": "z"}}}


def test_edit_args_flag_refuses_several_pending_calls():
    graph = started([calls("a", "b"), "Done."], TOOLS)
    with pytest.raises(InputError, match="2 tool calls wait for review"):
        flag_decisions(graph.get_state(CONFIG).interrupts, edit_args='{"query": "z"}')


def test_feedback_flag_refuses_pending_tool_calls():
    graph = started([calls("a"), "Done."], TOOLS)
    with pytest.raises(InputError, match="--feedback answers a pending answer review"):
        flag_decisions(graph.get_state(CONFIG).interrupts, feedback="look again")


def test_answer_waits_for_review_before_any_verification():
    verifier_model = ScriptedChatModel(keep_inputs=True, responses=[{"supported": True}])
    graph = started(["It is 7."], ANSWER.replace(verify="llm"), verifier_model=verifier_model)
    [pending] = graph.get_state(CONFIG).interrupts
    assert pending.value == {"kind": "answer", "answer": "It is 7."}
    assert verifier_model.inputs == []


def test_approved_answer_is_verified_and_final():
    graph = started(["It is 7."], ANSWER)
    values = resumed(graph, ANSWER, {"action": "approve"})
    assert (values["status"], values["answer"], values["verified"]) == ("done", "It is 7.", True)


def test_feedback_sends_the_reviewer_message_back_to_the_planner():
    graph = started(["It is 7.", "It is 8."], ANSWER)
    resumed(graph, ANSWER, {"action": "feedback", "text": "Check the 2024 figure."})
    [pending] = graph.get_state(CONFIG).interrupts
    values = graph.get_state(CONFIG).values
    reviewer = [m for m in values["messages"] if isinstance(m, HumanMessage) and m.name]
    assert [(m.name, m.content) for m in reviewer] == [("reviewer", "Check the 2024 figure.")]
    assert pending.value == {"kind": "answer", "answer": "It is 8."}
