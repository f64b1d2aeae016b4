"""`get_delta_channel_history` that reads ancestors' keys, not their blobs.

The stock SQLite walk deserializes every ancestor checkpoint to look for a seed. With
mirograph's transcript snapshot interval (100 000) a 600-step run has no seed at all, so
every load of the state would unpack ~1 200 blobs. `put` records the keys of
`channel_values` in `value_keys`; the walk reads those and unpacks a blob only where a
seed actually is (or for rows written by the stock saver, which lack the column).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import DeltaChannelHistory
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite._delta import (
    build_delta_channels_writes_history,
)

ANCESTORS_SQL = """
WITH RECURSIVE ancestors(checkpoint_id, parent_checkpoint_id, value_keys, depth) AS (
    SELECT checkpoint_id, parent_checkpoint_id, value_keys, 0 FROM checkpoints
    WHERE thread_id = :thread AND checkpoint_ns = :ns AND checkpoint_id = :checkpoint
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, c.value_keys, a.depth + 1
    FROM ancestors a CROSS JOIN checkpoints c
      ON c.thread_id = :thread AND c.checkpoint_ns = :ns
     AND c.checkpoint_id = a.parent_checkpoint_id
    WHERE a.depth < :limit
)
SELECT checkpoint_id, value_keys FROM ancestors
"""

_BLOB_SQL = (
    "SELECT type, checkpoint FROM checkpoints "
    "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?"
)
_CHUNK = 500


def delta_history(
    cur: sqlite3.Cursor,
    serde: SerializerProtocol,
    *,
    thread_id: str,
    checkpoint_ns: str,
    checkpoint_id: str,
    channels: Sequence[str],
    has_task_path: bool,
) -> dict[str, DeltaChannelHistory]:
    """Per channel: the nearest ancestor seed and the writes after it, oldest first."""
    rows = cur.execute(
        ANCESTORS_SQL,
        {"thread": thread_id, "ns": checkpoint_ns, "checkpoint": checkpoint_id, "limit": 10**7},
    ).fetchall()
    chain_by_ch: dict[str, list[str]] = {ch: [] for ch in channels}
    seed_by_ch: dict[str, Any] = {}
    active = set(channels)
    seen = {checkpoint_id}
    # The target's own writes are pending for the next step: skip the first row.
    for cid, value_keys in rows[1:]:
        if not active or cid in seen:
            break
        seen.add(cid)
        for ch in active:
            chain_by_ch[ch].append(cid)
        keys = json.loads(value_keys) if value_keys is not None else None
        if keys is not None and not active.intersection(keys):
            continue
        type_, blob = cur.execute(_BLOB_SQL, (thread_id, checkpoint_ns, cid)).fetchone()
        values = serde.loads_typed((type_, blob)).get("channel_values") or {}
        for ch in [ch for ch in active if ch in values]:
            seed_by_ch[ch] = values[ch]
            active.discard(ch)

    task_path = "task_path" if has_task_path else "''"
    write_rows: list[tuple[str, str, str, int, str, bytes, str]] = []
    for ch in channels:
        chain = chain_by_ch[ch]
        for start in range(0, len(chain), _CHUNK):
            part = chain[start : start + _CHUNK]
            write_rows.extend(
                cur.execute(
                    f"SELECT checkpoint_id, channel, task_id, idx, type, value, {task_path} "
                    "FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND channel = ? "
                    f"AND checkpoint_id IN ({','.join('?' * len(part))})",
                    (thread_id, checkpoint_ns, ch, *part),
                )
            )
    return build_delta_channels_writes_history(
        channels=channels,
        chain_by_ch=chain_by_ch,
        seed_val_by_ch=seed_by_ch,
        seeded=set(seed_by_ch),
        stage2_rows=write_rows,
        serde=serde,
    )
