"""Folding turns into the running summary: whole turns, in chunks that fit the window."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from mirograph import ScriptedChatModel
from mirograph.memory import SummaryBudget, SummaryDoesNotFit, estimate_tokens, summarize
from mirograph.memory.summary import fold_end, render_turns

from .conftest import research_state


def test_fold_end_keeps_the_last_k_rounds():
    messages = research_state(10)["messages"]
    assert fold_end(messages, 1, 5) == 1 + 2 * 5


def test_fold_end_with_fewer_rounds_than_k_folds_nothing():
    messages = research_state(3)["messages"]
    assert fold_end(messages, 1, 5) == 1


def test_fold_end_with_zero_rounds_folds_everything():
    messages = research_state(3)["messages"]
    assert fold_end(messages, 1, 0) == 7


def test_a_turn_renders_its_thought_call_and_result_together():
    messages = research_state(1)["messages"]
    assert render_turns(messages[1:3]) == [
        f'Agent: thought 0\nTool call: fetch({{"n": 0}})\nResult of fetch: {messages[2].content}'
    ]


def test_old_turns_are_summarized_in_chunks_that_fit():
    model = ScriptedChatModel(keep_inputs=True, policy=lambda messages: "notes")
    turns = render_turns(research_state(20)["messages"][1:])
    summary, calls = summarize(
        model,
        question="q",
        previous="",
        turns=turns,
        budget=SummaryBudget.for_window(4_000),
        counter=estimate_tokens,
    )
    assert (summary, calls > 1) == ("notes", True)
    assert max(estimate_tokens(m) for m in model.inputs) + 400 <= 4_000


def test_each_chunk_builds_on_the_notes_so_far():
    model = ScriptedChatModel(
        keep_inputs=True, policy=lambda messages: f"notes {len(model.inputs)}"
    )
    turns = render_turns(research_state(6)["messages"][1:])
    budget = SummaryBudget.for_window(2_000)
    summarize(model, question="q", previous="", turns=turns, budget=budget, counter=estimate_tokens)
    assert "notes 1" in model.inputs[1][0].content


def test_an_exact_counter_that_disagrees_splits_the_chunk_further():
    model = ScriptedChatModel(keep_inputs=True, policy=lambda messages: "notes")
    turns = render_turns(research_state(4)["messages"][1:])

    def pessimistic(messages: list) -> int:
        return 2 * estimate_tokens(messages)

    budget = SummaryBudget.for_window(6_000)
    summarize(model, question="q", previous="", turns=turns, budget=budget, counter=pessimistic)
    assert max(pessimistic(m) for m in model.inputs) + budget.summary_tokens <= 6_000


def test_a_window_too_small_for_any_summary_call_raises():
    model = ScriptedChatModel(keep_inputs=True, policy=lambda messages: "notes")
    with pytest.raises(SummaryDoesNotFit):
        summarize(
            model,
            question="q",
            previous="",
            turns=["Agent: hi"],
            budget=SummaryBudget.for_window(200),
            counter=estimate_tokens,
        )


def test_the_summarizer_sees_the_task_and_the_previous_notes():
    model = ScriptedChatModel(keep_inputs=True, policy=lambda messages: "new notes")
    budget = SummaryBudget.for_window(4_000)
    summarize(
        model,
        question="Who?",
        previous="old",
        turns=["Agent: hi"],
        budget=budget,
        counter=estimate_tokens,
    )
    text = model.inputs[0][0].content
    assert (isinstance(model.inputs[0][0], HumanMessage), "Who?" in text, "old" in text) == (
        True,
        True,
        True,
    )
