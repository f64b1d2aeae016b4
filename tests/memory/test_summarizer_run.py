"""Scripted runs that outgrow a small window: summaries keep every planner input inside it."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver

from mirograph.memory import answer_now_prompt, estimate_tokens, system_prompt

from .scenario import ANSWER, FORCED, NOTES, Scenario, settings

CONFIG = {"configurable": {"thread_id": "t"}, "recursion_limit": 500}


def too_small_for_a_summary() -> int:
    """A window that holds the answer-now prompt but no summarizer call."""
    base = settings(1, 40)  # the window only sizes the prompt here
    reason = "the context window of 0000 tokens is full"
    prompt = [SystemMessage(system_prompt(base)), HumanMessage("Which record?")]
    return estimate_tokens([*prompt, answer_now_prompt(base, reason)]) + 40


def run(window: int, steps: int = 40) -> tuple[Scenario, dict]:
    scenario = Scenario(steps)
    graph = scenario.graph(checkpointer=InMemorySaver())
    graph.invoke({"question": "Which record?"}, CONFIG, context=settings(window, steps))
    return scenario, graph.get_state(CONFIG).values


@pytest.fixture(scope="module")
def small_window() -> tuple[Scenario, dict]:
    return run(8_000)


@pytest.fixture(scope="module")
def tiny_window() -> tuple[Scenario, dict]:
    return run(3_000)


def test_the_summarizer_fires_in_a_small_window(small_window):
    scenario, state = small_window
    assert (len(scenario.summarizer.inputs) > 0, state["summary"]) == (True, NOTES)


def test_every_planner_input_stays_under_the_window(small_window):
    scenario, _ = small_window
    assert max(scenario.planner_sizes) < 8_000


def test_every_summarizer_input_stays_under_the_window(small_window):
    scenario, _ = small_window
    assert max(scenario.summarizer_sizes()) < 8_000


def test_the_run_still_finishes_with_its_answer(small_window):
    _, state = small_window
    assert (state["status"], state["answer"], state["tool_calls_used"]) == ("done", ANSWER, 40)


def test_the_summary_never_splits_a_call_from_its_result(small_window):
    _, state = small_window
    assert type(state["messages"][state["summary_upto"]]).__name__ == "AIMessage"


def test_a_window_too_small_for_k_rounds_ends_by_answer_now(tiny_window):
    _, state = tiny_window
    assert (state["status"], state["answer"]) == ("exhausted", FORCED)


def test_answer_now_says_why(tiny_window):
    _, state = tiny_window
    assert state["answer_now"] == "the context window of 3000 tokens is full"


def test_every_model_input_fits_even_when_answering_now(tiny_window):
    scenario, _ = tiny_window
    assert max([*scenario.planner_sizes, *scenario.summarizer_sizes()]) <= 3_000


def test_answer_now_sees_a_summary_of_everything(tiny_window):
    _, state = tiny_window
    assert state["summary_upto"] == len(state["messages"]) - 2  # the prompt and the reply


def test_a_window_too_small_even_for_a_summary_still_answers_now():
    window = too_small_for_a_summary()
    scenario, state = run(window)
    assert (state["status"], state["answer"], len(scenario.summarizer.inputs)) == (
        "exhausted",
        FORCED,
        0,
    )


def test_answering_now_without_a_summary_still_fits_the_window():
    window = too_small_for_a_summary()
    scenario, _ = run(window)
    assert max(scenario.planner_sizes) <= window
