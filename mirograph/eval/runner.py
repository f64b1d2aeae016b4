"""Running a benchmark: every (task, run) a thread in one SQLite file, many at once.

Jobs run as asyncio tasks under a concurrency limit, each through `graph.ainvoke` with the
async API of the project saver and `durability="sync"`, so a killed eval has lost at most
the step each job had in flight. Rerun with `resume=True`: jobs with a result row are
skipped, threads with checkpoints continue with `ainvoke(None, config)` from their last
checkpoint, and the rest start. A failing job (a provider error, a bug in a custom tool)
becomes a result with status `error` and its message; `resume` retries it from its
checkpoint. Mistakes of the user (`MirographError`) stop the eval before or as it starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph

from mirograph.checkpoints import MirographSaver, aopen_checkpointer
from mirograph.context import ResearchContext
from mirograph.errors import InputError, MirographError
from mirograph.eval.data import Task
from mirograph.eval.judges import Judge, JudgeKind
from mirograph.eval.models import rate_limited, resolve_eval_model
from mirograph.eval.progress import EvalProgress
from mirograph.eval.results import EvalReport, write_outputs
from mirograph.eval.store import EvalStore
from mirograph.eval.usage import DEFAULT_PRICES, cost_usd, transcript_usage
from mirograph.graphs.research import build_research_graph
from mirograph.resources import Resources
from mirograph.runner import thread_config, unfinished

log = logging.getLogger(__name__)
DB_NAME = "eval.sqlite"


def thread_id_for(task_id: str, run: int) -> str:
    """`TASK.rN`: the thread of run N (1-based) of a task."""
    return f"{task_id}.r{run}"


@dataclass
class EvalRun:
    """Everything the jobs of one eval share."""

    settings: ResearchContext
    saver: MirographSaver
    graph: CompiledStateGraph
    store: EvalStore
    judge: Judge
    limit: asyncio.Semaphore
    model_name: str
    prices: dict[str, tuple[float, float]]
    progress: EvalProgress = field(default_factory=lambda: EvalProgress(0, enabled=False))

    async def advance(self, thread_id: str, question: str | None) -> tuple[float, bool, str]:
        """Start (`question`) or continue the thread under its lease until it ends.

        Returns (seconds spent, whether it resumed from a checkpoint, error message).
        """
        config = thread_config(thread_id, self.settings)
        lease = await asyncio.to_thread(self.saver.acquire_lease, thread_id, "mirograph eval")
        async with lease:
            if await self.saver.aget_tuple(config) is None:
                if question is None:
                    raise InputError(f"thread {thread_id} has no checkpoint to continue from")
                await self.saver.aset_thread_settings(thread_id, self.settings.to_dict())
                payload: dict[str, Any] | None = {"question": question}
                resumed = False
            elif unfinished(await self.graph.aget_state(config)):  # not `.next`: see there
                payload, resumed = None, True
            else:
                return 0.0, False, ""  # finished before a kill, not yet recorded
            started = time.monotonic()
            try:
                await self.graph.ainvoke(payload, config, context=self.settings, durability="sync")
            except MirographError:
                raise
            except Exception as exc:  # recorded as status "error"; resume retries it
                log.warning("run %s failed", thread_id, exc_info=True)
                return time.monotonic() - started, resumed, f"{type(exc).__name__}: {exc}"
            return time.monotonic() - started, resumed, ""

    async def outcome(self, thread_id: str, task: Task, error: str) -> dict[str, Any]:
        """Answer, status, counters, usage and verdict of a thread, as a result row."""
        values = (await self.graph.aget_state(thread_config(thread_id, self.settings))).values
        answer = "" if error else str(values.get("answer", ""))
        verdict = await self.judge.agrade(task, answer)
        usage = transcript_usage(values.get("messages", []))
        return {
            "thread_id": thread_id,
            "task_id": task.task_id,
            "answer": answer,
            "ground_truth": task.ground_truth,
            "correct": verdict.correct,
            "verdict": "correct" if verdict.correct else "incorrect",
            "judge": verdict.method,
            "judge_detail": verdict.detail,
            "status": "error" if error else str(values.get("status", "failed")),
            "error": error,
            "tool_calls": int(values.get("tool_calls_used", 0)),
            "tokens_in": usage.tokens_in,
            "tokens_out": usage.tokens_out,
            "tokens_estimated": usage.estimated,
            "cost_usd": cost_usd(self.model_name, usage.tokens_in, usage.tokens_out, self.prices),
        }

    async def job(self, task: Task, run: int) -> dict[str, Any]:
        """Run, grade and record one (task, run); the row is written only once it is whole."""
        thread_id = thread_id_for(task.task_id, run)
        async with self.limit:
            self.progress.started()
            seconds, resumed, error = await self.advance(thread_id, task.prompt)
            row = await self.outcome(thread_id, task, error)
            row.update(run=run, wall_time_s=round(seconds, 3), resumed=resumed)
            self.store.put_result(row)
            self.progress.finished(row)
        return row


async def arun_eval(
    tasks: Sequence[Task],
    *,
    out_dir: str | Path,
    settings: ResearchContext,
    model: BaseChatModel | None = None,
    tools: Sequence[BaseTool] | None = None,
    judge_model: BaseChatModel | None = None,
    judge_kind: JudgeKind = "equivalence",
    runs: int = 1,
    concurrency: int = 4,
    resume: bool = False,
    scaling: Sequence[int] = (),
    requests_per_second: float | None = None,
    prices: dict[str, tuple[float, float]] | None = None,
    show_progress: bool = False,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> EvalReport:
    """Evaluate `tasks` into `out_dir` (eval.sqlite, results.jsonl, summary.json, scaling.png).

    Models and tools given as objects are used as they are; otherwise they come from
    `settings` (model string, enabled tools, corpus), resolved before any work starts.
    """
    if runs < 1 or concurrency < 1:
        raise InputError("--runs and --concurrency must be at least 1")
    if any(b < 1 for b in scaling):
        raise InputError("--scaling budgets must be positive tool-call counts")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / DB_NAME
    if db.exists() and not resume:
        raise InputError(f"{out} already holds an eval: pass --resume, or use a new --out")
    model = rate_limited(model or resolve_eval_model(settings.model, settings), requests_per_second)
    if tools is None:
        tools = list(Resources().tools_for(settings).values())
    loop = asyncio.get_running_loop()
    # Sync nodes and the saver run in the loop's executor: give every job its own threads.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=4 * concurrency + 4))
    async with aopen_checkpointer(db) as saver:
        store = EvalStore(db)
        try:
            _check_resumable(store, settings, resume)
            ctx = EvalRun(
                settings=settings,
                saver=saver,
                graph=build_research_graph(model=model, tools=tools, checkpointer=saver),
                store=store,
                judge=Judge(judge_model, kind=judge_kind, cache=store),
                limit=asyncio.Semaphore(concurrency),
                model_name=settings.model,
                prices=dict(prices or DEFAULT_PRICES),
            )
            rows = await _run_jobs(ctx, tasks, runs, show_progress, on_result)
            points: list[dict[str, Any]] = []
            if scaling:
                from mirograph.eval.scaling import run_scaling

                points = await run_scaling(ctx, tasks, rows, sorted(set(scaling)), show_progress)
            return write_outputs(out, tasks, rows, points, runs=runs, model=settings.model)
        finally:
            store.close()


async def _run_jobs(
    ctx: EvalRun,
    tasks: Sequence[Task],
    runs: int,
    show_progress: bool,
    on_result: Callable[[dict[str, Any]], None] | None,
) -> list[dict[str, Any]]:
    """Run every job without a usable result row; return all rows of this eval."""
    recorded = ctx.store.results()
    usable = {tid: row for tid, row in recorded.items() if _usable(row)}
    jobs = [(task, run) for run in range(1, runs + 1) for task in tasks]
    todo = [(t, r) for t, r in jobs if thread_id_for(t.task_id, r) not in usable]
    kept = [usable[tid] for t, r in jobs if (tid := thread_id_for(t.task_id, r)) in usable]
    ctx.progress = EvalProgress(
        len(jobs),
        enabled=show_progress,
        done=len(kept),
        correct=sum(bool(row["correct"]) for row in kept),
        tokens=sum(row["tokens_in"] + row["tokens_out"] for row in kept),
    )

    async def one(task: Task, run: int) -> dict[str, Any]:
        row = await ctx.job(task, run)
        if on_result is not None:
            on_result(row)
        return row

    try:
        async with asyncio.TaskGroup() as group:  # one failure cancels the siblings
            futures = [group.create_task(one(t, r)) for t, r in todo]
    except BaseExceptionGroup as failed:
        raise first_error(failed) from None
    finally:
        ctx.progress.close()
    return [*kept, *(f.result() for f in futures)]


def first_error(group: BaseExceptionGroup) -> BaseException:
    """The error to report from a task group: a user's mistake first, else the first."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        exc = pending.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(exc.exceptions)
        else:
            leaves.append(exc)
    return next((e for e in leaves if isinstance(e, MirographError)), leaves[0])


def _usable(row: dict[str, Any]) -> bool:
    """A recorded result that resume keeps: the run ended and the judge answered."""
    return row["status"] != "error" and row["judge"] != "error"


def _check_resumable(store: EvalStore, settings: ResearchContext, resume: bool) -> None:
    """A resumed eval must keep the settings its threads were started with."""
    key = {"model": settings.model, "max_tool_calls": settings.max_tool_calls}
    stored = store.get_meta("settings")
    if stored is None:
        store.set_meta("settings", key)
    elif resume and stored != key:
        raise InputError(
            f"the eval was started with {stored}; resume it with the same settings "
            "or use a new --out"
        )


def run_eval(tasks: Sequence[Task], **kwargs: Any) -> EvalReport:
    """`arun_eval` for synchronous callers (scripts, tests, the CLI)."""
    return asyncio.run(arun_eval(tasks, **kwargs))
