"""The unit of work of an eval: advance one (task, run) thread, grade it, record it once.

`EvalRun.job` is idempotent (a recorded result is returned as it is; a half-done thread
continues from its latest checkpoint under its lease), so every engine dispatches it:
the local engine as asyncio tasks, the Ray engine on actors that may die and restart.
`build_eval_run` gives one process (the driver, or one Ray worker) what its jobs share.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph

from mirograph.checkpoints import SaverCore
from mirograph.context import ResearchContext
from mirograph.errors import InputError, MirographError
from mirograph.eval.data import Task
from mirograph.eval.judges import Judge, JudgeKind
from mirograph.eval.models import rate_limited, resolve_eval_model
from mirograph.eval.progress import EvalProgress
from mirograph.eval.store import EvalStore, usable
from mirograph.eval.usage import DEFAULT_PRICES, cost_usd, transcript_usage
from mirograph.graphs.research import build_research_graph
from mirograph.resources import Resources
from mirograph.runner import thread_config, unfinished

log = logging.getLogger(__name__)


def thread_id_for(task_id: str, run: int) -> str:
    """`TASK.rN`: the thread of run N (1-based) of a task."""
    return f"{task_id}.r{run}"


@dataclass
class EvalRun:
    """Everything the jobs of one eval share."""

    settings: ResearchContext
    saver: SaverCore
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
                # Stored by the first checkpoint, in its transaction: a kill before it
                # leaves no settings-only thread.
                self.saver.stage_thread_settings(thread_id, self.settings.to_dict())
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
        """Run, grade and record one (task, run): the unit of work every engine dispatches.

        Idempotent: a usable recorded result is returned untouched; otherwise the thread
        continues from its latest checkpoint. The row is written only once it is whole,
        and the row returned is the one recorded first (a retried job never duplicates).
        """
        thread_id = thread_id_for(task.task_id, run)
        async with self.limit:
            recorded = await asyncio.to_thread(self.store.result, thread_id)
            if recorded is not None and usable(recorded):
                return recorded
            seconds, resumed, error = await self.advance(thread_id, task.prompt)
            row = await self.outcome(thread_id, task, error)
            row.update(run=run, wall_time_s=round(seconds, 3), resumed=resumed)
            return await asyncio.to_thread(self.store.put_result, row)


def build_eval_run(
    saver: SaverCore,
    settings: ResearchContext,
    *,
    model: BaseChatModel | None,
    tools: Sequence[BaseTool] | None,
    judge_model: BaseChatModel | None,
    judge_kind: JudgeKind,
    concurrency: int,
    requests_per_second: float | None,
    prices: dict[str, tuple[float, float]] | None,
) -> EvalRun:
    """Everything one process needs to run jobs (the driver, or one Ray worker).

    Models and tools given as objects are used as they are; otherwise they come from
    `settings` (model string, enabled tools, corpus). Sync nodes and the saver run in the
    loop's executor: every job gets its own threads.
    """
    model = rate_limited(model or resolve_eval_model(settings.model, settings), requests_per_second)
    if tools is None:
        tools = list(Resources().tools_for(settings).values())
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=4 * concurrency + 4)
    )
    store = EvalStore(saver)
    return EvalRun(
        settings=settings,
        saver=saver,
        graph=build_research_graph(model=model, tools=tools, checkpointer=saver),
        store=store,
        judge=Judge(judge_model, kind=judge_kind, cache=store),
        limit=asyncio.Semaphore(concurrency),
        model_name=settings.model,
        prices=dict(prices or DEFAULT_PRICES),
    )
