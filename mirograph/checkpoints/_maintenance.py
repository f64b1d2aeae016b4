"""Deleting, copying and pruning rows; each function runs inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol

import mirograph.checkpoints._codec as _codec
from mirograph.checkpoints._records import LINEAGE_IDS_SQL
from mirograph.checkpoints._sql import upsert
from mirograph.checkpoints._tuples import COUNTERS, full_metadata
from mirograph.checkpoints._writes import Layout

Cursor = Any
"""A DB-API cursor taking SQLite-style SQL (sqlite3's, or the PostgreSQL adapter's)."""

_CHECKPOINT_COLUMNS = (
    "checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata, step, "
    "source, run_id, tool_calls_used, status, activity_node, activity_detail, created_at, "
    "value_keys, next_nodes, counters"
)
_WRITE_COLUMNS = "checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value"
_THREAD_COPY_COLUMNS = (
    "question, status, tool_calls_used, created_at, updated_at, head_checkpoint_id, settings"
)


_THREAD_WRITES = "DELETE FROM task_writes WHERE ref IN (SELECT ref FROM checkpoints WHERE {})"


def delete_threads(cur: Cursor, thread_ids: Sequence[str], layout: Layout) -> None:
    for thread_id in thread_ids:
        delete_checkpoints(cur, thread_id, layout)
        cur.execute("DELETE FROM threads WHERE thread_id = ?", (thread_id,))


def delete_checkpoints(cur: Cursor, thread_id: str, layout: Layout) -> None:
    """Remove a thread's checkpoints and writes but keep its row (settings, fork parent)."""
    cur.execute(_THREAD_WRITES.format("thread_id = ?"), (thread_id,))
    if layout.legacy:
        cur.execute("DELETE FROM writes WHERE thread_id = ?", (thread_id,))
    cur.execute("DELETE FROM checkpoints WHERE thread_id = ?", (thread_id,))
    cur.execute("UPDATE threads SET head_checkpoint_id = NULL WHERE thread_id = ?", (thread_id,))


def delete_for_runs(
    cur: Cursor, run_ids: Sequence[str], layout: Layout, codec: _codec.BlobCodec
) -> None:
    """Delete the runs' checkpoints; the delta children left first become keyframes."""
    if not run_ids:
        return
    marks = ",".join("?" * len(run_ids))
    doomed = cur.execute(
        "SELECT thread_id, checkpoint_ns, checkpoint_id FROM checkpoints "
        f"WHERE run_id IN ({marks})",
        tuple(run_ids),
    ).fetchall()
    by_ns: dict[tuple[str, str], list[str]] = {}
    for thread_id, ns, cid in doomed:
        by_ns.setdefault((thread_id, ns), []).append(cid)
    for (thread_id, ns), ids in by_ns.items():
        _codec.detach(cur, codec, thread_id, ns, ids, frozenset(ids))
    if layout.legacy:
        cur.executemany(
            "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            doomed,
        )
    cur.execute(_THREAD_WRITES.format(f"run_id IN ({marks})"), tuple(run_ids))
    cur.execute(f"DELETE FROM checkpoints WHERE run_id IN ({marks})", tuple(run_ids))
    for thread_id in {row[0] for row in doomed}:
        repair_head(cur, thread_id)


def repair_head(cur: Cursor, thread_id: str) -> None:
    """Point a head at the newest root checkpoint left when its own one was deleted."""
    cur.execute(
        "UPDATE threads SET head_checkpoint_id = (SELECT max(checkpoint_id) FROM checkpoints "
        "WHERE thread_id = :t AND checkpoint_ns = '') WHERE thread_id = :t AND NOT EXISTS "
        "(SELECT 1 FROM checkpoints WHERE thread_id = :t AND checkpoint_ns = '' "
        "AND checkpoint_id = threads.head_checkpoint_id)",
        {"t": thread_id},
    )


def _copy_all(table: str, columns: str, keys: tuple[str, ...]) -> str:
    names = ("thread_id", *columns.split(", "))
    select = f"SELECT ?, {columns} FROM {table} WHERE thread_id = ?"
    return upsert(table, names, keys, select=select)


