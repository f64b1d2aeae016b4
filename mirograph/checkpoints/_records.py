"""Plain rows about threads and steps, read from indexed columns, never from blobs."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mirograph.checkpoints._chain import Blobs
from mirograph.checkpoints._columns import decode_next, next_nodes
from mirograph.checkpoints._sql import marks


@dataclass(frozen=True)
class ThreadInfo:
    """One research thread as `mirograph threads` shows it."""

    thread_id: str
    question: str | None
    status: str | None
    tool_calls_used: int
    created_at: str
    updated_at: str
    head_checkpoint_id: str | None
    """The branch head: the checkpoint written last; runs resume from here."""
    parent_thread_id: str | None = None
    parent_checkpoint_id: str | None = None
    fork_step: int | None = None
    """Tool calls the parent had made at the fork point (what `fork --step` counts)."""
    settings: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    label: str | None = None
    """The readable name given with `run --thread NAME` (the id is then a UUID)."""

    @property
    def name(self) -> str:
        """What a person calls the thread: its label, else its id."""
        return self.label or self.thread_id


@dataclass(frozen=True)
class StepInfo:
    """One checkpoint in a thread's lineage, as `mirograph history` shows it."""

    checkpoint_id: str
    parent_checkpoint_id: str | None
    step: int | None
    source: str | None
    tool_calls_used: int | None
    status: str | None
    node: str | None
    detail: str | None
    created_at: str | None
    next_nodes: tuple[str, ...] | None = None
    """The nodes this checkpoint triggers next (LangGraph's `StateSnapshot.next`, by
    name, sorted, once each); `()` when nothing runs next; None only for rows written
    before mirograph recorded it, where nobody has computed it yet."""


THREAD_COLUMNS = (
    "thread_id, question, status, tool_calls_used, created_at, updated_at, "
    "head_checkpoint_id, parent_thread_id, parent_checkpoint_id, fork_step, settings, note, label"
)
UNLABELLED_THREAD_COLUMNS = THREAD_COLUMNS.replace(", label", ", NULL AS label")
"""The same row from a file opened read-only that predates the `label` column."""


def thread_columns(has_label: bool) -> str:
    """`THREAD_COLUMNS`, or its unlabelled form for a read-only file without the column."""
    return THREAD_COLUMNS if has_label else UNLABELLED_THREAD_COLUMNS


def step_from_row(row: tuple[Any, ...]) -> StepInfo:
    """Build a `StepInfo` from a `HISTORY_SQL` row."""
    *head, next_nodes = row
    return StepInfo(*head, next_nodes=decode_next(next_nodes))


def thread_from_row(row: tuple[Any, ...]) -> ThreadInfo:
    """Build a `ThreadInfo` from a `SELECT {THREAD_COLUMNS}` row."""
    *head, settings, note, label = row
    return ThreadInfo(
        *head, settings=json.loads(settings) if settings else {}, note=note, label=label
    )


_HISTORY_SQL = """
WITH RECURSIVE lineage(
    checkpoint_id, parent_checkpoint_id, step, source, tool_calls_used, status,
    activity_node, activity_detail, created_at, next_nodes, depth
) AS (
    SELECT checkpoint_id, parent_checkpoint_id, step, source, tool_calls_used, status,
           activity_node, activity_detail, created_at, {next_nodes}, 0
    FROM checkpoints
    WHERE thread_id = :thread AND checkpoint_ns = '' AND checkpoint_id = :checkpoint
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, c.step, c.source, c.tool_calls_used,
           c.status, c.activity_node, c.activity_detail, c.created_at, {c_next_nodes},
           l.depth + 1
    FROM lineage l CROSS JOIN checkpoints c
      ON c.thread_id = :thread AND c.checkpoint_ns = ''
     AND c.checkpoint_id = l.parent_checkpoint_id
    -- `INSERT OR REPLACE` can loop a chain; a lineage is never longer than the thread.
    WHERE l.depth < :limit
)
SELECT checkpoint_id, parent_checkpoint_id, step, source, tool_calls_used, status,
       activity_node, activity_detail, created_at, next_nodes
FROM lineage ORDER BY depth DESC
"""
HISTORY_SQL = _HISTORY_SQL.format(next_nodes="next_nodes", c_next_nodes="c.next_nodes")
"""The lineage of one checkpoint, oldest first, in one query (CROSS JOIN pins the walk
as the outer loop, so each step is one primary-key lookup)."""
HISTORY_SQL_BEFORE_NEXT = _HISTORY_SQL.format(next_nodes="NULL", c_next_nodes="NULL")
"""`HISTORY_SQL` on a file opened read-only from before the `next_nodes` column."""

