"""The transcript index gives exactly what the pure functions give over the same list."""

from __future__ import annotations

import random

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from mirograph import ResearchContext
from mirograph.memory.context_window import (
    SUMMARY_HEADER,
    stub_old_results,
    summary_start,
    view_tokens,
    view_with_tokens,
)
from mirograph.memory.tokens import estimate_tokens
from mirograph.memory.transcript_index import TranscriptIndex, index_for, repeated_calls
from mirograph.transcript import call_steps, paired, previous_calls, thread_ids


def random_transcript(rng: random.Random, turns: int) -> list[AnyMessage]:
    """Turns with parallel, late, missing, failed, duplicate-id and unparsable calls."""
    messages: list[AnyMessage] = [HumanMessage(content="q", id="h0")]
    late: list[ToolMessage] = []
    for turn in range(turns):
        calls = [
            {
                "name": rng.choice(["search", "fetch"]),
                "args": {"q": rng.choice(["a", "b", " A", "c"])},
                "id": rng.choice([f"c{turn}_{n}", "call_0"]),
                "type": "tool_call",
            }
            for n in range(rng.choice([0, 1, 1, 2, 3]))
        ]
        invalid = [
            {"name": "x", "args": "{", "id": None, "error": "bad", "type": "invalid_tool_call"}
        ]
        ai = AIMessage(
            content=f"thought {turn}",
            tool_calls=calls,
            invalid_tool_calls=invalid if rng.random() < 0.1 else [],
            id=f"ai{turn}",
        )
        messages.append(ai)
        results = [
            ToolMessage(
                content="r" * rng.randint(1, 300),
                tool_call_id=c["id"],
                name=c["name"],
                status=rng.choice(["success", "success", "error"]),
                id=f"t{turn}_{n}",
            )
            for n, c in enumerate(calls)
            if rng.random() < 0.9
        ]
        rng.shuffle(results)
        for result in results:
            (late if rng.random() < 0.15 else messages).append(result)
        if late and rng.random() < 0.3:
            messages.append(late.pop(0))
        if rng.random() < 0.05:
            messages.append(HumanMessage(content=f"note {turn}", id=f"n{turn}"))
    return messages


@pytest.mark.parametrize("seed", range(40))
def test_a_growing_transcript_matches_the_pure_functions_at_every_length(seed) -> None:
    rng = random.Random(seed)
    messages = random_transcript(rng, 40)
    index = TranscriptIndex()
    for length in range(1, len(messages) + 1):
        prefix = messages[:length]
        index.extend(prefix)
        start = rng.randint(1, max(1, length))
        keep = rng.choice([-1, 0, 1, 2, 5, 100])
        window, tokens = index.window(start, keep)
        expected = stub_old_results(paired(prefix[start:]), keep)
        assert [m.model_dump() for m in window] == [m.model_dump() for m in expected]
        assert tokens == estimate_tokens(expected)
        assert index.repeats == previous_calls(prefix)
        assert index.steps == call_steps(prefix)
        assert index.ids == thread_ids(prefix)


def test_the_view_and_its_estimate_equal_the_pure_view(tmp_path) -> None:
    messages = random_transcript(random.Random(7), 60)
    for upto in (0, 5, 17, 40):
        state = {"question": "q", "messages": messages, "summary": "notes", "summary_upto": upto}
        settings = ResearchContext(keep_tool_results=3)
        view, tokens = view_with_tokens(state, settings)
        start = summary_start(messages, upto)
        tail = stub_old_results(paired(messages[start:]), 3)
        assert view[1] is messages[0]
        assert view[2].content == f"{SUMMARY_HEADER}\n\nnotes"
        assert [m.model_dump() for m in view[3:]] == [m.model_dump() for m in tail]
        assert tokens == estimate_tokens(view)


def test_an_extended_list_reuses_the_index_and_a_changed_one_gets_a_new_one() -> None:
    messages = random_transcript(random.Random(3), 10)
    first = index_for(messages[:8])
    assert index_for(messages) is first
    assert len(first.messages) == len(messages)
    edited = [*messages[:4], AIMessage(content="other", id="x"), *messages[5:]]
    other = index_for(edited)
    assert other is not first
    assert other.repeats == previous_calls(edited)
    assert repeated_calls(messages[:3]) == previous_calls(messages[:3])


def test_the_estimate_without_a_view_equals_the_estimate_of_the_view() -> None:
    messages = random_transcript(random.Random(11), 60)
    for upto, keep, limit in ((0, 3, -1), (9, 0, 5), (30, -1, 3), (0, 5, 4)):
        state = {"question": "q", "messages": messages, "summary": "s", "summary_upto": upto}
        settings = ResearchContext(keep_tool_results=keep, max_ai_turn_chars=limit)
        assert view_tokens(state, settings) == estimate_tokens(view_with_tokens(state, settings)[0])


def test_the_same_list_read_again_after_growing_in_place_gives_the_longer_view() -> None:
    messages = random_transcript(random.Random(5), 20)
    held = messages[:10]
    first = index_for(held)
    assert index_for(held) is first
    held.extend(messages[10:])
    assert index_for(held).steps == call_steps(messages)
    held[-1] = AIMessage(content="replaced", id="replaced")
    assert index_for(held).ids == thread_ids(held)
