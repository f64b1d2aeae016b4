"""Branching a run: copy one checkpoint's lineage into a new thread.

The new thread holds the checkpoint and all its ancestors (ids kept: they are scoped by
thread) with the writes stored at the ancestors, which is exactly what DeltaChannel
replay reads; so `graph.get_state` on the new thread equals the parent's state at the
fork point. The writes stored *at* the fork checkpoint are the results of the parent's
next step; they are not copied by default, so continuing the fork runs that step afresh.
The parent thread is only read.
"""

from __future__ import annotations

import uuid

import mirograph.checkpoints._maintenance as _maintenance
from mirograph.checkpoints.saver import MirographSaver, now_iso
from mirograph.errors import InputError, ThreadNotFound


def fork_thread(
    saver: MirographSaver,
    thread_id: str,
    *,
    checkpoint_id: str,
    new_thread_id: str | None = None,
    note: str | None = None,
    include_pending_writes: bool = False,
) -> str:
    """Copy the lineage of `checkpoint_id` into a new thread; return the new thread's id.

    `include_pending_writes=True` also copies the writes of tasks that already ran from
    the fork checkpoint, so continuing skips them (a resume-like copy, not a re-run).
    """
    new_thread_id = new_thread_id or str(uuid.uuid4())  # a UUID, as `langgraph dev` requires
    with saver._write() as cur:
        if (
            cur.execute("SELECT 1 FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
            is None
        ):
            raise ThreadNotFound(f"There is no thread {thread_id!r} in this database.")
        fork_row = cur.execute(
            "SELECT step, created_at FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ?",
            (thread_id, checkpoint_id),
        ).fetchone()
        if fork_row is None:
            raise InputError(f"Thread {thread_id!r} has no checkpoint {checkpoint_id!r}.")
        taken = cur.execute(
            "SELECT 1 FROM threads WHERE thread_id = ? UNION ALL "
            "SELECT 1 FROM checkpoints WHERE thread_id = ?",
            (new_thread_id, new_thread_id),
        ).fetchone()
        if taken:
            raise InputError(f"Thread {new_thread_id!r} already exists; choose another id.")
        ids = _maintenance.lineage_ids(cur, thread_id, "", checkpoint_id)
        writes_of = ids if include_pending_writes else ids[1:]
        _maintenance.copy_lineage(
            cur, thread_id, new_thread_id, ids, writes_of=writes_of, layout=saver.layout
        )
        stamp = now_iso()
        cur.execute(
            "INSERT INTO threads (thread_id, question, status, tool_calls_used, created_at, "
            "updated_at, head_checkpoint_id, parent_thread_id, parent_checkpoint_id, fork_step, "
            "settings, note) "
            "SELECT ?, t.question, c.status, COALESCE(c.tool_calls_used, 0), ?, ?, ?, ?, ?, "
            "COALESCE(c.tool_calls_used, 0), t.settings, ? FROM threads t JOIN checkpoints c "
            "ON c.thread_id = t.thread_id AND c.checkpoint_ns = '' AND c.checkpoint_id = ? "
            "WHERE t.thread_id = ?",
            (
                new_thread_id,
                stamp,
                stamp,
                checkpoint_id,
                thread_id,
                checkpoint_id,
                note,
                checkpoint_id,
                thread_id,
            ),
        )
    return new_thread_id


async def afork_thread(
    saver: MirographSaver,
    thread_id: str,
    *,
    checkpoint_id: str,
    new_thread_id: str | None = None,
    note: str | None = None,
    include_pending_writes: bool = False,
) -> str:
    """`fork_thread` from async code (runs in a worker thread)."""
    import asyncio

    return await asyncio.to_thread(
        lambda: fork_thread(
            saver,
            thread_id,
            checkpoint_id=checkpoint_id,
            new_thread_id=new_thread_id,
            note=note,
            include_pending_writes=include_pending_writes,
        )
    )
