"""Replies real models send, through whole runs: empty replies, clashing ids, long turns."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mirograph import ResearchContext, context_view
from mirograph.memory.context_window import SHORTENED
from mirograph.transcript import call_ids

from .runs import FINAL, queued, run
from .wire import wire_problems

SETTINGS = ResearchContext(verify="rules")


def lookup_call(q: str, call_id: str | None = None) -> dict:
    return {"name": "lookup", "args": {"q": q}, "id": call_id, "type": "tool_call"}


def test_two_empty_replies_are_asked_again_and_never_stored():
    model = queued([AIMessage(content=""), AIMessage(content="<think>hmm</think>"), "It is 7."])
    state = run(model, SETTINGS)
    assert (state["status"], state["answer"]) == ("done", "It is 7.")
    ai = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert [m.text for m in ai] == ["It is 7."]
    assert ai[0].response_metadata["empty_replies_before"] == 2
    assert len(model.inputs) == 3


def test_three_empty_replies_in_a_row_answer_now_and_say_why():
    state = run(queued([""] * 3), SETTINGS)
    assert (state["status"], state["answer"]) == ("exhausted", FINAL)
    assert state["answer_now"] == "the model sent 3 empty replies in a row"


def test_empty_replies_to_answer_now_too_end_the_run_failed_with_the_reason():
    state = run(queued([""] * 6), SETTINGS)
    assert (state["status"], state["answer"]) == ("failed", "")
    assert state["activity"] == {
        "node": "finalizer",
        "detail": "no answer: 3 empty replies in a row",
    }
    assert not [m for m in state["messages"] if isinstance(m, AIMessage)]


def test_calls_without_ids_and_repeated_ids_each_get_one_result():
    replies = [
        AIMessage(content="", tool_calls=[lookup_call("a"), lookup_call("b")], id="same"),
        AIMessage(content="", tool_calls=[lookup_call("c", "x"), lookup_call("d", "x")], id="same"),
        AIMessage(content="", tool_calls=[lookup_call("e", "x")], id="same"),
    ]
    model = queued(replies)
    state = run(model, SETTINGS)
    assert (state["status"], state["tool_calls_used"]) == ("done", 5)
    ai = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert [m.id for m in ai] == ["same", "same~2", "same~3", ai[3].id]
    ids = [i for m in ai for i in call_ids(m)]
    assert ids == ["call_mg1", "call_mg2", "x", "call_mg4", "call_mg5"]
    results = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert sorted(m.tool_call_id for m in results) == sorted(ids)
    assert [m.text for m in results] == [f"found: {q}" for q in "abcde"]
    assert all(wire_problems(seen) == [] for seen in model.inputs)


def test_older_long_ai_turns_are_shortened_in_the_view_only():
    long_turn = "<think>" + "x" * 60_000 + "</think>looking"
    replies = [AIMessage(content=long_turn, tool_calls=[lookup_call(q)]) for q in "abc"]
    settings = SETTINGS.replace(keep_tool_results=1, max_ai_turn_chars=1_000)
    state = run(queued(replies), settings)
    stored = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert [m.content for m in stored[:3]] == [long_turn] * 3  # the transcript is untouched
    view = [m for m in context_view(state, settings) if isinstance(m, AIMessage)]
    marker = f"{SHORTENED} (showing 1000 of {len(long_turn)} characters)"
    assert [m.content for m in view[:3]] == [f"{long_turn[:500]}\n{marker}\n{long_turn[-500:]}"] * 3
    assert [call_ids(m) for m in view[:3]] == [call_ids(m) for m in stored[:3]]
    assert view[-1].content == FINAL  # the most recent turn is whole


def test_the_latest_ai_turn_is_never_shortened_and_minus_one_keeps_all():
    long_turn = "y" * 5_000
    replies = [AIMessage(content=long_turn, tool_calls=[lookup_call("a")])]
    settings = SETTINGS.replace(keep_tool_results=0, max_ai_turn_chars=100)
    state = run(queued(replies), settings)
    view = context_view({**state, "messages": state["messages"][:2]}, settings)
    assert [m.content for m in view if isinstance(m, AIMessage)] == [long_turn]
    whole = context_view(state, settings.replace(max_ai_turn_chars=-1))
    assert [m.content for m in whole if isinstance(m, AIMessage)] == [long_turn, FINAL]
    assert isinstance(whole[1], HumanMessage)