LINEAGE_IDS_SQL = """
WITH RECURSIVE lineage(checkpoint_id, parent_checkpoint_id, depth) AS (
    SELECT checkpoint_id, parent_checkpoint_id, 0 FROM checkpoints
    WHERE thread_id = :thread AND checkpoint_ns = :ns AND checkpoint_id = :checkpoint
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, l.depth + 1
    FROM lineage l CROSS JOIN checkpoints c
      ON c.thread_id = :thread AND c.checkpoint_ns = :ns
     AND c.checkpoint_id = l.parent_checkpoint_id
    WHERE l.depth < :limit
)
SELECT checkpoint_id FROM lineage ORDER BY depth
"""
"""Ids of a checkpoint and its ancestors, nearest first."""

ROOT_HEAD_SQL = """
SELECT COALESCE(
    (SELECT t.head_checkpoint_id FROM threads t JOIN checkpoints c
       ON c.thread_id = t.thread_id AND c.checkpoint_ns = ''
      AND c.checkpoint_id = t.head_checkpoint_id
     WHERE t.thread_id = :thread),
    (SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = :thread AND checkpoint_ns = '')
)
"""
"""A thread's branch head, as `SaverCore.latest_checkpoint_id` finds it, in one query."""


def with_next_nodes(
    blobs: Blobs,
    steps: list[StepInfo],
    load: Callable[[Blobs, str], Any],
    send_node: Callable[[Any], Any],
) -> list[StepInfo]:
    """`steps` with `next_nodes` computed from the blob where a row predates the column
    (written by an older mirograph or the stock saver); rows that have it are kept.

    `blobs` are the thread's root checkpoints (`_chain`), `load` deserializes one."""
    missing = [s.checkpoint_id for s in steps if s.next_nodes is None]
    if not missing:
        return steps
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(missing), 500):
        part = missing[start : start + 500]
        rows = blobs.cur.execute(
            "SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint FROM checkpoints "
            f"WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id IN ({marks(len(part))})",
            (blobs.thread_id, *part),
        ).fetchall()
        for row in rows:
            blobs.add(*row)
        for cid, *_ in rows:
            checkpoint = load(blobs, cid)
            if isinstance(checkpoint, dict):
                found[cid] = tuple(next_nodes(checkpoint, send_node))
    return [
        dataclasses.replace(s, next_nodes=found[s.checkpoint_id]) if s.checkpoint_id in found else s
        for s in steps
    ]


def encode_task(task_id: str) -> bytes:
    """A task id as `task_writes` stores it: 16 bytes for a canonical UUID, else a zero
    byte and UTF-8 (two zero bytes where that would be 16 long, so the two never collide)."""
    try:
        parsed = uuid.UUID(task_id)
    except ValueError:
        parsed = None
    if parsed is not None and str(parsed) == task_id:
        return parsed.bytes
    text = task_id.encode()
    return (b"\x00\x00" if len(text) == 15 else b"\x00") + text


def decode_task(stored: bytes | memoryview) -> str:
    stored = bytes(stored)
    if len(stored) == 16:
        return str(uuid.UUID(bytes=stored))
    return stored[2:].decode() if stored[:2] == b"\x00\x00" else stored[1:].decode()


@dataclass(frozen=True)
class Layout:
    """Which tables a database has and how it numbers checkpoints (the backend's SQL)."""

    next_ref: str = "(SELECT COALESCE(max(ref), 0) + 1 FROM checkpoints)"
    """A new checkpoint's `ref` (SQLite: writes are serialized, so max + 1 is free)."""
    next_refs: str = "(SELECT COALESCE(max(ref), 0) FROM checkpoints) + row_number() OVER ()"
    """New `ref`s for the rows of an `INSERT ... SELECT` (a thread copy)."""
    has_ref: bool = True
    """False only for a file opened read-only from before `ref` and `task_writes`."""
    legacy: bool = False
    """The stock `writes` table exists (a database from before `task_writes`)."""
    has_task_path: bool = True
    """The stock table has `task_path` (not so in files of the oldest stock saver)."""
    has_counters: bool = True
    """False only for a file opened read-only from before the `counters` column."""
