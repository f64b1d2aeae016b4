"""Running a research thread to the end, or to a clean pause.

`run_thread` streams a compiled graph with `durability="sync"` (a checkpoint is on disk
before the next step starts), reports progress to a callback, and honours a drain request
from `RunControl` (signals, another thread, a UI) at the next checkpoint boundary, so a
paused run has lost nothing and resumes with `graph.invoke(None, config)`.

A run with human review (`review="tools" | "answer"`) stops at `interrupt()`s: the result
lists them (`RunResult.interrupts`), and `run_thread(..., resume={interrupt_id: decision})`
answers them and goes on (see `mirograph.review` for the decisions).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability, Interrupt, StateSnapshot

from mirograph.checkpoints.liveness import mark_paused
from mirograph.checkpoints.saver import SaverCore
from mirograph.context import ResearchContext
from mirograph.errors import InputError
from mirograph.progress import is_progress_event
from mirograph.status import FINISHED


class RunControl:
    """Ask a running thread to pause at its next step boundary, from any thread."""

    def __init__(self) -> None:
        self._drain = threading.Event()

    def request_drain(self) -> None:
        """Stop after the step in flight is saved; safe to call from a signal handler."""
        self._drain.set()

    @property
    def draining(self) -> bool:
        return self._drain.is_set()


@dataclass
class Progress:
    """What a live display shows: counts, the node running, the last action."""

    thread_id: str
    budget: int
    window: int
    tool_calls_used: int = 0
    view_tokens: int = 0
    node: str = "planner"
    last_action: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class RunResult:
    """How a run (or one leg of it, until a pause) ended."""

    thread_id: str
    status: str
    answer: str
    tool_calls_used: int
    paused: bool
    values: dict[str, Any]
    interrupts: tuple[Interrupt, ...] = ()
    """Reviews the run waits for (status `waiting for review`); answer them with `resume=`."""

    @property
    def interrupted(self) -> bool:
        return bool(self.interrupts)


def run_thread(
    graph: CompiledStateGraph,
    *,
    thread_id: str,
    settings: ResearchContext,
    question: str | None = None,
    control: RunControl | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    durability: Durability = "sync",
    resume: dict[str, Any] | None = None,
    follow_up: str | None = None,
) -> RunResult:
    """Start (`question` given) or continue (`question=None`) a thread until it is done,
    drained, or waiting for a human review; or ask a finished thread a `follow_up`.

    A `question` for a thread that exists is refused (`InputError`), never quietly taken as
    a follow-up: say `follow_up=` for that (the transcript so far is kept and the new
    question joins it). `resume` answers pending interrupts: `{interrupt_id: decision}`
    (one map for all of them, as LangGraph needs when parallel tool calls wait at once).
    With mirograph's saver the run holds the thread's lease (one runner per thread;
    `ThreadBusy` otherwise) and the settings of a new run are stored with the thread.
    """
    if sum(x is not None for x in (question, resume, follow_up)) > 1:
        raise ValueError("give one of question= (a new thread), follow_up= or resume=")
    saver = graph.checkpointer if isinstance(graph.checkpointer, SaverCore) else None
    with saver.acquire_lease(thread_id) if saver else nullcontext() as lease:
        # The lease beats on its own timer; between steps, stop if a beat found it lost.
        heartbeat = lease.raise_if_lost if saver else _nothing
        if question is None and follow_up is None and resume is None:
            _check_started(graph, thread_id)
        # Checked under the lease, so two starts of one thread cannot both pass.
        question = _new_question(graph, thread_id, question, follow_up)
        if question is not None and saver is not None:  # stored by the next checkpoint
            saver.stage_thread_settings(thread_id, settings.with_absolute_paths().to_dict())
        result = _run(
            graph,
            thread_id,
            settings,
            question,
            control,
            on_progress,
            durability,
            resume,
            heartbeat,
        )
        if result.paused and saver is not None:  # still under the lease: `threads` says paused
            mark_paused(saver, thread_id)
        return result


def _new_question(
    graph: CompiledStateGraph, thread_id: str, question: str | None, follow_up: str | None
) -> str | None:
    """The question the run starts with (None: continue), after checking it fits the
    thread: a new question needs a new thread, a follow-up a finished one."""
    asked = follow_up if follow_up is not None else question
    if asked is None or graph.checkpointer is None:
        return asked
    saved = graph.checkpointer.get_tuple({"configurable": {"thread_id": thread_id}})
    status = saved.checkpoint["channel_values"].get("status") if saved else None
    if follow_up is None and saved is not None:
        raise InputError(
            f"thread {thread_id!r} already exists ({status or 'started'}): continue it with "
            "question=None, ask it a follow-up with follow_up=QUESTION, or use a new thread_id"
        )
    if follow_up is not None and status not in FINISHED:
        state = "does not exist" if saved is None else f"is not finished ({status or 'started'})"
        raise InputError(
            f"thread {thread_id!r} {state}: a follow-up goes to a finished thread "
            "(start a new one with question=, continue this one with question=None)"
        )
    return asked


def _run(
    graph: CompiledStateGraph,
    thread_id: str,
    settings: ResearchContext,
    question: str | None,
    control: RunControl | None,
    on_progress: Callable[[Progress], None] | None,
    durability: Durability,
    resume: dict[str, Any] | None,
    heartbeat: Callable[[], None],
) -> RunResult:
    control = control or RunControl()
    config = thread_config(thread_id, settings)
    progress = Progress(thread_id, settings.max_tool_calls, settings.context_window_tokens)
    if graph.checkpointer is not None:
        values = graph.get_state(config).values
        progress.tool_calls_used = values.get("tool_calls_used", 0)
        progress.view_tokens = values.get("view_tokens", 0)
    paused = False
    interrupts: list[Interrupt] = []
    if resume is not None:
        graph_input: Any = Command(resume=resume)
    else:
        graph_input = {"question": question} if question is not None else None
    stream = graph.stream(
        graph_input,
        config,
        context=settings,
        stream_mode=["updates", "checkpoints", "custom"],
        durability=durability,
    )
    for mode, chunk in stream:
        if mode == "checkpoints":
            if control.draining and chunk["next"]:
                paused = True
                break
            continue
        if mode == "custom":
            if not is_progress_event(chunk):
                continue  # a tool's own custom event
            _started(progress, chunk)
        else:
            for node, update in chunk.items():
                if node == "__interrupt__":
                    interrupts.extend(update)
                else:
                    _advance(progress, node, update)
        heartbeat()
        if on_progress:
            on_progress(progress)
    values: dict[str, Any] = {}
    if graph.checkpointer is not None:
        snapshot = graph.get_state(config)
        values = dict(snapshot.values)
        interrupts = list(snapshot.interrupts)  # the saved truth, also for earlier legs
    if paused:
        status = "paused"
    elif interrupts:
        status = "waiting for review"
    else:
        status = values.get("status", "failed")
    return RunResult(
        thread_id=thread_id,
        status=status,
        answer=values.get("answer", ""),
        tool_calls_used=values.get("tool_calls_used", progress.tool_calls_used),
        paused=paused,
        values=values,
        interrupts=tuple(interrupts),
    )


def _check_started(graph: CompiledStateGraph, thread_id: str) -> None:
    """A thread to continue must have a checkpoint (settings alone are not a start)."""
    config = {"configurable": {"thread_id": thread_id}}
    if graph.checkpointer is not None and graph.checkpointer.get_tuple(config) is None:
        raise InputError(
            f"thread {thread_id} has no saved step (it stopped before its first checkpoint): "
            f"start it again with `mirograph run QUESTION --thread {thread_id}`"
        )


def _nothing() -> None:
    """No lease to refresh (another checkpointer, or none)."""


def unfinished(snapshot: StateSnapshot) -> bool:
    """Whether a thread's head checkpoint still has work, so `invoke(None, config)` goes on.

    Not `snapshot.next`: it omits tasks whose writes are saved, so a run killed after every
    task of a step saved its writes, but before the step's checkpoint, shows `next == ()`
    mid-run. `tasks` lists every task of the head's step; a finished run has none.
    """
    return bool(snapshot.tasks)


def thread_config(thread_id: str, settings: ResearchContext) -> dict[str, Any]:
    """The LangGraph config of a thread; the recursion limit follows the tool budget."""
    return {
        "configurable": {"thread_id": thread_id},
        "recursion_limit": recursion_limit(settings),
    }


def recursion_limit(settings: ResearchContext) -> int:
    """Supersteps a run may need: two per tool round (three when it summarizes), plus
    verification rounds."""
    return max(10_000, 3 * settings.max_tool_calls + 10 * (settings.max_verifications + 2))


def _started(progress: Progress, event: dict[str, Any]) -> None:
    """A node began a slow step (model call, summary): show it before it finishes."""
    progress.node = event["node"]
    progress.tool_calls_used = event["tool_calls_used"]
    progress.view_tokens = event["view_tokens"] or progress.view_tokens
    progress.last_action = f"{event['node']}: {event['last_action']}"


def _advance(progress: Progress, node: str, update: Any) -> None:
    if not isinstance(update, dict):
        return
    progress.node = node
    progress.tool_calls_used += update.get("tool_calls_used", 0)
    progress.view_tokens = update.get("view_tokens", progress.view_tokens)
    activity = update.get("activity")
    if activity:
        progress.last_action = f"{activity['node']}: {activity['detail']}"
