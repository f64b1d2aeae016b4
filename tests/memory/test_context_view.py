"""`context_view` on a synthetic 600-step transcript: what the planner model is shown."""

from __future__ import annotations

import copy

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from mirograph import ResearchContext
from mirograph.memory import OMITTED, context_view
from mirograph.memory.context_window import SUMMARY_HEADER
from mirograph.transcript import MISSING

from .conftest import QUESTION, research_state, step_messages

SETTINGS = ResearchContext()


@pytest.fixture(scope="module")
def state_600() -> dict:
    return research_state(600)


def tool_results(view: list) -> list[ToolMessage]:
    return [m for m in view if isinstance(m, ToolMessage)]


def test_only_the_5_most_recent_results_are_full(state_600):
    results = tool_results(context_view(state_600, SETTINGS))
    full = [m.tool_call_id for m in results if m.content != OMITTED]
    assert full == ["c595", "c596", "c597", "c598", "c599"]


def test_older_results_become_the_exact_stub(state_600):
    results = tool_results(context_view(state_600, SETTINGS))
    assert {m.content for m in results[:595]} == {"Tool result is omitted to save tokens."}


def test_every_ai_message_is_kept_verbatim(state_600):
    view = context_view(state_600, SETTINGS)
    stored = [m for m in state_600["messages"] if isinstance(m, AIMessage)]
    assert [m for m in view if isinstance(m, AIMessage)] == stored


def test_every_tool_call_is_directly_followed_by_its_result(state_600):
    view = context_view(state_600, SETTINGS)
    for i, message in enumerate(view):
        if isinstance(message, AIMessage):
            assert view[i + 1].tool_call_id == message.tool_calls[0]["id"]
    assert len(tool_results(view)) == 600


def test_view_starts_with_system_prompt_and_task(state_600):
    view = context_view(state_600, SETTINGS)
    assert isinstance(view[0], SystemMessage)
    assert (type(view[1]), view[1].content) == (HumanMessage, QUESTION)
    assert len(view) == 2 + 1200


def test_keep_minus_one_shows_every_result_in_full(state_600):
    view = context_view(state_600, SETTINGS.replace(keep_tool_results=-1))
    assert tool_results(view) == [m for m in state_600["messages"] if isinstance(m, ToolMessage)]


def test_keep_zero_stubs_every_result(state_600):
    view = context_view(state_600, SETTINGS.replace(keep_tool_results=0))
    assert {m.content for m in tool_results(view)} == {OMITTED}


def test_the_view_never_mutates_state(state_600):
    before = copy.deepcopy(state_600)
    context_view(state_600, SETTINGS)
    assert state_600 == before


def test_summary_replaces_the_turns_it_covers():
    state = research_state(10, summary="notes", summary_upto=1 + 2 * 7)
    view = context_view(state, SETTINGS)
    assert view[2].content == f"{SUMMARY_HEADER}\n\nnotes"
    assert [m.tool_call_id for m in tool_results(view)] == ["c7", "c8", "c9"]


def test_a_boundary_on_a_tool_result_moves_back_to_its_call():
    state = research_state(10, summary="notes", summary_upto=1 + 2 * 7 + 1)
    view = context_view(state, SETTINGS)
    assert view[3].tool_calls[0]["id"] == "c7"
    assert view[4].tool_call_id == "c7"


def test_a_call_without_a_result_gets_a_stand_in():
    state = research_state(2)
    state["messages"] = state["messages"][:-1]
    last = context_view(state, SETTINGS)[-1]
    assert (last.tool_call_id, last.content, last.status) == ("c1", MISSING, "error")


def test_parallel_results_written_out_of_order_follow_their_call():
    state = research_state(0)
    call = AIMessage(
        content="two at once",
        tool_calls=[
            {"name": "fetch", "args": {"n": n}, "id": f"p{n}", "type": "tool_call"} for n in (1, 2)
        ],
    )
    later = [ToolMessage(content=f"r{n}", tool_call_id=f"p{n}") for n in (2, 1)]
    state["messages"] += [call, HumanMessage(content="hint"), *later]
    view = context_view(state, SETTINGS)
    assert [getattr(m, "tool_call_id", m.content) for m in view[3:]] == ["p1", "p2", "hint"]


def test_an_orphan_result_is_left_out():
    state = research_state(1)
    state["messages"].append(ToolMessage(content="stray", tool_call_id="nope"))
    assert "nope" not in [m.tool_call_id for m in tool_results(context_view(state, SETTINGS))]


def test_view_grows_only_by_the_ai_turn_with_k5():
    from mirograph.memory import estimate_tokens

    small = estimate_tokens(context_view(research_state(100), SETTINGS))
    large = estimate_tokens(context_view(research_state(101), SETTINGS))
    turn = step_messages(100)
    stubbed = [turn[0], turn[1].model_copy(update={"content": OMITTED})]
    assert large - small == estimate_tokens(stubbed)


def test_results_pair_with_the_nearest_call_when_ids_repeat_across_turns():
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from mirograph.transcript import paired

    def turn(query: str) -> list:
        call = {"name": "lookup", "args": {"q": query}, "id": "call_0", "type": "tool_call"}
        return [
            AIMessage(content="", tool_calls=[call]),
            ToolMessage(content=f"result {query}", tool_call_id="call_0"),
        ]

    messages = [HumanMessage(content="q"), *turn("a"), *turn("b")]
    assert [m.content for m in paired(messages)] == ["q", "", "result a", "", "result b"]
