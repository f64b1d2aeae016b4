"""Thread rows: branch heads, settings and labels staged until the first checkpoint, the
listing of threads and the lineage (`history`) of a checkpoint, all from plain columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import mirograph.checkpoints._codec as _codec
from mirograph.checkpoints._columns import send_node
from mirograph.checkpoints._records import (
    HISTORY_SQL,
    HISTORY_SQL_BEFORE_NEXT,
    StepInfo,
    ThreadInfo,
    step_from_row,
    thread_columns,
    thread_from_row,
    with_next_nodes,
)
from mirograph.errors import InputError

UPSERT_THREAD = """
INSERT INTO threads (thread_id, question, status, tool_calls_used, created_at, updated_at,
                     head_checkpoint_id)
VALUES (?, ?, ?, COALESCE(?, 0), ?, ?, ?)
ON CONFLICT (thread_id) DO UPDATE SET
    question = COALESCE(excluded.question, threads.question),
    status = COALESCE(excluded.status, threads.status),
    tool_calls_used = CASE WHEN CAST(? AS INTEGER) IS NULL THEN threads.tool_calls_used
                           ELSE excluded.tool_calls_used END,
    updated_at = excluded.updated_at,
    head_checkpoint_id = excluded.head_checkpoint_id
"""


def now_iso() -> str:
    """UTC now, ISO 8601: the format LangGraph uses for checkpoint `ts`."""
    return datetime.now(UTC).isoformat()


def _refuse_taken_label(cur: Any, label: str, thread_id: str) -> None:
    """One sentence, in the write's transaction, for a label another thread took meanwhile
    (two runs started with one `--thread NAME`); the unique index backs it up."""
    taken = cur.execute(
        "SELECT thread_id FROM threads WHERE label = ? AND thread_id <> ?", (label, thread_id)
    ).fetchone()
    if taken is not None:
        raise InputError(f"thread {label} exists (it is {taken[0]}): give this one another name")


class ThreadRows:
    """The thread-level methods of `SaverCore` (a mixin over its `_read` / `_write`)."""

    def stage_thread_settings(self, thread_id: str, settings: dict[str, Any]) -> None:
        """Settings of a thread with no checkpoint yet: stored by its first checkpoint, in
        that checkpoint's transaction, so a crash in between leaves no settings-only thread."""
        self._staged_settings()[str(thread_id)] = json.dumps(settings, sort_keys=True)

    def stage_thread_label(self, thread_id: str, label: str) -> None:
        """The label of a thread with no checkpoint yet, stored as its staged settings are."""
        self._staged_settings()[f"label:{thread_id}"] = label

    def _write_staged(self, cur: Any, thread_id: str) -> list[str]:
        """Store what was staged for the thread (settings, label); return the staged keys."""
        staged = self._staged_settings()
        keys = {thread_id: "settings", f"label:{thread_id}": "label"}
        label = staged.get(f"label:{thread_id}")
        if label is not None:
            _refuse_taken_label(cur, label, thread_id)
        for key in [key for key in keys if key in staged]:
            cur.execute(
                f"UPDATE threads SET {keys[key]} = ? WHERE thread_id = ?", (staged[key], thread_id)
            )
        return [key for key in keys if key in staged]

    def set_thread_label(self, thread_id: str, label: str | None) -> None:
        """Name an existing thread (`fork --new-thread NAME`); labels are unique."""
        with self._write() as cur:
            if label is not None:
                _refuse_taken_label(cur, label, thread_id)
            cur.execute("UPDATE threads SET label = ? WHERE thread_id = ?", (label, thread_id))

    def _staged_settings(self) -> dict[str, str]:
        staged = self.__dict__.get("_staged")
        if staged is None:
            staged = self.__dict__["_staged"] = {}
        return staged

    def _head(self, cur: Any, thread_id: str, checkpoint_ns: str) -> str | None:
        """The branch head of the root namespace; the newest id elsewhere (or as fallback)."""
        if checkpoint_ns == "":
            row = cur.execute(
                "SELECT t.head_checkpoint_id FROM threads t JOIN checkpoints c "
                "ON c.thread_id = t.thread_id AND c.checkpoint_ns = '' "
                "AND c.checkpoint_id = t.head_checkpoint_id WHERE t.thread_id = ?",
                (thread_id,),
            ).fetchone()
            if row:
                return row[0]
        row = cur.execute(
            "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?",
            (thread_id, checkpoint_ns),
        ).fetchone()
        return row[0]

    def latest_checkpoint_id(self, thread_id: str) -> str | None:
        """The thread's branch head: the root checkpoint written last (resume point)."""
        with self._read() as cur:
            return self._head(cur, str(thread_id), "")

    def list_threads(self) -> list[ThreadInfo]:
        """All threads, most recently updated first."""
        with self._read() as cur:
            rows = cur.execute(
                f"SELECT {thread_columns(self.has_label)} FROM threads "
                "ORDER BY updated_at DESC, thread_id"
            ).fetchall()
        return [thread_from_row(row) for row in rows]

    def get_thread(self, thread_id: str) -> ThreadInfo | None:
        """One thread's row, or None."""
        with self._read() as cur:
            row = cur.execute(
                f"SELECT {thread_columns(self.has_label)} FROM threads WHERE thread_id = ?",
                (str(thread_id),),
            ).fetchone()
        return thread_from_row(row) if row else None

    def set_thread_settings(self, thread_id: str, settings: dict[str, Any]) -> None:
        """Store the run's settings with the thread, so `resume` needs only its id."""
        stamp = now_iso()
        with self._write() as cur:
            cur.execute(
                "INSERT INTO threads (thread_id, created_at, updated_at, settings) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (thread_id) DO UPDATE SET "
                "settings = excluded.settings, updated_at = excluded.updated_at",
                (str(thread_id), stamp, stamp, json.dumps(settings, sort_keys=True)),
            )

    def history(self, thread_id: str, checkpoint_id: str | None = None) -> list[StepInfo]:
        """The lineage of a checkpoint (default: the head), oldest first, in one query."""
        with self._read() as cur:
            target = checkpoint_id or self._head(cur, str(thread_id), "")
            if target is None:
                return []
            rows = cur.execute(
                HISTORY_SQL if self._has_next_nodes else HISTORY_SQL_BEFORE_NEXT,
                {"thread": str(thread_id), "checkpoint": target, "limit": 10**7},
            ).fetchall()
            steps = [step_from_row(row) for row in rows]
            codec = _codec.BlobCodec(self.serde)
            blobs = codec.blobs(cur, str(thread_id), "")
            return with_next_nodes(blobs, steps, codec.load, send_node)
