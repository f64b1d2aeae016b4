"""Writing checkpoint blobs as parent deltas, and keeping every delta's base stored.

See `_chain` for the format and why parent chains. The writer remembers, per thread
namespace, the blob it wrote last (`Bases`); the next checkpoint of that lineage is a
delta against it, unless the chain is `KEYFRAME_EVERY` long or the parent's row is not
what was written (deleted, replaced, rewritten by another process: checked in the write's
transaction by one primary-key read). Compression comes before encryption: a delta is
deflated, then sealed by the cipher like any blob.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

from mirograph.checkpoints._blob import DELTA, MAX_INFLATED, MSGPACK, deflate, delta_dictionary
from mirograph.checkpoints._chain import IS_DELTA, KEYFRAME_EVERY, Blobs
from mirograph.checkpoints._serde import CompressedSerializer
from mirograph.checkpoints._sql import marks
from mirograph.errors import DatabaseError

Cursor = Any


@dataclass(frozen=True)
class Written:
    """The last blob written for a thread namespace: what its child is a delta against."""

    checkpoint_id: str
    dictionary: bytes
    """What a delta against it is deflated with (`_blob.delta_dictionary`: 32 KiB at most)."""
    stored: tuple[str, bytes]
    depth: int
    """Deltas since the last keyframe (0: this one is a keyframe)."""


class Bases:
    """The last `Written` of the most recently written thread namespaces."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], Written] = OrderedDict()
        self._size = size

    def get(self, key: tuple[str, str]) -> Written | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[str, str], written: Written) -> None:
        with self._lock:
            self._items[key] = written
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class BlobCodec:
    """The serializer stack's parts a delta needs: the compressor and the cipher."""

    def __init__(self, serde: SerializerProtocol) -> None:
        self.serde = serde
        inner = serde.serde if isinstance(serde, EncryptedSerializer) else serde
        self.cipher = serde.cipher if isinstance(serde, EncryptedSerializer) else None
        self.compressed = inner if isinstance(inner, CompressedSerializer) else None

    @property
    def deltas(self) -> bool:
        """Whether blobs are ours to encode (compression on, a mirograph stack)."""
        return self.compressed is not None and self.compressed.min_size < 2**62

    def seal(self, tag: str, payload: bytes) -> tuple[str, bytes]:
        if self.cipher is None:
            return tag, payload
        name, sealed = self.cipher.encrypt(payload)
        return f"{tag}+{name}", sealed

    def open(self, tag: str, payload: bytes) -> tuple[str, bytes]:
        if "+" not in tag:
            return tag, payload
        if self.cipher is None:
            raise DatabaseError("This database is encrypted: pass its encryption key to open it.")
        tag, name = tag.split("+", 1)
        return tag, self.cipher.decrypt(name, payload)

    def encode(self, kind: str, raw: bytes, base: Written | None) -> tuple[str, bytes]:
        """A stored (type, blob): a delta against `base`, or alone (`base=None`)."""
        assert self.compressed is not None
        if base is not None and kind == MSGPACK:
            return self.seal(DELTA, deflate(raw, base.dictionary))
        return self.seal(*self.compressed.pack(kind, raw))

    def loads(self, kind: str, raw: bytes) -> Any:
        assert self.compressed is not None
        return self.compressed.serde.loads_typed((kind, raw))

    def blobs(self, cur: Cursor, thread_id: str, ns: str) -> Blobs:
        limit = self.compressed.max_inflated if self.compressed else MAX_INFLATED
        return Blobs(cur, thread_id, ns, self.open, limit)

    def load(self, blobs: Blobs, checkpoint_id: str) -> Any:
        """One checkpoint of `blobs`, deserialized (a foreign stack loads its own rows)."""
        if self.compressed is None:
            _, type_, blob = blobs.row(checkpoint_id)
            return self.serde.loads_typed((type_, blob))
        return self.loads(*blobs.get(checkpoint_id))


@dataclass(frozen=True)
class Draft:
    """A checkpoint's blob, encoded before its transaction."""

    kind: str
    raw: bytes
    stored: tuple[str, bytes]
    base: Written | None

    def written(self, checkpoint_id: str, stored: tuple[str, bytes], depth: int) -> Written:
        """What the next checkpoint's delta needs of this one, once it is stored."""
        return Written(checkpoint_id, delta_dictionary(self.raw), stored, depth)


def draft(codec: BlobCodec, obj: Any, last: Written | None, parent_id: str | None) -> Draft:
    """Encode against the last blob written if it is the parent and the chain is short."""
    assert codec.compressed is not None
    kind, raw = codec.compressed.serde.dumps_typed(obj)
    base = last
    if base is None or base.checkpoint_id != parent_id or base.depth + 1 >= KEYFRAME_EVERY:
        base = None
    return Draft(kind, raw, codec.encode(kind, raw, base), base)


