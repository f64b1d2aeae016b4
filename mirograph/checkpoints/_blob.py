"""Inflating a stored blob, without LangGraph: shared by the serializer and the listings."""

from __future__ import annotations

import zlib

from mirograph.checkpoints._zdict import _ZDICT_V1
from mirograph.errors import DatabaseError

_ZLIB_SUFFIX = ";zd1"
"""Type tag suffix of blobs deflated with the preset dictionary."""

_INFLATE_STEP = 1 << 20

MAX_INFLATED = 64 * 1024 * 1024
"""Most bytes one blob may inflate to: a tampered blob cannot exhaust memory (a real
blob is one step's writes, far below this)."""


def _inflate(payload: bytes, limit: int) -> bytes:
    """Inflate at most `limit` bytes, 1 MiB at a time; more is a damaged (or hostile) blob."""
    inflate = zlib.decompressobj(zdict=_ZDICT_V1)
    parts: list[bytes] = []
    total = 0
    try:
        while not inflate.eof:
            part = inflate.decompress(payload, _INFLATE_STEP)
            payload = inflate.unconsumed_tail
            total += len(part)
            if total > limit:
                raise DatabaseError(
                    f"A checkpoint blob inflates past {limit} bytes: the database is "
                    "damaged or tampered with."
                )
            if not part and not payload:
                break
            parts.append(part)
    except zlib.error:
        raise DatabaseError("A checkpoint blob is damaged (bad compression).") from None
    if not inflate.eof:
        raise DatabaseError("A checkpoint blob is damaged (truncated compression).")
    return b"".join(parts)
