"""Checkpoint blobs stored as deltas against their parent, and reading them back.

Consecutive checkpoints of a thread are ~90 % identical (channel versions, versions
seen, the small channel values), so a checkpoint is stored deflated with its parent
checkpoint's serialized bytes as dictionary (type `d`, see `_blob`), with a keyframe
(`z`, deflated alone) at least every `KEYFRAME_EVERY` checkpoints along a lineage.

Parent chains, not deltas against a keyframe: measured over a 6,000-call thread (with
the V1 dictionary), a blob took 179 bytes alone, 77 against its parent and 95-103
against a keyframe 6-24 steps back; a parent chain with a keyframe every 16 averages
~83 (with V2: 147 alone, 65 as a delta, 71 on average). Both need the same writer (the
last blob written, per thread, in memory) and the same maintenance (re-encode the
dependents of a deleted checkpoint); the parent is already a column of the row, while
a keyframe would need one more. A read unpacks at most 16 small blobs, fetched in one
query (`CHAIN_SQL`); a batch (`list`) unpacks each base once.

The writer (`_codec`) never reads a base back: a miss (first checkpoint, a fork, a
resume after a restart) writes a keyframe. Anything that deletes or replaces a
checkpoint first re-encodes its surviving delta children as keyframes (`_codec.detach`),
so no delta outlives its base. Nothing here imports LangGraph (the CLI's listings read
blobs through it); decryption is the caller's `Open`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mirograph.checkpoints._blob import DELTA, MAX_INFLATED, unpack
from mirograph.errors import DatabaseError

KEYFRAME_EVERY = 16
"""A keyframe at least every this many checkpoints along a lineage (the writer's bound)."""
MAX_CHAIN = 1024
"""Most deltas a reader follows (a looped or tampered chain is refused, not followed)."""

Open = Callable[[str, bytes], tuple[str, bytes]]
"""A stored (type, blob) without its encryption: (the `_blob` tag, plaintext)."""
Row = tuple[str | None, str, bytes]
"""parent_checkpoint_id, type, blob"""

_NO_BASE = "A checkpoint delta has no base checkpoint: the database is damaged."

IS_DELTA = "(type = 'd' OR type LIKE 'd+%')"
"""SQL: the row's blob is a delta (plain or encrypted)."""

CHAIN_SQL = f"""
WITH RECURSIVE chain(checkpoint_id, parent_checkpoint_id, type, checkpoint, depth) AS (
    SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint, 0 FROM checkpoints
    WHERE thread_id = :thread AND checkpoint_ns = :ns AND checkpoint_id = :checkpoint
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, c.type, c.checkpoint, a.depth + 1
    FROM chain a CROSS JOIN checkpoints c
      ON c.thread_id = :thread AND c.checkpoint_ns = :ns
     AND c.checkpoint_id = a.parent_checkpoint_id
    WHERE a.depth < :limit AND {IS_DELTA.replace("type", "a.type")}
)
SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint FROM chain
"""
"""A checkpoint and the ancestors its delta needs, nearest first, in one query."""


def is_delta(tag: str) -> bool:
    return tag == DELTA or tag.startswith(DELTA + "+")


class Blobs:
    """The serialized checkpoints of one thread namespace, each base inflated once.

    `add` the rows at hand (a batch); `get` fetches whatever base is missing.
    """

    def __init__(
        self, cur: Any, thread_id: str, ns: str, open_: Open, limit: int = MAX_INFLATED
    ) -> None:
        self.cur, self.thread_id, self.ns = cur, thread_id, ns
        self.open, self.limit = open_, limit
        self.rows: dict[str, Row] = {}
        self.raw: dict[str, tuple[str, bytes]] = {}

    def add(self, checkpoint_id: str, parent_id: str | None, type_: str, blob: Any) -> None:
        self.rows[checkpoint_id] = (parent_id, type_, bytes(blob or b""))

    def get(self, checkpoint_id: str) -> tuple[str, bytes]:
        """LangGraph's type and the serialized bytes of one checkpoint."""
        deltas: list[tuple[str, bytes]] = []
        current: str | None = checkpoint_id
        while current not in self.raw:
            if current is None or len(deltas) > MAX_CHAIN:
                raise DatabaseError(_NO_BASE)
            parent, tag, payload = self.row(current)
            tag, payload = self.open(tag, payload)
            if tag != DELTA:
                self.raw[current] = unpack(tag, payload, None, self.limit)
                break
            deltas.append((current, payload))
            current = parent
        base = self.raw[current][1]
        for cid, payload in reversed(deltas):
            self.raw[cid] = unpack(DELTA, payload, base, self.limit)
            base = self.raw[cid][1]
        return self.raw[checkpoint_id]

    def row(self, checkpoint_id: str) -> Row:
        """The checkpoint's stored row (fetched with the bases its delta chain needs)."""
        if checkpoint_id in self.rows:
            return self.rows[checkpoint_id]
        params = {
            "thread": self.thread_id,
            "ns": self.ns,
            "checkpoint": checkpoint_id,
            "limit": MAX_CHAIN,
        }
        for cid, parent, type_, blob in self.cur.execute(CHAIN_SQL, params).fetchall():
            self.rows.setdefault(cid, (parent, type_, bytes(blob or b"")))
        if checkpoint_id not in self.rows:
            raise DatabaseError(_NO_BASE)
        return self.rows[checkpoint_id]
