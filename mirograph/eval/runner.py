"""Running a benchmark: every (task, run) a thread in one database, many at once.

The unit of work is `EvalRun.job`: advance one (task, run) thread from its latest
checkpoint to its end, grade it and record its result once. It is idempotent (a recorded
result is returned as it is; a half-done thread continues from its checkpoint), so every
engine dispatches the same unit: the local engine as asyncio tasks under a concurrency
limit, the Ray engine (`ray_engine`) on actors that may die and be restarted. Each job
runs through `graph.ainvoke` with `durability="sync"`, so a killed eval has lost at most
the step each job had in flight. Rerun with `resume=True`: jobs with a result row are
skipped, threads with checkpoints continue with `ainvoke(None, config)` from their last
checkpoint, and the rest start. A failing job (a provider error, a bug in a custom tool)
becomes a result with status `error` and its message; `resume` retries it from its
checkpoint. Mistakes of the user (`MirographError`) stop the eval before or as it starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from mirograph.checkpoints import aopen_checkpointer, is_database_url
from mirograph.context import ResearchContext
from mirograph.errors import InputError, MirographError
from mirograph.eval.data import Task
from mirograph.eval.judges import JudgeKind
from mirograph.eval.models import resolve_eval_model
from mirograph.eval.progress import EvalProgress
from mirograph.eval.results import EvalReport, write_outputs
from mirograph.eval.store import EvalStore, usable
from mirograph.eval.unit import EvalRun, build_eval_run, thread_id_for
from mirograph.resources import Resources

log = logging.getLogger(__name__)
DB_NAME = "eval.sqlite"
Engine = Literal["local", "ray"]


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
    db: str | None = None,
    engine: Engine = "local",
    workers: int = 1,
    ray_address: str | None = None,
) -> EvalReport:
    """Evaluate `tasks` into `out_dir` (results.jsonl, summary.json, scaling.png).

    Threads and results go to `db` (a `postgresql://` URL, or a file), by default
    `out_dir/eval.sqlite`. `engine="ray"` spreads the jobs over `workers` Ray actors
    (`concurrency` jobs each) sharing a PostgreSQL `db`; it starts a local Ray unless
    `ray_address` names a cluster. Models and tools given as objects are used as they
    are (and sent to the workers); otherwise they come from `settings`.
    """
    if runs < 1 or concurrency < 1 or workers < 1:
        raise InputError("--runs, --concurrency and --workers must be at least 1")
    if any(b < 1 for b in scaling):
        raise InputError("--scaling budgets must be positive tool-call counts")
    if engine == "ray" and not is_database_url(db):
        raise InputError("--engine ray needs a shared database: pass --db postgresql://...")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = db or str(out / DB_NAME)
    if not is_database_url(target) and Path(target).exists() and not resume:
        raise InputError(f"{out} already holds an eval: pass --resume, or use a new --out")
    options = dict(
        model=model,
        tools=tools,
        judge_model=judge_model,
        judge_kind=judge_kind,
        concurrency=concurrency,
        requests_per_second=requests_per_second,
        prices=prices,
    )
    # Resolved before the database is opened: a mistake there creates nothing.
    resolved = dict(
        options,
        model=model or resolve_eval_model(settings.model, settings),
        tools=list(Resources().tools_for(settings).values()) if tools is None else tools,
    )
    async with aopen_checkpointer(target) as saver:
        ctx = build_eval_run(saver, settings, **resolved)  # type: ignore[arg-type]
        if is_database_url(target) and ctx.store.get_meta("settings") is not None and not resume:
            raise InputError(f"{db} already holds an eval: pass --resume, or use a new --db")
        _check_resumable(ctx.store, settings, resume)
        if engine == "ray":
            from mirograph.eval.ray_engine import RayEngine, WorkerSpec

            spec = WorkerSpec(db=target, settings=settings, **options)  # type: ignore[arg-type]
            with RayEngine(spec, workers=workers, address=ray_address) as pool:
                rows = await _run_jobs(ctx, tasks, runs, show_progress, on_result, pool.job)
        else:
            rows = await _run_jobs(ctx, tasks, runs, show_progress, on_result, ctx.job)
        points: list[dict[str, Any]] = []
        if scaling:
            from mirograph.eval.scaling import run_scaling

            points = await run_scaling(ctx, tasks, rows, sorted(set(scaling)), show_progress)
        return write_outputs(out, tasks, rows, points, runs=runs, model=settings.model)


async def _run_jobs(
    ctx: EvalRun,
    tasks: Sequence[Task],
    runs: int,
    show_progress: bool,
    on_result: Callable[[dict[str, Any]], None] | None,
    dispatch: Callable[[Task, int], Awaitable[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Dispatch every job without a usable result row; return all rows of this eval."""
    recorded = ctx.store.results()
    kept_rows = {tid: row for tid, row in recorded.items() if usable(row)}
    jobs = [(task, run) for run in range(1, runs + 1) for task in tasks]
    todo = [(t, r) for t, r in jobs if thread_id_for(t.task_id, r) not in kept_rows]
    kept = [kept_rows[tid] for t, r in jobs if (tid := thread_id_for(t.task_id, r)) in kept_rows]
    ctx.progress = EvalProgress(
        len(jobs),
        enabled=show_progress,
        done=len(kept),
        correct=sum(bool(row["correct"]) for row in kept),
        tokens=sum(row["tokens_in"] + row["tokens_out"] for row in kept),
    )

    async def one(task: Task, run: int) -> dict[str, Any]:
        ctx.progress.started()
        row = await dispatch(task, run)
        ctx.progress.finished(row)
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
