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
  checkpoint `ref` (`_writes`), integer channel versions, zlib with a preset dictionary,
  16 KiB pages, no id, timestamp, step or source stored twice, and no transcript
  snapshot where the stored writes rebuild it (`_without_replayable_seeds`);
- the optional conformance capabilities (copy_thread, prune, delete_for_runs).

`SaverCore` holds everything that does not depend on the database engine (its SQL runs
on SQLite and PostgreSQL alike, see `_sql`); `MirographSaver` adds the SQLite connection
and `postgres.PostgresSaver` a psycopg pool.
"""

from __future__ import annotations

import copy
import json
import random
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._config import DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    SerializerProtocol,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.utils import search_where

import mirograph.checkpoints._maintenance as _maintenance
import mirograph.checkpoints._serde as _serde
import mirograph.checkpoints._versions as _versions
import mirograph.checkpoints._writes as _writes
import mirograph.checkpoints.leases as leases
from mirograph.checkpoints._async import AsyncFromSync
from mirograph.checkpoints._columns import ListingSpec, default_listing, encode_next, next_nodes
from mirograph.checkpoints._delta import delta_history
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
from mirograph.checkpoints._schema import create_schema, has_column, has_table
from mirograph.checkpoints._tuples import (
    CHECKPOINT_ROW,
    COUNTERS,
    TupleRow,
    compact_checkpoint,
    compact_metadata,
    full_metadata,
    load_tuples,
)
from mirograph.errors import InputError

_CHECKPOINT_COLUMNS = (
    *("thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "type"),
    *("checkpoint", "metadata", "step", "source", "run_id", "tool_calls_used", "status"),
    *("activity_node", "activity_detail", "created_at", "value_keys", "next_nodes"),
    "counters",
)
_CHECKPOINT_KEYS = ("thread_id", "checkpoint_ns", "checkpoint_id")


def insert_checkpoint_sql(next_ref: str) -> str:
    """Upsert one checkpoint row; a new row gets `next_ref`, a replaced one keeps its own."""
    rest = [c for c in _CHECKPOINT_COLUMNS if c not in _CHECKPOINT_KEYS]
    return (
        f"INSERT INTO checkpoints ({', '.join(_CHECKPOINT_COLUMNS)}, ref) "
        f"VALUES ({', '.join('?' * len(_CHECKPOINT_COLUMNS))}, {next_ref}) "
        f"ON CONFLICT ({', '.join(_CHECKPOINT_KEYS)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in rest)
    )


_UPSERT_THREAD = """
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


def send_node(send: Any) -> Any:
    """The node a pending `Send` goes to."""
    return getattr(send, "node", None)


