"""Property: no sequence of replies a model sends can crash a run or break the wire.

Replies are generated with calls without ids or with repeated ids (within a turn and across
turns), repeated message ids, unparsable calls, unknown tools, repeated calls, content
blocks with reasoning, empty replies and 60,000-character replies. At most two replies
without visible text come in a row (three end the run on purpose: see
test_replies_in_runs). Every run must end `done` or `exhausted`, and every input the model
was given must be valid on the OpenAI wire.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, ToolMessage

from mirograph import ResearchContext
from mirograph.transcript import call_ids, is_empty_reply

from .runs import queued, run
from .wire import wire_problems

SETTINGS = ResearchContext(verify="rules", max_tool_calls=6, keep_tool_results=2)
IDS = st.sampled_from([None, "", "call_0", "dup", "x1"])
HUGE = "z" * 60_000

# Named, then expanded: a 60,000-character literal in the strategy would bloat its repr.
LONG = {"HUGE": HUGE, "HUGE_THOUGHT": f"<think>{HUGE}</think>ok"}
texts = st.sampled_from(["", "checking", "It is 42.", "HUGE", "HUGE_THOUGHT"]).map(
    lambda name: LONG.get(name, name)
)
contents = st.one_of(
    texts,
    st.builds(
        lambda thought, text: [
            {"type": "reasoning", "reasoning": thought},
            {"type": "text", "text": text},
        ],
        st.sampled_from(["", "hmm", "HUGE"]).map(lambda name: LONG.get(name, name)),
        texts,
    ),
)
calls = st.builds(
    lambda name, q, call_id: {"name": name, "args": {"q": q}, "id": call_id, "type": "tool_call"},
    st.sampled_from(["lookup", "lookup", "no_such_tool"]),
    st.sampled_from(["a", "b", " A "]),  # " A " repeats "a" once normalized
    IDS,
)
invalid_calls = st.builds(
    lambda name, call_id: {
        "name": name,
        "args": '{"q": ',
        "id": call_id,
        "error": "bad JSON",
        "type": "invalid_tool_call",
    },
    st.sampled_from(["lookup", None]),
    IDS,
)
replies = st.builds(
    lambda content, tool_calls, invalid, message_id: AIMessage(
        content=content, tool_calls=tool_calls, invalid_tool_calls=invalid, id=message_id
    ),
    contents,
    st.lists(calls, max_size=3),
    st.lists(invalid_calls, max_size=2),
    st.sampled_from([None, "m1", "m2"]),
)


def has_text(reply: AIMessage) -> bool:
    """Text the finalizer can answer with (its "answer now" drops calls)."""
    return not is_empty_reply(reply.model_copy(update={"tool_calls": [], "invalid_tool_calls": []}))


# A group: up to two replies without text, then one with text (that may call tools too).
groups = st.tuples(
    st.lists(replies.filter(lambda r: not has_text(r)), max_size=2),
    replies.filter(has_text),
).map(lambda g: [*g[0], g[1]])
scripts = st.lists(groups, min_size=1, max_size=5).map(lambda gs: [r for g in gs for r in g])


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(scripts)
def test_any_replies_end_done_or_exhausted_with_every_input_valid_on_the_wire(script):
    model = queued(script)
    state = run(model, SETTINGS)
    assert state["status"] in ("done", "exhausted")
    assert state["tool_calls_used"] <= SETTINGS.max_tool_calls
    assert len(model.inputs) == model.calls > 0  # every input was kept and checked
    for seen in model.inputs:
        assert wire_problems(seen) == []
    messages = state["messages"]
    ai = [m for m in messages if isinstance(m, AIMessage)]
    ids = [i for m in ai for i in call_ids(m)]
    assert all(ids) and len(set(ids)) == len(ids)
    answered = Counter(m.tool_call_id for m in messages if isinstance(m, ToolMessage))
    assert answered == Counter(ids)  # every call exactly one stored result
    assert len({m.id for m in messages}) == len(messages)  # no turn replaced another
    assert not any(is_empty_reply(m) for m in ai)
