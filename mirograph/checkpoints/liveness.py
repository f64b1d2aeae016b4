"""What a thread's rows say about its last run, read without deserializing a checkpoint.

Three facts per thread, for `mirograph.status.thread_status`: whether a lease row names a
process that still runs (a live runner) or one that is gone (a killed or crashed runner:
leases are released on every clean end), whether the branch head holds an `interrupt()`
no resume has answered yet, and whether the last runner stopped cleanly on a drain request
(`mark_paused`; the next checkpoint written clears it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mirograph.checkpoints._sql import marks
from mirograph.checkpoints.leases import holder_alive

if TYPE_CHECKING:
    from mirograph.checkpoints.saver import SaverCore

PAUSED = "paused"
"""The `threads.status` a clean pause leaves until the thread's next checkpoint."""

_WAITING_SQL = """
SELECT DISTINCT t.thread_id FROM threads t JOIN checkpoints c
  ON c.thread_id = t.thread_id AND c.checkpoint_ns = '' AND c.checkpoint_id = t.head_checkpoint_id
JOIN task_writes w ON w.ref = c.ref
WHERE w.channel = '__interrupt__' {only} AND NOT EXISTS (
    SELECT 1 FROM task_writes r WHERE r.ref = w.ref AND r.task_id = w.task_id
       AND r.channel = '__resume__')
"""
_LEGACY_WAITING_SQL = """
SELECT DISTINCT t.thread_id FROM threads t JOIN writes w
  ON w.thread_id = t.thread_id AND w.checkpoint_ns = '' AND w.checkpoint_id = t.head_checkpoint_id
WHERE w.channel = '__interrupt__' {only} AND NOT EXISTS (
    SELECT 1 FROM writes r WHERE r.thread_id = w.thread_id AND r.checkpoint_ns = ''
       AND r.checkpoint_id = w.checkpoint_id AND r.task_id = w.task_id
       AND r.channel = '__resume__')
"""


@dataclass(frozen=True)
class RunFacts:
    """What the rows say about a thread's runner."""

    lease: Literal["live", "dead"] | None
    """A lease row whose holder runs (live), one whose holder is gone (dead), or none."""
    waiting_for_review: bool
    """The branch head holds an unanswered `interrupt()`."""
    paused: bool
    """The last runner stopped on a drain request, with nothing written since."""


def run_facts(saver: SaverCore, thread_ids: Sequence[str] | None = None) -> dict[str, RunFacts]:
    """Facts for these threads (default: all), in three queries whatever their number."""
    ids = [str(t) for t in thread_ids] if thread_ids is not None else None
    only = f"AND t.thread_id IN ({marks(len(ids))})" if ids else ""
    if ids == []:
        return {}
    now = time.time()
    with saver._read() as cur:
        rows = cur.execute(
            "SELECT t.thread_id, t.status, l.pid, l.pid_started, l.hostname, l.heartbeat_at "
            f"FROM threads t LEFT JOIN leases l ON l.thread_id = t.thread_id WHERE 1 = 1 {only}",
            ids or (),
        ).fetchall()
        layout = getattr(saver, "layout", None)
        queries = [_WAITING_SQL] if layout is None or layout.has_ref else []
        if layout is not None and layout.legacy:
            queries.append(_LEGACY_WAITING_SQL)
        waiting = {
            r[0]
            for sql in queries
            for r in cur.execute(sql.format(only=only), ids or ()).fetchall()
        }
    facts = {}
    for thread_id, status, pid, started, host, heartbeat in rows:
        lease = None
        if pid is not None:
            alive = holder_alive(pid, started, host, heartbeat, now=now)
            lease = "live" if alive else "dead"
        facts[thread_id] = RunFacts(lease, thread_id in waiting, status == PAUSED)
    return facts


def mark_paused(saver: SaverCore, thread_id: str) -> None:
    """Record a clean pause (a drain at a step boundary); the next `put` replaces it."""
    with saver._write() as cur:
        cur.execute("UPDATE threads SET status = ? WHERE thread_id = ?", (PAUSED, str(thread_id)))
