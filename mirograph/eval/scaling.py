"""The interaction-scaling curve: accuracy as a function of the tool-call budget.

One full run per task gives the whole curve. For each finished trajectory and budget b,
the thread is forked (a new thread; the parent is never modified) at the checkpoint right
after its last tool round that kept within b calls, "answer now" is forced on the fork
(`answer_now` set, routed straight to the finalizer), and the fork's answer is graded.
A trajectory that finished within b calls needs no fork: its own answer is the budget-b
answer. Forks are threads like any other, so a killed `--scaling` pass resumes too.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.types import Command

from mirograph.checkpoints import StepInfo, afork_thread
from mirograph.eval.data import Task
from mirograph.eval.progress import EvalProgress
from mirograph.fork_steps import round_ends
from mirograph.runner import thread_config, unfinished

if TYPE_CHECKING:
    from mirograph.eval.unit import EvalRun

ANSWER_NOW = "the tool-call budget of {budget} calls is spent"


def fork_point(history: Sequence[StepInfo], budget: int) -> str:
    """The checkpoint after the last tool round with at most `budget` calls used.

    That is a round's end (results applied, before the next planner call, see
    `fork_steps`); when even the first round went past the budget, the checkpoint before
    the first planner call.
    """
    rounds = [s for s, n in round_ends(history) if n <= budget]
    return rounds[-1].checkpoint_id if rounds else history[0].checkpoint_id


def fork_id_for(thread_id: str, budget: int) -> str:
    return f"{thread_id}@b{budget}"


async def answer_at_budget(ctx: EvalRun, row: dict[str, Any], budget: int) -> tuple[dict, float]:
    """Fork `row`'s thread at `budget`, force "answer now", run it; return (values, seconds)."""
    fork_id = fork_id_for(row["thread_id"], budget)
    config = thread_config(fork_id, ctx.settings)
    lease = await asyncio.to_thread(ctx.saver.acquire_lease, fork_id, "mirograph eval --scaling")
    async with lease:
        if await ctx.saver.aget_thread(fork_id) is None:
            history = await ctx.saver.ahistory(row["thread_id"])
            await afork_thread(
                ctx.saver,
                row["thread_id"],
                checkpoint_id=fork_point(history, budget),
                new_thread_id=fork_id,
                note=f"scaling: answer now after at most {budget} tool calls",
            )
        state = await ctx.graph.aget_state(config)
        if not state.values.get("answer_now") and state.next != ("finalizer",):
            force = Command(
                update={"answer_now": ANSWER_NOW.format(budget=budget)}, goto="finalizer"
            )
            await ctx.graph.aupdate_state(config, force, as_node="summarizer")
            state = await ctx.graph.aget_state(config)
        loop = asyncio.get_running_loop()
        started = loop.time()
        if unfinished(state):
            await ctx.graph.ainvoke(None, config, context=ctx.settings, durability="sync")
        seconds = loop.time() - started
    return dict((await ctx.graph.aget_state(config)).values), seconds


async def scaling_point(ctx: EvalRun, task: Task, row: dict[str, Any], budget: int) -> dict:
    """The graded budget-`budget` answer of one trajectory (recorded in the store)."""
    point: dict[str, Any] = {
        "thread_id": row["thread_id"],
        "task_id": row["task_id"],
        "run": row["run"],
        "budget": budget,
    }
    if row["status"] == "error" or row["tool_calls"] <= budget:
        point.update(
            source="full",
            fork_thread_id=None,
            answer=row["answer"],
            correct=bool(row["correct"]),
            tool_calls=row["tool_calls"],
        )
    else:
        async with ctx.limit:
            ctx.progress.started()
            values, _ = await answer_at_budget(ctx, row, budget)
            answer = str(values.get("answer", ""))
            verdict = await ctx.judge.agrade(task, answer)
            point.update(
                source="fork",
                fork_thread_id=fork_id_for(row["thread_id"], budget),
                answer=answer,
                correct=verdict.correct,
                tool_calls=int(values.get("tool_calls_used", 0)),
            )
            ctx.progress.finished(point)
    ctx.store.put_scaling_point(point)
    return point


async def run_scaling(
    ctx: EvalRun,
    tasks: Sequence[Task],
    rows: Sequence[dict[str, Any]],
    budgets: Sequence[int],
    show_progress: bool,
) -> list[dict[str, Any]]:
    """Every (trajectory, budget) point, computing those the store does not hold yet."""
    by_id = {task.task_id: task for task in tasks}
    stored = ctx.store.scaling_points()
    wanted = [(row, b) for row in rows for b in budgets]
    todo = [(row, b) for row, b in wanted if (row["thread_id"], b) not in stored]
    forks = sum(row["status"] != "error" and row["tool_calls"] > b for row, b in todo)
    ctx.progress = EvalProgress(forks, label="scaling", enabled=show_progress)
    try:
        async with asyncio.TaskGroup() as group:
            futures = [
                group.create_task(scaling_point(ctx, by_id[row["task_id"]], row, b))
                for row, b in todo
            ]
    finally:
        ctx.progress.close()
    fresh = {(p["thread_id"], p["budget"]): p for p in (f.result() for f in futures)}
    return [stored.get((row["thread_id"], b)) or fresh[(row["thread_id"], b)] for row, b in wanted]


def scaling_curve(points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per budget over all trajectories (avg over tasks and runs)."""
    budgets = sorted({int(p["budget"]) for p in points})
    accuracy = [
        round(statistics.fmean(bool(p["correct"]) for p in points if p["budget"] == b), 4)
        for b in budgets
    ]
    return {
        "budgets": budgets,
        "accuracy": accuracy,
        "forks": sum(p["source"] == "fork" for p in points),
        "trajectories": len({p["thread_id"] for p in points}),
    }


def plot_scaling(curve: dict[str, Any], path: Path) -> Path | None:
    """Accuracy vs. tool-call budget as a PNG (log-2 x axis when the budgets span >8×);
    None when matplotlib (the `plot` extra) is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    try:
        ax.plot(curve["budgets"], [100 * a for a in curve["accuracy"]], marker="o")
        if curve["budgets"] and max(curve["budgets"]) > 8 * min(curve["budgets"]):
            ax.set_xscale("log", base=2)
        ax.set_xticks(curve["budgets"], [str(b) for b in curve["budgets"]])
        ax.set_xlabel("tool-call budget")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"Interaction scaling ({curve['trajectories']} trajectories)")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