def seed_keys(values: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    """The `value_keys` column: delta channels whose seed this checkpoint stores, as JSON.

    A delta channel is stored only as a `_DeltaSnapshot`, and its name is in the counters
    LangGraph keeps in the metadata until it snapshots. Without either, no delta channel
    is known here: NULL, so an ancestor walk unpacks the blob (a migrated plain value).
    """
    counters = metadata.get("counters_since_delta_snapshot") or {}
    seeds = {k for k, v in values.items() if isinstance(v, _DeltaSnapshot) or k in counters}
    if not seeds and not counters:
        return None
    return json.dumps(sorted(seeds), separators=(",", ":"))


def _refuse_taken_label(cur: Any, label: str, thread_id: str) -> None:
    """One sentence, in the write's transaction, for a label another thread took meanwhile
    (two runs started with one `--thread NAME`); the unique index backs it up."""
    taken = cur.execute(
        "SELECT thread_id FROM threads WHERE label = ? AND thread_id <> ?", (label, thread_id)
    ).fetchone()
    if taken is not None:
        raise InputError(f"thread {label} exists (it is {taken[0]}): give this one another name")


class SaverCore(AsyncFromSync, BaseCheckpointSaver[Any]):
    """The engine-independent saver: every method in portable SQL over `_read` / `_write`.

    A backend provides `_read()` and `_write()` (cursors taking SQLite-style SQL, the
    latter inside one transaction), its `layout`, and `_where`.
    """

    layout: _writes.Layout = _writes.Layout()
    """The tables this database has and how it numbers checkpoints (see `_writes`)."""
    has_label: bool = True
    """False only for a file opened read-only that predates the `threads.label` column."""
    _has_next_nodes: bool = True
    listing: ListingSpec | None = None
    """What the listing columns hold (None: the registered default, see `_columns`)."""

    def _read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _where(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
    ) -> tuple[str, Sequence[Any]]:
        """`WHERE ...` of `list`; SQLite reads metadata with `json_extract` (over the
        metadata column with `step` and `source` put back, see `_tuples.compact_metadata`)."""
        where, params = search_where(config, filter, before)
        full = (
            "json_set(COALESCE(metadata, '{}'), '$.step', step, '$.source', source, "
            "'$.counters_since_delta_snapshot', json(counters))"
        )
        return where.replace("CAST(metadata AS TEXT)", full), params

    def _lock_key(self, cur: Any, key: str) -> None:
        """Serialize the transactions naming `key` until `cur`'s ends.

        Nothing to do on SQLite, where `_write` already holds the database's write lock.
        """

    def setup(self) -> None:
        """Nothing to do: the schema is created when the saver is built."""

    def atomic(self) -> AbstractContextManager[Any]:
        """One transaction around several saver calls from this thread (a fork: copy,
        settings, note). Backends that cannot nest transactions run them one by one."""
        return nullcontext()

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

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> MirographSaver:
        """Extend the strict msgpack allow-list through the compression/encryption stack."""
        serde = _serde.with_allowlist(self.serde, extra_allowlist)
        if serde is self.serde:
            return self
        self._staged_settings()  # created before the copy, so the clone shares it
        self._early_writes()
        leases.fences(self)
        clone = copy.copy(self)  # shares the connection (or pool) and the lock
        clone.serde = serde
        return clone

    def get_next_version(self, current: str | int | None, channel: None = None) -> Any:
        """Integer versions (~40 bytes smaller each than the stock padded strings).

        Threads written by the stock saver keep its string versions: LangGraph compares
        versions across channels, so one thread must not mix the two.
        """
        if isinstance(current, str):
            return f"{int(current.split('.')[0]) + 1:032}.{random.random():016}"
        return (current or 0) + 1

    # -- BaseCheckpointSaver ----------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint, its listing columns and (root namespace) its thread row."""
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        checkpoint_ns = conf.get("checkpoint_ns", "")
        meta = get_checkpoint_metadata(config, metadata)
        listed = (self.listing or default_listing()).row(checkpoint.get("channel_values") or {})
        tool_calls, status = listed["tool_calls_used"], listed["status"]
        created = checkpoint.get("ts") or now_iso()
        triggered = next_nodes(checkpoint, send_node)
        checkpoint = self._without_replayable_seeds(config, checkpoint, meta)
        compact, counters = compact_metadata(meta)
        values = checkpoint.get("channel_values") or {}
        row = (
            *(thread_id, checkpoint_ns, checkpoint["id"], conf.get("checkpoint_id")),
            *self.serde.dumps_typed(compact_checkpoint(checkpoint)),
            compact,
            *(meta.get("step"), meta.get("source"), meta.get("run_id"), tool_calls, status),
            *(listed["activity_node"], listed["activity_detail"], created),
            *(seed_keys(values, meta), encode_next(triggered), counters),
        )
        if checkpoint_ns == "":
            leases.before_write(self, thread_id, meta.get("source"))
        with self._thread_lock(thread_id), self._write() as cur:
            leases.check_fence(self, cur, thread_id)
            cur.execute(insert_checkpoint_sql(self.layout.next_ref), row)
            self._store_early_writes(cur, (thread_id, checkpoint_ns, checkpoint["id"]))
            if checkpoint_ns == "":
                stamp = now_iso()
                question = listed["question"]
                cur.execute(
                    _UPSERT_THREAD,
                    (
                        *(thread_id, question, status, tool_calls, created, stamp),
                        checkpoint["id"],
                        tool_calls,
                    ),
                )
                staged = self._write_staged(cur, thread_id)
        if checkpoint_ns == "":
            for key in staged:
                self._staged_settings().pop(key, None)
        if checkpoint_ns == "" and not triggered:
            leases.run_stopped(self, thread_id)  # nothing triggers a next step: the run ended
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store one task's writes atomically (a retried task replaces none of them).

        One `task_writes` row per call (see `_writes`), at the checkpoint's `ref`; writes
        addressed to a checkpoint that is not stored yet have nothing to attach to: they are
        held until it is (LangGraph puts the input checkpoint and its first writes at
        once, in either order) and stored in its transaction.
        """
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        key = (thread_id, str(conf.get("checkpoint_ns", "")), str(conf["checkpoint_id"]))
        channels = {channel for channel, _ in writes}
        if "__resume__" in channels:
            leases.resumed(self, thread_id)
        # A server's lease is taken by the run's first checkpoint. The thread's lock makes
        # "not stored yet, hold them" and its `put` exclusive (PostgreSQL runs them at once).
        with self._thread_lock(thread_id), self._write() as cur:
            leases.check_fence(self, cur, thread_id)
            ref = self._ref(cur, key)
            sql, rows = _writes.rows_for(ref, writes, task_id, task_path, self.serde)
            if ref is None:
                with self._early_lock:
                    self._early_writes().setdefault(key, []).append((sql, rows))
            else:
                cur.executemany(sql, rows)
        if "__interrupt__" in channels:
            leases.run_stopped(self, thread_id, review=True)  # the run waits for a review
        elif "__error__" in channels:
            leases.run_stopped(self, thread_id)  # a task failed: the run ends

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The addressed checkpoint, or the thread's branch head when no id is given."""
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        checkpoint_ns = conf.get("checkpoint_ns", "")
        checkpoint_id = get_checkpoint_id(config)
        with self._read() as cur:
            if checkpoint_id is None:
                checkpoint_id = self._head(cur, thread_id, checkpoint_ns)
                if checkpoint_id is None:
                    return None
            rows: list[TupleRow] = cur.execute(
                f"SELECT {self._checkpoint_row()} FROM checkpoints "
                "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                (thread_id, checkpoint_ns, checkpoint_id),
            ).fetchall()
            tuples = self._load_tuples(cur, rows)
        tuples = _versions.for_reader(self, tuples)
        return tuples[0] if tuples else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Checkpoints newest first; pending writes fetched in one query, not one per row.

        Rows are read before yielding, so a caller may use the saver while iterating.
        """
        where, params = self._where(config, filter, before)
        query = f"SELECT {self._checkpoint_row()} FROM checkpoints {where} "
        query += "ORDER BY checkpoint_id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params = (*params, limit)
        with self._read() as cur:
            rows = cur.execute(query, params).fetchall()
            tuples = self._load_tuples(cur, rows)
        yield from _versions.for_reader(self, tuples)

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread's checkpoints, writes and thread row."""
        with self._write() as cur:
            _maintenance.delete_threads(cur, [str(thread_id)], self.layout)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints (and writes) created by these runs.

        Like upstream, this can break DeltaChannel replay for later checkpoints of the
        same thread; heads that pointed at deleted checkpoints move to the newest left.
        """
        with self._write() as cur:
            _maintenance.delete_for_runs(cur, [str(r) for r in run_ids], self.layout)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of a thread (all namespaces) to another id."""
        with self._write() as cur:
            _maintenance.copy_thread(cur, str(source_thread_id), str(target_thread_id), self.layout)

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Drop old checkpoints; `keep_latest` keeps what DeltaChannel replay still needs.

        The latest checkpoint of each namespace is kept with every ancestor back to a
        stored seed of each delta channel it must replay, so the kept state is exact.
        """
        if strategy not in ("keep_latest", "delete"):
            raise ValueError(f"Unknown prune strategy {strategy!r}: use keep_latest or delete.")
        with self._write() as cur:
            for thread_id in thread_ids:
                if strategy == "delete":
                    _maintenance.delete_checkpoints(cur, str(thread_id), self.layout)
                else:
                    _maintenance.keep_latest(cur, self.serde, str(thread_id), self.layout)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """DeltaChannel replay data, walking parent links without unpacking ancestors."""
        if not channels:
            return {}
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        checkpoint_ns = conf.get("checkpoint_ns", "")
        with self._read() as cur:
            checkpoint_id = get_checkpoint_id(config) or self._head(cur, thread_id, checkpoint_ns)
            if checkpoint_id is None:
                return {ch: {"writes": []} for ch in channels}
            return delta_history(
                cur,
                self.serde,
                thread_id=thread_id,
                checkpoint_ns=checkpoint_ns,
                checkpoint_id=checkpoint_id,
                channels=list(channels),
                has_ref=self.layout.has_ref,
                legacy=self.layout.legacy,
                has_task_path=self.layout.has_task_path,
            )

    # -- mirograph extensions ---------------------------------------------------------

    _early_lock = threading.Lock()
    _thread_locks = tuple(threading.Lock() for _ in range(64))

    def _thread_lock(self, thread_id: str) -> AbstractContextManager[Any]:
        """One of 64 locks, by thread id: a thread's `put` and `put_writes` never overlap,
        different threads' (almost always) run side by side."""
        return self._thread_locks[hash(thread_id) % len(self._thread_locks)]

    def _early_writes(self) -> dict[tuple[str, str, str], list[tuple[str, list[Any]]]]:
        """Writes that arrived before their checkpoint, by its key (shared by clones)."""
        early = self.__dict__.get("_early")
        if early is None:
            early = self.__dict__["_early"] = {}
        return early

    def _ref(self, cur: Any, key: tuple[str, str, str]) -> int | None:
        found = cur.execute(
            "SELECT ref FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            key,
        ).fetchone()
        return None if found is None else found[0]

    def _store_early_writes(self, cur: Any, key: tuple[str, str, str]) -> None:
        """Store, in the checkpoint's own transaction, the writes that came before it."""
        with self._early_lock:
            early = self._early_writes().pop(key, None)
        if early:
            ref = self._ref(cur, key)
            for sql, rows in early:
                cur.executemany(sql, [(ref, *r[1:]) for r in rows])

    def _checkpoint_row(self) -> str:
        return CHECKPOINT_ROW.format(
            ref="ref" if self.layout.has_ref else "NULL",
            counters="counters" if self.layout.has_counters else "NULL",
        )

    def _load_tuples(self, cur: Any, rows: list[TupleRow]) -> list[CheckpointTuple]:
        return load_tuples(
            cur,
            rows,
            self.serde,
            legacy=self.layout.legacy,
            has_task_path=self.layout.has_task_path,
        )

    def _without_replayable_seeds(
        self, config: RunnableConfig, checkpoint: Checkpoint, meta: Mapping[str, Any]
    ) -> Checkpoint:
        """The checkpoint without the delta-channel snapshots its ancestors' writes rebuild.

        LangGraph snapshots every delta channel (the whole transcript) at least every
        `DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT` (5,000) steps to bound its replay; this
        saver's replay walks ids, not blobs, so such a snapshot buys nothing and costs the
        transcript again (~11 MB at 6,000 calls). Dropped only where that bound alone made
        it and replay is exact: a loop step whose parent is the step before it, with its
        writes stored. A channel's own `snapshot_frequency` and the seeds of an edit
        (`update_state`) or of a run that stored no intermediate steps are kept.
        """
        values = checkpoint.get("channel_values") or {}
        seeds = [k for k, v in values.items() if isinstance(v, _DeltaSnapshot)]
        parent_id = config["configurable"].get("checkpoint_id")
        step = meta.get("step")
        if not seeds or meta.get("source") != "loop" or not parent_id or type(step) is not int:
            return checkpoint
        conf = config["configurable"]
        key = (str(conf["thread_id"]), conf.get("checkpoint_ns", ""), parent_id)
        with self._read() as cur:
            parent = cur.execute(
                "SELECT step, ref, metadata, counters FROM checkpoints "
                "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                key,
            ).fetchone()
            if parent is None or parent[0] != step - 1:
                return checkpoint
            counters = full_metadata(parent[2], None, None, parent[3]).get(COUNTERS) or {}
            bound = all(
                (counters.get(ch) or (0, 0))[1] + 1 >= DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT
                for ch in seeds
            )
            has_writes = cur.execute("SELECT 1 FROM task_writes WHERE ref = ?", (parent[1],))
            if bound and has_writes.fetchone():
                kept = {k: v for k, v in values.items() if k not in seeds}
                return {**checkpoint, "channel_values": kept}
        return checkpoint

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
            return with_next_nodes(
                cur, str(thread_id), steps, lambda *typed: self.serde.loads_typed(typed), send_node
            )

    def acquire_lease(self, thread_id: str, owner: str | None = None) -> Any:
        """Take the thread's "one runner" lease; raises `ThreadBusy` if a live process has it.

        The lease heartbeats on a timer and fences this saver's writes of the thread."""
        return leases.Lease.acquire(self, str(thread_id), owner)

    def acquire_lease_with(
        self,
        thread_id: str,
        owner: str | None = None,
        *,
        heartbeat_every: float | None = leases.HEARTBEAT_SECONDS,
        stale_after: float | None = None,
    ) -> Any:
        """`acquire_lease` with its timer and staleness window chosen (see `leases`)."""
        return leases.Lease.acquire(
            self,
            str(thread_id),
            owner,
            heartbeat_every=heartbeat_every,
            stale_after=stale_after,
        )


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
            except BaseException:
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
