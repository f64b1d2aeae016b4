"""Tool rounds end where the saver says the planner runs next, whatever the nodes between
are called: `fork --step` lands right with a user's node in the summarizer's place."""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langgraph.types import Command

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.branching import checkpoint_for_step, fork_at
from mirograph.checkpoints import open_checkpointer
from mirograph.fork_steps import fork_steps
from mirograph.state import ResearchState

SETTINGS = ResearchContext(verify="off")


@tool
def fetch(n: int) -> str:
    """Return page n."""
    return f"page {n}"


def compressor(state: ResearchState) -> Command[Literal["planner", "finalizer"]]:
    """A user's context manager in the summarizer's place, reporting under its own name."""
    return Command(goto="planner", update={"activity": {"node": "compressor", "detail": "kept"}})


def policy(messages: list) -> object:
    """Three rounds, one call each, then an answer (by what it holds, so a fork re-runs)."""
    done = sum(isinstance(m, ToolMessage) for m in messages)
    return {"tool_calls": [{"name": "fetch", "args": {"n": done + 1}}]} if done < 3 else "Done."


def test_fork_step_lands_after_the_round_when_the_summarizer_is_replaced(tmp_path):
    config = {"configurable": {"thread_id": "t"}}
    with open_checkpointer(tmp_path / "db.sqlite") as saver:
        graph = build_research_graph(
            model=ScriptedChatModel(policy=policy),
            tools=[fetch],
            checkpointer=saver,
            summarizer=compressor,
        )
        graph.invoke({"question": "q"}, config, context=SETTINGS)
        lineage = saver.history("t")
        ends = {info.checkpoint_id: n for info, n in fork_steps(lineage) if n is not None}
        at_two = checkpoint_for_step(saver, "t", 2)
        branch = fork_at(saver, "t", SETTINGS, step=2, new_thread_id="b")
        forked = graph.get_state({"configurable": {"thread_id": branch}})

    assert sorted(ends.values()) == [0, 1, 2, 3]
    assert [(s.node, s.tool_calls_used, s.next_nodes) for s in lineage if s.checkpoint_id in ends][
        1:
    ] == [("compressor", n, ("planner",)) for n in (1, 2, 3)]
    assert ends[at_two] == 2
    assert [m.content for m in forked.values["messages"] if isinstance(m, ToolMessage)] == [
        "page 1",
        "page 2",
    ]
    assert forked.next == ("summarizer",)  # the fork's edit stands as the executor's
