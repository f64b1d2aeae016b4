"""`SaverCore`: the engine-independent checkpointer behind `MirographSaver` (SQLite, see
`saver`) and `postgres.PostgresSaver`. Its SQL runs on SQLite and PostgreSQL alike (see
`_sql`), over a backend's `_read` / `_write`.

It is put together from mixins by behaviour: thread rows, heads and history
(`_threads`), reading checkpoints back (`_reads`), writes that arrive before their
checkpoint (`_early_writes`), delete/copy/prune (`_maintenance`). The write path (`put`,
`put_writes`) is here.
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Self

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    get_checkpoint_metadata,
)

import mirograph.checkpoints._codec as _codec
import mirograph.checkpoints._serde as _serde
import mirograph.checkpoints._writes as _writes
import mirograph.checkpoints.leases as leases
from mirograph.checkpoints._async import AsyncFromSync
from mirograph.checkpoints._columns import (
    ListingSpec,
    default_listing,
    encode_next,
    next_nodes,
    send_node,
)
from mirograph.checkpoints._early_writes import EarlyWrites
from mirograph.checkpoints._maintenance import Maintenance
from mirograph.checkpoints._reads import CheckpointReads
from mirograph.checkpoints._snapshots import seed_keys, without_replayable_seeds
from mirograph.checkpoints._threads import UPSERT_THREAD, ThreadRows, now_iso
from mirograph.checkpoints._tuples import compact_checkpoint, compact_metadata

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


class SaverCore(
    ThreadRows, CheckpointReads, EarlyWrites, Maintenance, AsyncFromSync, BaseCheckpointSaver[Any]
):
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

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> Self:
        """Extend the strict msgpack allow-list through the compression/encryption stack."""
        serde = _serde.with_allowlist(self.serde, extra_allowlist)
        if serde is self.serde:
            return self
        self._staged_settings()  # created before the copy, so the clone shares it
        self._bases()
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
        checkpoint = without_replayable_seeds(self._read, config, checkpoint, meta)
        compact, counters = compact_metadata(meta)
        values = checkpoint.get("channel_values") or {}
        key = (thread_id, checkpoint_ns, checkpoint["id"])
        parent_id = conf.get("checkpoint_id")
        codec = _codec.BlobCodec(self.serde)
        blob = self._draft(codec, key, parent_id, compact_checkpoint(checkpoint))
        rest = (
            compact,
            *(meta.get("step"), meta.get("source"), meta.get("run_id"), tool_calls, status),
            *(listed["activity_node"], listed["activity_detail"], created),
            *(seed_keys(values, meta), encode_next(triggered), counters),
        )
        if checkpoint_ns == "":
            leases.before_write(self, thread_id, meta.get("source"))
        with self._thread_lock(thread_id), self._write() as cur:
            leases.check_fence(self, cur, thread_id)
            stored, depth = self._settle(cur, codec, key, parent_id, blob)
            row = (*key, parent_id, *stored, *rest)
            cur.execute(insert_checkpoint_sql(self.layout.next_ref), row)
            self._store_early_writes(cur, key)
            if checkpoint_ns == "":
                thread = (thread_id, listed["question"], status, tool_calls, created, now_iso())
                cur.execute(UPSERT_THREAD, (*thread, checkpoint["id"], tool_calls))
                staged = self._write_staged(cur, thread_id)
        if isinstance(blob, _codec.Draft):  # committed: the next checkpoint's base
            self._bases().put(key[:2], blob.written(key[2], stored, depth))
        if checkpoint_ns == "":
            for name in staged:
                self._staged_settings().pop(name, None)
        if checkpoint_ns == "" and not triggered:
            leases.run_stopped(self, thread_id)  # nothing triggers a next step: the run ended
        return {"configurable": dict(zip(_CHECKPOINT_KEYS, key, strict=True))}

    def _bases(self) -> _codec.Bases:
        """The blob written last per thread namespace (shared by clones)."""
        bases = self.__dict__.get("_last_blobs")
        if bases is None:
            bases = self.__dict__["_last_blobs"] = _codec.Bases()
        return bases

    def _draft(
        self, codec: _codec.BlobCodec, key: tuple[str, str, str], parent_id: str | None, obj: Any
    ) -> _codec.Draft | tuple[str, bytes]:
        """The checkpoint's blob: a parent delta where it can be (`_codec`)."""
        if not codec.deltas:
            return self.serde.dumps_typed(obj)
        return _codec.draft(codec, obj, self._bases().get(key[:2]), parent_id)

    def _settle(
        self,
        cur: Any,
        codec: _codec.BlobCodec,
        key: tuple[str, str, str],
        parent_id: str | None,
        blob: _codec.Draft | tuple[str, bytes],
    ) -> tuple[tuple[str, bytes], int]:
        """The blob to store and its delta depth, in the write's transaction."""
        if not isinstance(blob, _codec.Draft):
            return blob, 0
        return _codec.settle(cur, codec, key, parent_id, blob)

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
                self._hold_early_writes(key, sql, rows)
            else:
                cur.executemany(sql, rows)
        if "__interrupt__" in channels:
            leases.run_stopped(self, thread_id, review=True)  # the run waits for a review
        elif "__error__" in channels:
            leases.run_stopped(self, thread_id)  # a task failed: the run ends

    # -- mirograph extensions ---------------------------------------------------------

    _thread_locks = tuple(threading.Lock() for _ in range(64))

    def _thread_lock(self, thread_id: str) -> AbstractContextManager[Any]:
        """One of 64 locks, by thread id: a thread's `put` and `put_writes` never overlap,
        different threads' (almost always) run side by side."""
        return self._thread_locks[hash(thread_id) % len(self._thread_locks)]

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
