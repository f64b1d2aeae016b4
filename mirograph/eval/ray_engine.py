"""The Ray engine of `mirograph eval`: (task, run) jobs spread over Ray actors.

Each actor (`EvalWorker`) opens its own PostgreSQL saver (a connection pool), graph and
judge, and runs `EvalRun.job` — the same idempotent unit the local engine runs — for up
to `concurrency` jobs at once. The driver only dispatches jobs and collects their rows.

What survives what:
- an actor process that dies (killed, out of memory) is restarted by Ray and the jobs it
  had are sent to it again; each continues from its thread's last checkpoint (the dead
  holder's lease is taken over), and the row recorded first is the one every retry
  returns, so no result is lost or written twice;
- the driver dying stops the eval; `--resume` continues it from the database.

Without `address` a local Ray is started on loopback and stopped at the end (Ray's usage
statistics off; a local cluster needs `RAY_AUTH_MODE=disabled` in Ray 2.60, set here
only if unset). Needs the `ray` extra: `pip install 'mirograph[ray]'`.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from mirograph.context import ResearchContext
from mirograph.errors import ConfigError
from mirograph.eval.data import Task


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker needs to rebuild the eval on its side (sent to each actor)."""

    db: str
    settings: ResearchContext
    model: BaseChatModel | None
    tools: list[BaseTool] | None
    judge_model: BaseChatModel | None
    judge_kind: Any
    concurrency: int
    requests_per_second: float | None
    prices: dict[str, tuple[float, float]] | None


class EvalWorker:
    """One Ray actor: a saver pool, graph and judge of its own; runs units of work."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self._ctx: Any = None
        self._saver: Any = None

    async def _run(self) -> Any:
        """Built on first use, inside the actor's event loop (restarted actors rebuild)."""
        if self._ctx is None:
            from mirograph.checkpoints.postgres import open_postgres
            from mirograph.eval.unit import build_eval_run

            spec = self.spec
            self._saver = open_postgres(spec.db)
            rps = spec.requests_per_second
            self._ctx = build_eval_run(
                self._saver,
                spec.settings,
                model=spec.model,
                tools=spec.tools,
                judge_model=spec.judge_model,
                judge_kind=spec.judge_kind,
                concurrency=spec.concurrency,
                requests_per_second=rps,
                prices=spec.prices,
            )
        return self._ctx

    async def job(self, task: Task, run: int) -> dict[str, Any]:
        """`EvalRun.job` here: advance, grade and record one (task, run) thread."""
        ctx = await self._run()
        return await ctx.job(task, run)

    def pid(self) -> int:
        return os.getpid()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--engine ray needs the ray extra: pip install 'mirograph[ray]'"
        ) from None
    return ray


class RayEngine:
    """Actors on a Ray cluster (a local one by default); `job` dispatches one unit to the
    first actor with a free slot."""

    def __init__(self, spec: WorkerSpec, *, workers: int, address: str | None) -> None:
        ray = _import_ray()
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                os.environ.setdefault("RAY_AUTH_MODE", "disabled")
                ray.init(
                    num_cpus=workers,
                    include_dashboard=False,
                    log_to_driver=False,
                    _node_ip_address="127.0.0.1",
                )
            self._started = True
        actor = ray.remote(
            max_restarts=-1,  # a dead worker comes back ...
            max_task_retries=-1,  # ... and gets its unfinished jobs again
            max_concurrency=spec.concurrency,
        )(EvalWorker)
        self.actors = [actor.remote(spec) for _ in range(workers)]
        self._slots: asyncio.Queue[Any] | None = None
        self._concurrency = spec.concurrency

    async def job(self, task: Task, run: int) -> dict[str, Any]:
        """Run one unit on an actor with a free slot and wait for its row.

        Each actor has `concurrency` slots; a job waits for the first free one, so a
        faster (or freshly restarted) worker takes more jobs than a slow one.
        """
        if self._slots is None:  # made in the running loop
            self._slots = asyncio.Queue()
            for _ in range(self._concurrency):
                for actor in self.actors:
                    self._slots.put_nowait(actor)
        actor = await self._slots.get()
        try:
            return await actor.job.remote(task, run)
        finally:
            self._slots.put_nowait(actor)

    def worker_pids(self) -> list[int]:
        """The actors' process ids (for tests and operators)."""
        return self._ray.get([a.pid.remote() for a in self.actors])

    def close(self) -> None:
        for actor in self.actors:
            self._ray.kill(actor, no_restart=True)
        if self._started:
            self._ray.shutdown()

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
