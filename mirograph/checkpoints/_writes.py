"""Pending writes, one row per task: the layout that keeps a long thread close to its content.

LangGraph's stock layout stores one row per channel write, each keyed by the thread id,
the 36-character checkpoint id, the task id and its index, with the task path beside it:
about 250 bytes of keys per write, four writes a step. Here a `put_writes` call is one
`task_writes` row keyed by the checkpoint's integer `ref`, the task id (16 bytes for a
UUID) and 0, its writes packed in one blob (task path, channel, index and value of each,
compressed and encrypted together). Writes to the special channels (`WRITES_IDX_MAP`:
errors, interrupts, resumes) keep a row each, with its channel and index, because a later
call replaces them one by one and `liveness` looks for them by channel.

Threads written before this layout keep their rows in the stock `writes` table; the
readers here read both (`legacy`), so an old file opens and reads without a migration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from langgraph.checkpoint.base import WRITES_IDX_MAP, PendingWrite, writes_sort_key
from langgraph.checkpoint.serde.base import SerializerProtocol

from mirograph.checkpoints._records import Layout, decode_task, encode_task

__all__ = ["Layout", "decode_task", "encode_task"]

Cursor = Any
Write = tuple[str, str, int, str, Any]
"""task_id, channel, idx, task_path, value: one write, decoded."""

_CHUNK = 500
_UPSERT = (
    "INSERT INTO task_writes (ref, task_id, idx, channel, type, value) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ref, task_id, idx) "
)
REPLACE = _UPSERT + (
    "DO UPDATE SET channel = excluded.channel, type = excluded.type, value = excluded.value"
)
KEEP = _UPSERT + "DO NOTHING"


def rows_for(
    ref: int | None,
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
    serde: SerializerProtocol,
) -> tuple[str, list[tuple[Any, ...]]]:
    """The SQL and `task_writes` rows of one `put_writes` call."""
    task = encode_task(task_id)
    if all(channel in WRITES_IDX_MAP for channel, _ in writes):
        rows = []
        for channel, value in writes:
            idx = WRITES_IDX_MAP[channel]
            type_, blob = serde.dumps_typed([task_path, [[channel, idx, value]]])
            rows.append((ref, task, idx, channel, type_, blob))
        return REPLACE, rows
    packed = [[ch, WRITES_IDX_MAP.get(ch, i), value] for i, (ch, value) in enumerate(writes)]
    type_, blob = serde.dumps_typed([task_path, packed])
    return KEEP, [(ref, task, 0, "", type_, blob)]


def unpack(task: bytes, type_: str, blob: bytes, serde: SerializerProtocol) -> list[Write]:
    """The writes one row holds."""
    task_path, writes = serde.loads_typed((type_, bytes(blob)))
    task_id = decode_task(task)
    return [(task_id, channel, idx, task_path, value) for channel, idx, value in writes]


def by_ref(cur: Cursor, refs: Sequence[int], serde: SerializerProtocol) -> dict[int, list[Write]]:
    """Every write stored at these checkpoints (by `ref`), in LangGraph's replay order."""
    found: dict[int, list[Write]] = defaultdict(list)
    for start in range(0, len(refs), _CHUNK):
        part = list(refs[start : start + _CHUNK])
        for ref, task, type_, blob in cur.execute(
            "SELECT ref, task_id, type, value FROM task_writes "
            f"WHERE ref IN ({','.join('?' * len(part))})",
            part,
        ):
            found[ref].extend(unpack(task, type_, blob, serde))
    for writes in found.values():
        writes.sort(key=lambda w: writes_sort_key(w[3], w[0], w[2]))
    return found


def legacy_by_checkpoint(
    cur: Cursor,
    thread_id: str,
    ns: str,
    ids: Sequence[str],
    serde: SerializerProtocol,
    has_task_path: bool,
) -> dict[str, list[Write]]:
    """The same from the stock `writes` table (threads written before `task_writes`)."""
    task_path = "task_path" if has_task_path else "''"
    found: dict[str, list[Write]] = defaultdict(list)
    for start in range(0, len(ids), _CHUNK):
        part = list(ids[start : start + _CHUNK])
        for cid, task_id, channel, idx, path, type_, value in cur.execute(
            f"SELECT checkpoint_id, task_id, channel, idx, {task_path}, type, value FROM writes "
            "WHERE thread_id = ? AND checkpoint_ns = ? "
            f"AND checkpoint_id IN ({','.join('?' * len(part))})",
            (thread_id, ns, *part),
        ):
            found[cid].append((task_id, channel, idx, path, serde.loads_typed((type_, value))))
    for writes in found.values():
        writes.sort(key=lambda w: writes_sort_key(w[3], w[0], w[2]))
    return found


def pending(writes: Iterable[Write]) -> list[PendingWrite]:
    return [(task_id, channel, value) for task_id, channel, _, _, value in writes]
