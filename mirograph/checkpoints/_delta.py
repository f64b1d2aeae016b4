"""`get_delta_channel_history` that reads ancestors' keys, not their blobs.

The stock SQLite walk deserializes every ancestor checkpoint to look for a seed. With
mirograph's transcript snapshot interval (100 000) a 600-step run has no seed at all, so
every load of the state would unpack ~1 200 blobs. `put` records the keys of
`channel_values` in `value_keys`; the walk reads those and unpacks a blob only where a
seed actually is (or for rows written by the stock saver, which lack the column).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import DeltaChannelHistory, PendingWrite, writes_sort_key
from langgraph.checkpoint.serde.base import SerializerProtocol

import mirograph.checkpoints._codec as _codec
import mirograph.checkpoints._writes as _writes

ANCESTORS_SQL = """
WITH RECURSIVE ancestors(checkpoint_id, parent_checkpoint_id, value_keys, ref, depth) AS (
    SELECT checkpoint_id, parent_checkpoint_id, value_keys, {ref}, 0 FROM checkpoints
    WHERE thread_id = :thread AND checkpoint_ns = :ns AND checkpoint_id = :checkpoint
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, c.value_keys, {c_ref}, a.depth + 1
    FROM ancestors a CROSS JOIN checkpoints c
      ON c.thread_id = :thread AND c.checkpoint_ns = :ns
     AND c.checkpoint_id = a.parent_checkpoint_id
    WHERE a.depth < :limit
)
SELECT checkpoint_id, value_keys, ref FROM ancestors
"""


def delta_history(
    cur: Any,
    serde: SerializerProtocol,
    *,
    thread_id: str,
    checkpoint_ns: str,
    checkpoint_id: str,
    channels: Sequence[str],
    has_ref: bool = True,
    legacy: bool = False,
    has_task_path: bool = True,
) -> dict[str, DeltaChannelHistory]:
    """Per channel: the nearest ancestor seed and the writes after it, oldest first."""
    ref, c_ref = ("ref", "c.ref") if has_ref else ("NULL", "NULL")
    sql = ANCESTORS_SQL.format(ref=ref, c_ref=c_ref)
    rows = cur.execute(
        sql,
        {"thread": thread_id, "ns": checkpoint_ns, "checkpoint": checkpoint_id, "limit": 10**7},
    ).fetchall()
    chain_by_ch: dict[str, list[str]] = {ch: [] for ch in channels}
    seed_by_ch: dict[str, Any] = {}
    refs: dict[str, int] = {}
    active = set(channels)
    seen = {checkpoint_id}
    # The target's own writes are pending for the next step: skip the first row.
    for cid, value_keys, row_ref in rows[1:]:
        if not active or cid in seen:
            break
        seen.add(cid)
        if row_ref is not None:
            refs[cid] = row_ref
        for ch in active:
            chain_by_ch[ch].append(cid)
        keys = json.loads(value_keys) if value_keys is not None else None
        if keys is not None and not active.intersection(keys):
            continue
        values = _codec.load_one(cur, serde, thread_id, checkpoint_ns, cid).get("channel_values")
        values = values or {}
        for ch in [ch for ch in active if ch in values]:
            seed_by_ch[ch] = values[ch]
            active.discard(ch)
    writes = _chain_writes(
        cur, serde, thread_id, checkpoint_ns, refs, chain_by_ch, legacy, has_task_path
    )
    result: dict[str, DeltaChannelHistory] = {}
    for ch in channels:
        collected: list[PendingWrite] = [
            (task_id, channel, value)
            for cid in reversed(chain_by_ch[ch])  # the chain is newest first
            for task_id, channel, _, _, value in writes.get(cid, ())
            if channel == ch
        ]
        entry: DeltaChannelHistory = {"writes": collected}
        if ch in seed_by_ch:
            entry["seed"] = seed_by_ch[ch]
        result[ch] = entry
    return result


def _chain_writes(
    cur: Any,
    serde: SerializerProtocol,
    thread_id: str,
    ns: str,
    refs: dict[str, int],
    chain_by_ch: dict[str, list[str]],
    legacy: bool,
    has_task_path: bool,
) -> dict[str, list[_writes.Write]]:
    """The writes stored at every checkpoint of the chains, by checkpoint id, in order."""
    chain = list(dict.fromkeys(cid for ids in chain_by_ch.values() for cid in ids))
    cid_of = {ref: cid for cid, ref in refs.items()}
    stored = _writes.by_ref(cur, [refs[c] for c in chain if c in refs], serde)
    found = {cid_of[ref]: writes for ref, writes in stored.items()}
    if legacy:
        old = _writes.legacy_by_checkpoint(cur, thread_id, ns, chain, serde, has_task_path)
        for cid, writes in old.items():
            merged = [*found.get(cid, []), *writes]
            merged.sort(key=lambda w: writes_sort_key(w[3], w[0], w[2]))
            found[cid] = merged
    return found
