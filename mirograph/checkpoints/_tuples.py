"""Rows to `CheckpointTuple`s, with every row's pending writes fetched in bulk."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, cast

from langgraph.checkpoint.base import CheckpointMetadata, CheckpointTuple, writes_sort_key
from langgraph.checkpoint.serde.base import SerializerProtocol

import mirograph.checkpoints._codec as _codec
import mirograph.checkpoints._writes as _writes

TupleRow = tuple[str, str, str, str | None, str, bytes, Any, Any, Any, Any, Any, Any]
"""thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, blob, metadata,
step, source, counters, created_at, ref"""

CHECKPOINT_ROW = (
    "thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, "
    "metadata, step, source, {counters}, created_at, {ref}"
)
COUNTERS = "counters_since_delta_snapshot"


DEFAULT_METADATA = '{"parents":{}}'
"""What a NULL metadata column stands for: a root-namespace checkpoint's usual metadata
once `step`, `source` and the counters are apart (the SQL filters `COALESCE` to it)."""


def compact_metadata(meta: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The metadata and counters columns: the JSON of what the `step` and `source`
    columns do not hold already, and LangGraph's delta counters apart (they are put back
    on reading, see `full_metadata`): a checkpoint's metadata shrinks to `{"parents":{}}`,
    stored as NULL."""
    rest = {
        k: v
        for k, v in meta.items()
        if not (k == "step" and type(v) is int)
        and not (k == "source" and type(v) is str)
        and k != COUNTERS
    }
    counters = json.dumps(meta[COUNTERS], separators=(",", ":")) if COUNTERS in meta else None
    text = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return (None if text == DEFAULT_METADATA else text), counters


def full_metadata(
    text: str | bytes | None, step: Any, source: Any, counters: str | None
) -> dict[str, Any]:
    meta = json.loads(text if text is not None else DEFAULT_METADATA)
    if step is not None:
        meta.setdefault("step", step)
    if source is not None:
        meta.setdefault("source", source)
    if counters is not None:
        meta.setdefault(COUNTERS, json.loads(counters))
    return meta


def compact_checkpoint(checkpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    """The checkpoint as its blob holds it: without the `id` and `ts` that the row's
    `checkpoint_id` and `created_at` hold already (put back by `full_checkpoint`)."""
    if "ts" not in checkpoint:
        return checkpoint
    return {k: v for k, v in checkpoint.items() if k not in ("id", "ts")}


def full_checkpoint(loaded: Any, checkpoint_id: str, created_at: str | None) -> Any:
    if isinstance(loaded, dict) and "id" not in loaded:
        loaded["id"], loaded["ts"] = checkpoint_id, created_at
    return loaded


def _writes_by_checkpoint(
    cur: Any, rows: list[TupleRow], serde: SerializerProtocol, legacy: bool, has_task_path: bool
) -> dict[tuple[str, str, str], list[_writes.Write]]:
    """One query per 500 refs (and, for old threads, per thread and 500 ids)."""
    refs = {row[11]: (row[0], row[1], row[2]) for row in rows if row[11] is not None}
    found: dict[tuple[str, str, str], list[_writes.Write]] = defaultdict(list)
    for ref, writes in _writes.by_ref(cur, list(refs), serde).items():
        found[refs[ref]].extend(writes)
    if legacy:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for thread_id, ns, cid, *_ in rows:
            groups[(thread_id, ns)].append(cid)
        for (thread_id, ns), ids in groups.items():
            old = _writes.legacy_by_checkpoint(cur, thread_id, ns, ids, serde, has_task_path)
            for cid, writes in old.items():
                found[(thread_id, ns, cid)].extend(writes)
                found[(thread_id, ns, cid)].sort(key=lambda w: writes_sort_key(w[3], w[0], w[2]))
    return found


def load_tuples(
    cur: Any,
    rows: list[TupleRow],
    serde: SerializerProtocol,
    *,
    legacy: bool = False,
    has_task_path: bool = True,
) -> list[CheckpointTuple]:
    """Deserialize checkpoint rows and attach their pending writes (sorted as LangGraph expects)."""
    writes = _writes_by_checkpoint(cur, rows, serde, legacy, has_task_path)
    loaded = _codec.load_checkpoints(cur, serde, [row[:6] for row in rows])
    tuples = []
    for row, blob in zip(rows, loaded, strict=True):
        thread_id, ns, cid, parent_id, _, _, metadata, step, source = row[:9]
        counters, created_at = row[9], row[10]
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
                full_checkpoint(blob, cid, created_at),
                cast(CheckpointMetadata, full_metadata(metadata, step, source, counters)),
                parent,
                _writes.pending(writes.get((thread_id, ns, cid), [])),
            )
        )
    return tuples


def _config(thread_id: str, ns: str, checkpoint_id: str) -> Any:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }
