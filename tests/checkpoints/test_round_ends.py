"""Tool rounds end where the saver says the planner runs next, whatever the nodes between
are called: `fork --step` lands right with a user's node between the executor and the
planner, in a graph composed from mirograph's nodes."""

from __future__ import annotations

from functools import partial
from typing import Literal

from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from mirograph import InputState, OutputState, ResearchContext, Resources, ScriptedChatModel
from mirograph.branching import checkpoint_for_step, fork_at
from mirograph.checkpoints import open_checkpointer
from mirograph.fork_steps import fork_steps
from mirograph.nodes.executor import executor
from mirograph.nodes.finalizer import finalizer
from mirograph.nodes.planner import planner
from mirograph.nodes.summarizer import summarizer
from mirograph.nodes.verifier import verifier
from mirograph.state import ResearchState

SETTINGS = ResearchContext(verify="off")


@tool
def fetch(n: int) -> str:
    """Return page n."""
    return f"page {n}"


def compressor(state: ResearchState) -> Command[Literal["planner", "finalizer"]]:
    """A user's node after every tool round, reporting under its own name."""
    return Command(goto="planner", update={"activity": {"node": "compressor", "detail": "kept"}})


def composed(checkpointer):
    """The research graph with `compressor` between the executor and the planner."""
    res = Resources(model=ScriptedChatModel(policy=policy), tools=[fetch])
    builder = StateGraph(
        ResearchState,
        context_schema=ResearchContext,
        input_schema=InputState,
        output_schema=OutputState,
    )
    builder.add_node("planner", partial(planner, resources=res))
    builder.add_node("executor", partial(executor, resources=res))
    builder.add_node("compressor", compressor)
    builder.add_node("summarizer", partial(summarizer, resources=res))
    builder.add_node("verifier", partial(verifier, resources=res))
    builder.add_node("finalizer", partial(finalizer, resources=res))
    builder.add_edge(START, "planner")
    builder.add_edge("executor", "compressor")
    builder.add_edge("finalizer", END)
    return builder.compile(checkpointer=checkpointer)


def policy(messages: list) -> object:
    """Three rounds, one call each, then an answer (by what it holds, so a fork re-runs)."""
    done = sum(isinstance(m, ToolMessage) for m in messages)
    return {"tool_calls": [{"name": "fetch", "args": {"n": done + 1}}]} if done < 3 else "Done."


def test_fork_step_lands_after_the_round_whatever_runs_before_the_planner(tmp_path):
    config = {"configurable": {"thread_id": "t"}}
    with open_checkpointer(tmp_path / "db.sqlite") as saver:
        graph = composed(saver)
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
    assert forked.next == ("planner",)  # the fork's edit stands as the executor's