def _copy_checkpoints(layout: Layout, where: str = "") -> str:
    """Copy a thread's checkpoint rows (`where` narrows them) under new `ref`s; a row
    the target has already keeps its `ref` (and so its writes)."""
    columns = _CHECKPOINT_COLUMNS.split(", ")
    update = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in _KEYS)
    return (
        f"INSERT INTO checkpoints (thread_id, {_CHECKPOINT_COLUMNS}, ref) "
        f"SELECT ?, {_CHECKPOINT_COLUMNS}, {layout.next_refs} FROM checkpoints "
        f"WHERE thread_id = ?{where} "
        f"ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET {update}"
    )


def _copy_task_writes(where: str = "") -> str:
    """Copy the writes of a thread's checkpoints to the same checkpoints of the target."""
    return (
        "INSERT INTO task_writes (ref, task_id, idx, channel, type, value) "
        "SELECT n.ref, w.task_id, w.idx, w.channel, w.type, w.value FROM task_writes w "
        "JOIN checkpoints o ON o.ref = w.ref JOIN checkpoints n ON n.thread_id = ? "
        "AND n.checkpoint_ns = o.checkpoint_ns AND n.checkpoint_id = o.checkpoint_id "
        f"WHERE o.thread_id = ?{where} ON CONFLICT (ref, task_id, idx) DO UPDATE SET "
        "channel = excluded.channel, type = excluded.type, value = excluded.value"
    )


_KEYS = ("thread_id", "checkpoint_ns", "checkpoint_id")
_COPY_LEGACY_WRITES = _copy_all(
    "writes", _WRITE_COLUMNS, ("thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx")
)
_COPY_THREAD = _copy_all("threads", _THREAD_COPY_COLUMNS, ("thread_id",))


def copy_thread(
    cur: Cursor, source: str, target: str, layout: Layout, codec: _codec.BlobCodec
) -> None:
    """Copy every checkpoint and write, and the thread row with its head and settings.

    Deltas stay readable: every copied row's parent is copied too. A target row that a
    copied one replaces first gives its own delta children keyframes."""
    replaced = cur.execute(
        "SELECT t.checkpoint_ns, t.checkpoint_id FROM checkpoints t JOIN checkpoints s "
        "ON s.thread_id = ? AND s.checkpoint_ns = t.checkpoint_ns "
        "AND s.checkpoint_id = t.checkpoint_id WHERE t.thread_id = ?",
        (source, target),
    ).fetchall()
    by_ns: dict[str, list[str]] = {}
    for ns, cid in replaced:
        by_ns.setdefault(ns, []).append(cid)
    for ns, ids in by_ns.items():
        _codec.detach(cur, codec, target, ns, ids, frozenset(ids))
    cur.execute(_copy_checkpoints(layout), (target, source))
    cur.execute(_copy_task_writes(), (target, source))
    if layout.legacy:
        cur.execute(_COPY_LEGACY_WRITES, (target, source))
    cur.execute(_COPY_THREAD, (target, source))