def settle(
    cur: Cursor, codec: BlobCodec, key: tuple[str, str, str], parent_id: str | None, d: Draft
) -> tuple[tuple[str, bytes], int]:
    """The blob to store (and its delta depth), in the write's transaction: a keyframe
    where the parent's row is not the one the draft is a delta against. A row replaced
    by this write first hands its delta children their own keyframes."""
    thread_id, ns, checkpoint_id = key
    ids = [checkpoint_id] if parent_id is None else [checkpoint_id, parent_id]
    found = {
        cid: (type_, bytes(blob or b""))
        for cid, type_, blob in cur.execute(
            "SELECT checkpoint_id, type, checkpoint FROM checkpoints WHERE thread_id = ? "
            f"AND checkpoint_ns = ? AND checkpoint_id IN ({marks(len(ids))})",
            (thread_id, ns, *ids),
        ).fetchall()
    }
    if checkpoint_id in found:
        detach(cur, codec, thread_id, ns, [checkpoint_id])
    if d.base is None:
        return d.stored, 0
    if parent_id == checkpoint_id or found.get(parent_id) != d.base.stored:
        return codec.encode(d.kind, d.raw, None), 0
    return d.stored, d.base.depth + 1


def materialize(cur: Cursor, codec: BlobCodec, thread_id: str, ns: str, ids: Sequence[str]) -> None:
    """Re-encode these checkpoints as keyframes where they are deltas (the caller is
    about to delete or replace their bases)."""
    blobs = codec.blobs(cur, thread_id, ns)
    raws = {cid: blobs.get(cid) for cid in ids}
    cur.executemany(
        "UPDATE checkpoints SET type = ?, checkpoint = ? "
        "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
        [(*codec.encode(*raws[cid], None), thread_id, ns, cid) for cid in ids],
    )


def detach(
    cur: Cursor,
    codec: BlobCodec,
    thread_id: str,
    ns: str,
    parents: Sequence[str],
    doomed: frozenset[str] = frozenset(),
) -> None:
    """Make the delta children of `parents` keyframes (all but those in `doomed`)."""
    children = [
        cid
        for cid in _deltas(cur, thread_id, ns, "parent_checkpoint_id", parents)
        if cid not in doomed
    ]
    _keyframes(cur, codec, thread_id, ns, children)


def orphan(cur: Cursor, codec: BlobCodec, thread_id: str, ns: str, ids: Sequence[str]) -> None:
    """These checkpoints' parents are about to go: store the deltas among them whole."""
    _keyframes(cur, codec, thread_id, ns, _deltas(cur, thread_id, ns, "checkpoint_id", ids))


def _deltas(cur: Cursor, thread_id: str, ns: str, column: str, ids: Sequence[str]) -> list[str]:
    """The delta rows whose `column` is one of `ids`."""
    found: list[str] = []
    for start in range(0, len(ids), 500):
        part = tuple(ids[start : start + 500])
        found += [
            cid
            for (cid,) in cur.execute(
                "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                f"AND {column} IN ({marks(len(part))}) AND {IS_DELTA}",
                (thread_id, ns, *part),
            ).fetchall()
        ]
    return found


def _keyframes(cur: Cursor, codec: BlobCodec, thread_id: str, ns: str, children: list[str]) -> None:
    if children:
        if codec.compressed is None:
            raise DatabaseError(
                "This database stores checkpoint deltas: open it with mirograph's serializer."
            )
        materialize(cur, codec, thread_id, ns, children)


def load_checkpoints(
    cur: Cursor, serde: SerializerProtocol, rows: Sequence[tuple[str, str, str, Any, str, Any]]
) -> list[Any]:
    """Deserialize (thread, ns, id, parent id, type, blob) rows, resolving deltas in bulk."""
    codec = BlobCodec(serde)
    chains: dict[tuple[str, str], Blobs] = {}
    for thread_id, ns, cid, parent, type_, blob in rows:
        if (thread_id, ns) not in chains:
            chains[(thread_id, ns)] = codec.blobs(cur, thread_id, ns)
        chains[(thread_id, ns)].add(cid, parent, type_, blob)
    return [codec.load(chains[(row[0], row[1])], row[2]) for row in rows]


def load_one(cur: Cursor, serde: SerializerProtocol, thread_id: str, ns: str, cid: str) -> Any:
    """One stored checkpoint, deserialized (its delta bases fetched in one query)."""
    codec = BlobCodec(serde)
    return codec.load(codec.blobs(cur, thread_id, ns), cid)
