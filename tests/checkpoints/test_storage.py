"""What the saver does not store twice: the transcript snapshots LangGraph's superstep
bound asks for (replay of the stored writes rebuilds them exactly)."""

from __future__ import annotations

import langgraph.pregel._checkpoint as pregel_checkpoint
import pytest

import mirograph.checkpoints._snapshots as snapshots_module
from tests.checkpoints.conftest import build_loop, config, contents, start


@pytest.fixture
def bound_of_4(monkeypatch):
    """LangGraph's `DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT` (5,000) lowered to 4 supersteps."""
    monkeypatch.setattr(pregel_checkpoint, "DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT", 4)
    monkeypatch.setattr(snapshots_module, "DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT", 4)


def test_superstep_snapshots_are_not_stored_and_the_state_is_exact(bound_of_4, saver):
    graph = build_loop(5).compile(checkpointer=saver)
    graph.invoke(start(), config("t1"), durability="sync")
    reset = [
        s for s in saver.list(config("t1"))
        if "messages" not in s.metadata.get("counters_since_delta_snapshot", {})
        and s.metadata["step"] > 0
    ]  # fmt: skip

    # LangGraph snapshotted every 4 supersteps (its counters reset there).
    assert sorted(s.metadata["step"] for s in reset) == [2, 6, 10]
    assert [s.checkpoint["channel_values"].get("messages") for s in reset] == [None] * 3
    assert contents(graph.get_state(config("t1")).values) == [
        "why?",
        *[x for n in range(5) for x in (f"<call-{n}>", f"result {n + 1}")],
        "answer",
    ]
    for snapshot in reset:  # each checkpoint that would have held a seed loads exactly
        state = graph.get_state(snapshot.config)
        assert len(state.values["messages"]) == 1 + snapshot.metadata["step"]
