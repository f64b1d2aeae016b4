"""`MirographSaver`: LangGraph's SQLite saver, made safe for long research runs.

What it adds to `langgraph.checkpoint.sqlite.SqliteSaver`:
- one object for sync and async graph calls (async methods run the sync ones in a worker
  thread; one re-entrant lock serializes all use of the single connection);
- every `put` / `put_writes` is one explicit `BEGIN IMMEDIATE` transaction, so a SIGKILL
  never leaves half a step behind, and the `threads` row moves with the checkpoint;
- plain indexed columns filled at `put`, so `history()` and `list_threads()` never
  deserialize a blob: step, source, the nodes the checkpoint triggers next, and the
  columns a `ListingSpec` (given by the graph's layer, see `_columns`) extracts;
- explicit branch heads: the thread's latest checkpoint is the one *written* last, not
  the largest id, which is ambiguous after an in-thread fork;
- storage close to the content: one `task_writes` row per task keyed by an integer
  checkpoint `ref` (`_writes`), integer channel versions, deflate with a preset
  dictionary, checkpoint blobs as deltas against their parent (`_chain`), one-letter type
  tags (`_blob`), 16 KiB pages, no id, timestamp, step or source stored twice, and no
  transcript snapshot where the stored writes rebuild it (`_snapshots`);
- the optional conformance capabilities (copy_thread, prune, delete_for_runs).

`SaverCore` (`_core`) holds everything that does not depend on the database engine (its
SQL runs on SQLite and PostgreSQL alike, see `_sql`); `MirographSaver` adds the SQLite
connection and `postgres.PostgresSaver` a psycopg pool.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from langgraph.checkpoint.base import SerializerProtocol
from langgraph.checkpoint.sqlite import SqliteSaver

import mirograph.checkpoints._serde as _serde
import mirograph.checkpoints._writes as _writes
from mirograph.checkpoints._columns import ListingSpec, send_node
from mirograph.checkpoints._core import SaverCore, insert_checkpoint_sql
from mirograph.checkpoints._schema import create_schema, has_column, has_table
from mirograph.checkpoints._snapshots import seed_keys
from mirograph.checkpoints._threads import now_iso

__all__ = [
    "MirographSaver",
    "SaverCore",
    "insert_checkpoint_sql",
    "now_iso",
    "seed_keys",
    "send_node",
]


class MirographSaver(SaverCore, SqliteSaver):
    """A SQLite checkpointer for sync and async graphs; open it with `open_checkpointer`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        serde: SerializerProtocol | None = None,
        readonly: bool = False,
        listing: ListingSpec | None = None,
    ):
        self._open_transaction = [False]  # a list: clones (`with_allowlist`) share it
        SqliteSaver.__init__(self, conn, serde=serde or _serde.build_serde())
        self.lock = threading.RLock()  # type: ignore[assignment]
        self.listing = listing
        self.readonly = readonly
        """Opened by a read-only command: no schema, no migration, no write succeeds."""
        if not readonly:
            create_schema(conn)
        legacy = has_table(conn, "writes")
        self.layout = _writes.Layout(
            has_ref=has_table(conn, "task_writes"),
            legacy=legacy,
            has_task_path=legacy and has_column(conn, "writes", "task_path"),
            has_counters=has_column(conn, "checkpoints", "counters"),
        )
        self.has_label = not readonly or has_column(conn, "threads", "label")
        if readonly:  # a file from before the column, opened without migrating it
            self._has_next_nodes = has_column(conn, "checkpoints", "next_nodes")
        self.is_setup = True

    def _thread_lock(self, thread_id: str) -> AbstractContextManager[Any]:
        """Nothing: every write already holds the connection's lock (taking a second lock
        after it, inside `atomic()`, could only deadlock)."""
        return nullcontext()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One SQLite transaction around several saver calls from this thread: every
        `_write` inside joins it; an exception (or a kill) leaves none of them."""
        with self.lock:
            if self._open_transaction[0]:
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._open_transaction[0] = True
            try:
                yield
            except BaseException:  # even KeyboardInterrupt: roll back, then re-raise
                self.conn.rollback()
                raise
            else:
                self.conn.commit()
            finally:
                self._open_transaction[0] = False

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        with self.lock:
            cur = self.conn.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One transaction: committed whole, or rolled back whole (even on KeyboardInterrupt).

        `IMMEDIATE` takes the write lock up front, so two processes never deadlock
        upgrading a read transaction.
        """
        with self.lock:
            cur = self.conn.cursor()
            if self._open_transaction[0]:  # inside `atomic()`: it commits or rolls back
                try:
                    yield cur
                finally:
                    cur.close()
                return
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:  # even KeyboardInterrupt: roll back, then re-raise
                self.conn.rollback()
                raise
            else:
                self.conn.commit()
            finally:
                cur.close()
