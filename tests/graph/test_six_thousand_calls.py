"""Ten times the paper: 6,000 tool calls in one checkpointed thread (behaviour, not timing).

The per-round cost is measured by `bench/steps.py`; this checks that such a run
completes, counts every call, keeps the whole transcript and lists every call in
`mirograph history`.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.checkpoints import open_checkpointer
from mirograph.transcript import call_steps
from tests.cli.conftest import mirograph

pytestmark = pytest.mark.integration

CALLS = 6_000


@tool
def fetch(n: int) -> str:
    """Return page n."""
    return f"page {n}: " + "abcdefghij" * 100


def policy_for(calls: int):
    made = 0

    def policy(messages: list) -> object:
        nonlocal made
        if made >= calls:
            return "Done after every page."
        made += 1
        return {"tool_calls": [{"name": "fetch", "args": {"n": made}}]}

    return policy


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~75 s of CPU; a shared CI machine may stretch it past 300 s
def test_6000_calls_in_one_thread_complete_with_every_call_saved_and_listed(tmp_path):
    db = tmp_path / "db.sqlite"
    config = {"configurable": {"thread_id": "long"}, "recursion_limit": 4 * CALLS + 20}
    settings = ResearchContext(verify="off", max_tool_calls=CALLS)
    with open_checkpointer(db) as saver:
        graph = build_research_graph(
            model=ScriptedChatModel(policy=policy_for(CALLS)), tools=[fetch], checkpointer=saver
        )
        result = graph.invoke({"question": "Read every page."}, config, context=settings)
        messages = graph.get_state(config).values["messages"]

    assert (result["status"], result["answer"], result["tool_calls_used"]) == (
        "done",
        "Done after every page.",
        CALLS,
    )
    results = [m for m in messages if isinstance(m, ToolMessage)]
    assert [m.content.split(":")[0] for m in results] == [f"page {n}" for n in range(1, CALLS + 1)]
    assert sorted(call_steps(messages).values()) == list(range(1, CALLS + 1))
    assert sum(isinstance(m, AIMessage) for m in messages) == CALLS + 1

    listed = mirograph("history", "long", "--db", str(db), "--tool-calls-only", timeout=60)
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert [int(row[1]) for row in rows] == list(range(1, CALLS + 1))
    assert {row[2] for row in rows} == {"executor"}
