"""The research graph end to end, with scripted models and in-process tools."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.errors import ScriptExhausted
from mirograph.nodes.planner import BUDGET_SPENT

SETTINGS = ResearchContext(verify="rules")


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"found: {query}"


@tool
def broken(query: str) -> str:
    """A tool whose backend is down."""
    raise ConnectionError("backend unreachable")


def call(name: str, **args: object) -> dict:
    return {"name": name, "args": args}


def run(script: list, tools: list = [lookup], settings: ResearchContext = SETTINGS) -> dict:  # noqa: B006
    model = ScriptedChatModel(keep_inputs=True, responses=script)
    graph = build_research_graph(model=model, tools=tools, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"question": "What is it?"}, config, context=settings)
    return graph.get_state(config).values


def tool_messages(state: dict) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_600_tool_calls_complete_with_the_scripted_answer():
    script = [{"tool_calls": [call("lookup", query=f"q{i}")]} for i in range(600)]
    state = run([*script, "It is 42."])
    assert (state["status"], state["tool_calls_used"], state["answer"]) == (
        "done",
        600,
        "It is 42.",
    )
    assert len(tool_messages(state)) == 600


def test_budget_stops_a_run_that_keeps_calling_tools_and_answers_now():
    script = [{"tool_calls": [call("lookup", query=f"q{i}")]} for i in range(4)]
    state = run([*script, "Forced: 7."], settings=SETTINGS.replace(max_tool_calls=3))
    assert (state["status"], state["tool_calls_used"], state["answer"]) == (
        "exhausted",
        3,
        "Forced: 7.",
    )
    assert tool_messages(state)[-1].content == BUDGET_SPENT.format(budget=3)


def test_planner_is_consulted_once_more_after_the_last_allowed_result():
    script = [{"tool_calls": [call("lookup", query="a")]}, "Done: a."]
    state = run(script, settings=SETTINGS.replace(max_tool_calls=1))
    assert (state["status"], state["answer"]) == ("done", "Done: a.")


def test_a_turn_over_budget_runs_only_the_calls_that_fit():
    turn = {"tool_calls": [call("lookup", query=q) for q in "abc"]}
    state = run([turn, "Fine."], settings=SETTINGS.replace(max_tool_calls=2))
    assert [m.content for m in tool_messages(state)] == [
        "found: a",
        "found: b",
        BUDGET_SPENT.format(budget=2),
    ]
    assert state["tool_calls_used"] == 2


def test_parallel_calls_each_run_once_and_come_back_in_order():
    runs: list[str] = []

    @tool
    def record(query: str) -> str:
        """Record a call."""
        runs.append(query)
        return f"ran {query}"

    turn = {"tool_calls": [call("record", query=q) for q in ["one", "two", "three", "four"]]}
    state = run([turn, "All four."], tools=[record])
    assert sorted(runs) == ["four", "one", "three", "two"]
    assert [m.content for m in tool_messages(state)] == [
        "ran one",
        "ran two",
        "ran three",
        "ran four",
    ]
    ai = next(m for m in state["messages"] if isinstance(m, AIMessage))
    assert [m.tool_call_id for m in tool_messages(state)] == [c["id"] for c in ai.tool_calls]


@pytest.mark.parametrize(
    ("turn", "expected"),
    [
        (call("broken", query="x"), "Error: broken failed: ConnectionError: backend unreachable"),
        (call("lookup", topic="x"), "Error: invalid arguments for lookup: query: Field required"),
        (call("nope", query="x"), "Error: unknown tool 'nope'. Available tools: broken, lookup."),
    ],
    ids=["tool-raises", "invalid-arguments", "unknown-tool"],
)
def test_tool_failures_become_error_messages_and_the_run_continues(turn, expected):
    state = run([{"tool_calls": [turn]}, "Recovered."], tools=[lookup, broken])
    (message,) = tool_messages(state)
    assert (message.content, message.status) == (expected, "error")
    assert (state["status"], state["answer"]) == ("done", "Recovered.")


def test_a_repeated_identical_call_is_answered_with_a_note_not_rerun():
    runs: list[str] = []

    @tool
    def record(query: str) -> str:
        """Record a call."""
        runs.append(query)
        return "ok"

    script = [
        {"tool_calls": [call("record", query="Same")]},
        {"tool_calls": [call("record", query=" same ")]},
        "Done.",
    ]
    state = run(script, tools=[record])
    assert runs == ["Same"]
    assert tool_messages(state)[1].content.startswith("Not run: you already called record")


def test_long_results_are_truncated_with_a_marker():
    @tool
    def big(query: str) -> str:
        """A large page."""
        return "x" * 500

    state = run(
        [{"tool_calls": [call("big", query="q")]}, "Ok."],
        tools=[big],
        settings=SETTINGS.replace(max_tool_result_chars=100),
    )
    (message,) = tool_messages(state)
    assert message.content == "x" * 100 + "\n[Result truncated] (showing 100 of 500 characters)"
    assert message.response_metadata["original_chars"] == 500


def test_boxed_format_answers_with_the_box_content():
    state = run(["Reasoning… so \\boxed{Paris}."], settings=SETTINGS.replace(answer_format="boxed"))
    assert (state["status"], state["answer"]) == ("done", "Paris")


def test_rules_verifier_sends_a_missing_box_back_to_the_planner():
    script = ["Paris.", "\\boxed{Paris}"]
    state = run(script, settings=SETTINGS.replace(answer_format="boxed"))
    feedback = [m for m in state["messages"] if getattr(m, "name", None) == "verifier"]
    assert len(feedback) == 1
    assert (state["answer"], state["verified"]) == ("Paris", True)


def test_an_exhausted_script_raises_a_clear_error():
    with pytest.raises(ScriptExhausted, match="has 1 responses but was asked for response 2"):
        run([{"tool_calls": [call("lookup", query="a")]}])


def test_graph_has_the_five_documented_nodes():
    graph = build_research_graph(
        model=ScriptedChatModel(keep_inputs=True, responses=["x"]), tools=[lookup]
    )
    nodes = set(graph.get_graph().nodes) - {"__start__", "__end__"}
    assert nodes == {"planner", "executor", "summarizer", "verifier", "finalizer"}


def test_wall_time_budget_answers_now():
    script = [{"tool_calls": [call("lookup", query="a")]}, "From memory: 1."]
    state = run(script, settings=SETTINGS.replace(max_wall_seconds=1e-9))
    assert (state["status"], state["tool_calls_used"], state["answer"]) == (
        "exhausted",
        0,
        "From memory: 1.",
    )


def test_a_follow_up_question_on_a_finished_thread_starts_a_new_run():
    script = [{"tool_calls": [call("lookup", query=f"q{i}")]} for i in range(2)] + [
        "Forced.",
        "Second answer.",
    ]
    model = ScriptedChatModel(keep_inputs=True, responses=script)
    graph = build_research_graph(model=model, tools=[lookup], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    settings = SETTINGS.replace(max_tool_calls=1)
    graph.invoke({"question": "First?"}, config, context=settings)
    graph.invoke({"question": "Second?"}, config, context=settings.replace(max_tool_calls=5))
    state = graph.get_state(config).values
    assert (state["status"], state["answer"]) == ("done", "Second answer.")
    assert model.inputs[-1][-1].content == "Second?"


def test_an_interrupt_inside_a_tool_pauses_the_run_instead_of_failing_the_call():
    from langgraph.types import Command, interrupt

    @tool
    def ask_human(question: str) -> str:
        """Ask the human."""
        return interrupt(question)

    model = ScriptedChatModel(
        keep_inputs=True,
        responses=[{"tool_calls": [call("ask_human", question="Why?")]}, "Because."],
    )
    graph = build_research_graph(model=model, tools=[ask_human], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"question": "Q"}, config, context=SETTINGS)
    assert [i.value for i in graph.get_state(config).interrupts] == ["Why?"]
    graph.invoke(Command(resume="Because I said so."), config, context=SETTINGS)
    state = graph.get_state(config).values
    assert tool_messages(state)[0].content == "Because I said so."


def test_a_system_prompt_with_braces_is_used_as_written():
    model = ScriptedChatModel(keep_inputs=True, responses=["Ok."])
    graph = build_research_graph(model=model, tools=[lookup])
    prompt = 'Reply as JSON like {"answer": "..."}. Today is {date}.'
    graph.invoke({"question": "Q"}, context=SETTINGS.replace(system_prompt=prompt))
    assert model.inputs[0][0].content.startswith(
        'Reply as JSON like {"answer": "..."}. Today is 20'
    )
