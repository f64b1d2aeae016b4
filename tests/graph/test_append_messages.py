"""`append_messages` (the transcript's reducer) is `add_messages`, fast path or not."""

from __future__ import annotations

import random

import pytest
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage
from langgraph.graph.message import add_messages

from mirograph.state import append_messages


def batch(rng: random.Random, step: int, known: list[str]) -> list:
    messages = []
    for n in range(rng.choice([1, 1, 2, 3])):
        kind = rng.random()
        if known and kind < 0.1:
            messages.append(AIMessage(content=f"edit {step}", id=rng.choice(known)))
        elif known and kind < 0.15:
            messages.append(RemoveMessage(id=known.pop(rng.randrange(len(known)))))
        elif kind < 0.25:
            messages.append(HumanMessage(content=f"no id {step}"))
        else:
            messages.append(
                ToolMessage(content=f"r{step}", tool_call_id=f"c{step}", id=f"m{step}_{n}")
            )
    return messages


@pytest.mark.parametrize("seed", range(20))
def test_a_chain_of_updates_gives_what_add_messages_gives(seed) -> None:
    rng = random.Random(seed)
    ours: list = []
    stock: list = []
    for step in range(200):
        update = batch(rng, step, [m.id for m in stock])
        twin = [m.model_copy() for m in update]
        ours = append_messages(ours, [update])
        stock = add_messages(stock, twin)
        for a, b in zip(update, twin, strict=True):  # the same ids for id-less messages
            if b.id != a.id and isinstance(a, HumanMessage):
                stock = [a if m is b else m for m in stock]
        assert [(m.id, m.content) for m in ours] == [(m.id, m.content) for m in stock]


def test_a_branch_from_an_earlier_list_does_not_see_the_later_ids() -> None:
    base = append_messages([], [[HumanMessage(content="q", id="q")]])
    later = append_messages(base, [[AIMessage(content="a", id="a")]])
    branch = append_messages(base, [[AIMessage(content="b", id="a")]])
    assert [(m.id, m.content) for m in later] == [("q", "q"), ("a", "a")]
    assert [(m.id, m.content) for m in branch] == [("q", "q"), ("a", "b")]
