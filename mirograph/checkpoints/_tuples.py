"""Rows to `CheckpointTuple`s, with every row's pending writes fetched in bulk."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from typing import Any, cast

from langgraph.checkpoint.base import CheckpointMetadata, CheckpointTuple
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite.utils import load_pending_writes

TupleRow = tuple[str, str, str, str | None, str, bytes, Any]
"""thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, blob, metadata"""

_CHUNK = 500


def _writes_by_checkpoint(
    cur: sqlite3.Cursor, rows: list[TupleRow], has_task_path: bool
) -> dict[tuple[str, str, str], list[tuple[Any, ...]]]:
    """One query per (thread, namespace) and 500 ids, instead of one per checkpoint."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for thread_id, ns, cid, *_ in rows:
        groups[(thread_id, ns)].append(cid)
    task_path = "task_path" if has_task_path else "''"
    found: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for (thread_id, ns), ids in groups.items():
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            for cid, *write in cur.execute(
                f"SELECT checkpoint_id, task_id, channel, type, value, {task_path}, idx "
                "FROM writes WHERE thread_id = ? AND checkpoint_ns = ? "
                f"AND checkpoint_id IN ({','.join('?' * len(part))})",
                (thread_id, ns, *part),
            ):
                found[(thread_id, ns, cid)].append(tuple(write))
    return found


def load_tuples(
    cur: sqlite3.Cursor,
    rows: list[TupleRow],
    serde: SerializerProtocol,
    has_task_path: bool,
) -> list[CheckpointTuple]:
    """Deserialize checkpoint rows and attach their pending writes (sorted as LangGraph expects)."""
    writes = _writes_by_checkpoint(cur, rows, has_task_path)
    tuples = []
    for thread_id, ns, cid, parent_id, type_, blob, metadata in rows:
        parent = (
            {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": ns,
                    "checkpoint_id": parent_id,
                }
            }
            if parent_id
            else None
        )
        tuples.append(
            CheckpointTuple(
                {
                    "configurable": {
                        "thread_id": thread_id,
                        "checkpoint_ns": ns,
                        "checkpoint_id": cid,
                    }
                },
                serde.loads_typed((type_, blob)),
                cast(CheckpointMetadata, json.loads(metadata) if metadata is not None else {}),
                parent,
                load_pending_writes(writes.get((thread_id, ns, cid), []), serde),
            )
        )
    return tuples