def lineage_ids(cur: Cursor, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
    """A checkpoint and its ancestors, nearest first."""
    rows = cur.execute(
        LINEAGE_IDS_SQL,
        {"thread": thread_id, "ns": ns, "checkpoint": checkpoint_id, "limit": 10**7},
    ).fetchall()
    seen: dict[str, None] = {}
    for (cid,) in rows:
        if cid in seen:
            break  # a chain looped by INSERT OR REPLACE
        seen[cid] = None
    return list(seen)


def copy_lineage(
    cur: Cursor,
    source: str,
    target: str,
    ids: Sequence[str],
    *,
    writes_of: Sequence[str],
    layout: Layout,
) -> None:
    """Copy root-namespace checkpoints `ids`, and the writes stored at `writes_of`."""
    for start in range(0, len(ids), 500):
        part = tuple(ids[start : start + 500])
        where = f" AND checkpoint_ns = '' AND checkpoint_id IN ({','.join('?' * len(part))})"
        cur.execute(_copy_checkpoints(layout, where), (target, source, *part))
    for start in range(0, len(writes_of), 500):
        part = tuple(writes_of[start : start + 500])
        marks = ",".join("?" * len(part))
        where = f" AND o.checkpoint_ns = '' AND o.checkpoint_id IN ({marks})"
        cur.execute(_copy_task_writes(where), (target, source, *part))
        if layout.legacy:
            cur.execute(
                f"INSERT INTO writes (thread_id, {_WRITE_COLUMNS}) "
                f"SELECT ?, {_WRITE_COLUMNS} FROM writes "
                f"WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id IN ({marks})",
                (target, source, *part),
            )


def _replay_channels(
    cur: Cursor,
    serde: SerializerProtocol,
    key: tuple[str, str, str],
    metadata: str,
    counters: str | None,
) -> set[str]:
    """Delta channels this checkpoint rebuilds from ancestors' writes.

    LangGraph records `counters_since_delta_snapshot` only for delta channels; one that
    has a version but no stored value here has history to replay.
    """
    counters = full_metadata(metadata, None, None, counters).get(COUNTERS)
    if not counters:
        return set()
    checkpoint = _codec.load_one(cur, serde, *key)
    versions = checkpoint.get("channel_versions") or {}
    values = checkpoint.get("channel_values") or {}
    return {ch for ch in counters if ch in versions and ch not in values}


def keep_latest(cur: Cursor, serde: SerializerProtocol, thread_id: str, layout: Layout) -> None:
    """Keep each namespace's latest checkpoint plus the ancestors its delta replay needs."""
    namespaces = [
        ns
        for (ns,) in cur.execute(
            "SELECT DISTINCT checkpoint_ns FROM checkpoints WHERE thread_id = ?", (thread_id,)
        )
    ]
    for ns in namespaces:
        latest = _latest(cur, thread_id, ns)
        metadata, counters = cur.execute(
            "SELECT metadata, counters FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            (thread_id, ns, latest),
        ).fetchone()
        keep = [latest]
        pending = _replay_channels(cur, serde, (thread_id, ns, latest), metadata, counters)
        if pending:
            for cid in lineage_ids(cur, thread_id, ns, latest)[1:]:
                keep.append(cid)
                (value_keys,) = cur.execute(
                    "SELECT value_keys FROM checkpoints "
                    "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                    (thread_id, ns, cid),
                ).fetchone()
                pending -= set(json.loads(value_keys)) if value_keys else set()
                if not pending:
                    break
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS _keep (checkpoint_id TEXT PRIMARY KEY)")
        cur.execute("DELETE FROM _keep")
        cur.executemany(
            "INSERT INTO _keep VALUES (?) ON CONFLICT DO NOTHING", [(cid,) for cid in keep]
        )
        doomed = (
            "thread_id = ? AND checkpoint_ns = ? "
            "AND checkpoint_id NOT IN (SELECT checkpoint_id FROM _keep)"
        )
        # The oldest kept checkpoint's parent goes: a delta there becomes a keyframe.
        _codec.orphan(cur, _codec.BlobCodec(serde), thread_id, ns, [keep[-1]])
        cur.execute(_THREAD_WRITES.format(doomed), (thread_id, ns))
        for table in ("checkpoints", "writes") if layout.legacy else ("checkpoints",):
            cur.execute(f"DELETE FROM {table} WHERE {doomed}", (thread_id, ns))
    repair_head(cur, thread_id)


def _latest(cur: Cursor, thread_id: str, ns: str) -> str:
    if ns == "":
        row = cur.execute(
            "SELECT head_checkpoint_id FROM threads t WHERE thread_id = ? AND EXISTS ("
            "SELECT 1 FROM checkpoints c WHERE c.thread_id = t.thread_id "
            "AND c.checkpoint_ns = '' AND c.checkpoint_id = t.head_checkpoint_id)",
            (thread_id,),
        ).fetchone()
        if row:
            return row[0]
    return cur.execute(
        "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?",
        (thread_id, ns),
    ).fetchone()[0]


class Maintenance:
    """The saver's delete, copy and prune methods (a mixin of `SaverCore`)."""

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread's checkpoints, writes and thread row."""
        with self._write() as cur:
            delete_threads(cur, [str(thread_id)], self.layout)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints (and writes) created by these runs.

        Like upstream, this can break DeltaChannel replay for later checkpoints of the
        same thread; heads that pointed at deleted checkpoints move to the newest left, and
        blobs stored as deltas against deleted ones are stored whole first.
        """
        with self._write() as cur:
            codec = _codec.BlobCodec(self.serde)
            delete_for_runs(cur, [str(r) for r in run_ids], self.layout, codec)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of a thread (all namespaces) to another id."""
        with self._write() as cur:
            codec = _codec.BlobCodec(self.serde)
            copy_thread(cur, str(source_thread_id), str(target_thread_id), self.layout, codec)

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
                    delete_checkpoints(cur, str(thread_id), self.layout)
                else:
                    keep_latest(cur, self.serde, str(thread_id), self.layout)
