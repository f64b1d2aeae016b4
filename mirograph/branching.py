"""Branching a research thread at a tool-call step, with optional edits at the fork.

It knows the research graph, so it lives beside the runner, not in the generic
`checkpoints` package. `fork_thread` copies a lineage; this module speaks in research
terms: `step=N` is the point right after the N-th tool call's result was applied, before
the next planner call (for parallel calls: the first step boundary at or after call N).
A note becomes a user message the planner reads next; a new budget becomes the branch's
stored settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import HumanMessage

from mirograph.checkpoints._records import StepInfo
from mirograph.checkpoints.fork import fork_thread
from mirograph.checkpoints.labels import find_thread
from mirograph.checkpoints.liveness import mark_paused
from mirograph.checkpoints.saver import MirographSaver, SaverCore
from mirograph.context import ResearchContext
from mirograph.errors import InputError
from mirograph.fork_steps import fork_steps, round_ends

NOTE_NAME = "fork_note"


def checkpoint_for_step(saver: MirographSaver, thread_id: str, step: int) -> str:
    """The checkpoint right after the `step`-th tool result (0: before the first planner call)."""
    lineage = saver.history(thread_id)
    for info, n in round_ends(lineage):
        if n >= step:
            return info.checkpoint_id
    made = max((info.tool_calls_used or 0 for info in lineage), default=0)
    calls = f"{made} tool call" if made == 1 else f"{made} tool calls"
    raise InputError(f"thread {thread_id!r} has no step {step}: it made {calls}")


def step_numbers(lineage: Sequence[StepInfo]) -> dict[str, int]:
    """The `step=` value that forks at each checkpoint of a lineage (`saver.history`),
    by checkpoint id: what `checkpoint_for_step` maps back; checkpoints no step reaches
    (inside a tool round) are absent."""
    return {info.checkpoint_id: n for info, n in fork_steps(lineage) if n is not None}


def resolve_checkpoint(saver: SaverCore, thread_id: str, given: str) -> str:
    """The full id of the thread's checkpoint that `given` names: the id, or any prefix of
    it unique in the thread (a cut id as a narrow table shows it, `…` and all)."""
    prefix = given.strip().rstrip("…").rstrip(".")
    if len(prefix) < 4:
        raise InputError(f"checkpoint id {given!r} is too short: give at least 4 characters")
    with saver._read() as cur:
        found = cur.execute(
            "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
            "AND substr(checkpoint_id, 1, ?) = ? ORDER BY checkpoint_id LIMIT 2",
            (str(thread_id), len(prefix), prefix),
        ).fetchall()
    if not found:
        raise InputError(
            f"thread {thread_id!r} has no checkpoint {given!r} (see `mirograph history "
            f"{thread_id}`)"
        )
    if len(found) > 1 and found[0][0] != prefix:
        raise InputError(
            f"checkpoint id {given!r} matches several checkpoints of {thread_id!r}: give more of it"
        )
    return found[0][0]


def fork_at(
    saver: MirographSaver,
    thread_id: str,
    settings: ResearchContext,
    *,
    step: int | None = None,
    checkpoint_id: str | None = None,
    new_thread_id: str | None = None,
    note: str | None = None,
    label: str | None = None,
) -> str:
    """Fork `thread_id` at a step or checkpoint into a new thread; return its id.

    The parent thread is never modified. `settings` (e.g. with a new budget) are stored
    with the branch, so `mirograph resume BRANCH` continues it with them. Copy, settings,
    note and `label` (the branch's readable name) are one transaction: all, or none.
    """
    if (step is None) == (checkpoint_id is None):
        raise InputError("give exactly one of step or checkpoint_id")
    if label is not None and find_thread(saver, label) is not None:
        raise InputError(f"there is a thread {label!r} already: name the branch otherwise")
    if checkpoint_id is None:
        checkpoint_id = checkpoint_for_step(saver, thread_id, step or 0)
    else:
        checkpoint_id = resolve_checkpoint(saver, thread_id, checkpoint_id)
    # One transaction: a crash mid-fork leaves no half-made branch, so a retry succeeds.
    with saver.atomic():
        child = fork_thread(
            saver, thread_id, checkpoint_id=checkpoint_id, new_thread_id=new_thread_id, note=note
        )
        saver.set_thread_settings(child, settings.with_absolute_paths().to_dict())
        if label is not None:
            saver.set_thread_label(child, label)
        edit_at_fork(saver, child, note)
        mark_paused(saver, child)  # ready to resume, nothing running it
    return child


def edit_at_fork(saver: MirographSaver, thread_id: str, note: str | None) -> None:
    """Restart the branch's wall clock and append the note, if any, for the next planner
    call, as if a tool round just ended."""
    from mirograph.graphs.research import build_research_graph

    graph = build_research_graph(checkpointer=saver)
    config = {"configurable": {"thread_id": thread_id}}
    values = graph.get_state(config).values
    update: dict[str, object] = {"started_at": 0.0}  # the planner restarts the clock
    if note:
        messages = [] if values.get("messages") else [HumanMessage(content=values["question"])]
        update["messages"] = [*messages, HumanMessage(content=note, name=NOTE_NAME)]
    # As the executor: its fixed edge leads to the planner.
    graph.update_state(config, update, as_node="executor")
