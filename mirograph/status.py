"""A thread's status as a person needs it: one function for the CLI, the UI and eval.

- `running`: a live runner holds the thread's lease (wait, or stop it with Ctrl-C);
- `waiting for review`: paused at a human review (answer it with `resume`);
- `paused`: stopped cleanly at a step boundary (Ctrl-C, SIGTERM, a drain request, a fresh
  fork): `resume` it;
- `interrupted`: its runner was killed or crashed, or stopped on an error, mid-run:
  `resume` it;
- `done`, `exhausted`, `failed`: finished (answered; answered with the budget spent; no
  answer): `fork` it, or ask a follow-up.

The research state's own `status` (`researching`, `verifying`, ...) says where the run
was, not whether anything still advances it; the facts come from the thread's rows
(`mirograph.checkpoints.liveness`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from mirograph.checkpoints.liveness import RunFacts, run_facts

if TYPE_CHECKING:
    from mirograph.checkpoints import SaverCore, ThreadInfo

ThreadStatus = Literal[
    "running", "waiting for review", "paused", "interrupted", "done", "exhausted", "failed"
]
FINISHED = ("done", "exhausted", "failed")


def thread_status(state_status: str | None, facts: RunFacts | None) -> ThreadStatus:
    """The status of one thread from its research status and its run facts."""
    if facts is not None and facts.lease == "live":
        return "running"
    if facts is not None and facts.waiting_for_review:
        return "waiting for review"
    if state_status in FINISHED:
        return state_status  # type: ignore[return-value]
    if facts is not None and facts.paused and facts.lease is None:
        return "paused"
    return "interrupted"


def thread_statuses(
    saver: SaverCore, threads: Sequence[ThreadInfo] | None = None
) -> dict[str, ThreadStatus]:
    """Status of each of these threads (default: every thread), by thread id."""
    infos = list(threads) if threads is not None else saver.list_threads()
    facts = run_facts(saver, [info.thread_id for info in infos] if threads is not None else None)
    return {info.thread_id: thread_status(info.status, facts.get(info.thread_id)) for info in infos}
