"""The stored formats of a blob, and inflating one, without LangGraph: shared by the
serializer, the delta chains (`_chain`) and the listings.

A blob's type tag says how its bytes were made (an encrypted one adds `+cipher`):

- `z`: msgpack, raw deflate with the preset dictionary `_ZDICT_V2`;
- `d`: msgpack, raw deflate with the preset dictionary followed by the parent
  checkpoint's msgpack as dictionary (a checkpoint delta, see `_chain`);
- `m`: msgpack as it is (too small to gain from deflate);
- `T;zd1` (`msgpack;zd1`): type `T` in a zlib stream with the preset dictionary (files
  from before the short tags);
- anything else: LangGraph's own type (`msgpack`, `json`...), bytes as they are (the
  stock saver's).

Raw deflate drops zlib's 2-byte header and 4-byte checksum: the tag says what the
stream is, and an encrypted blob is authenticated by its cipher anyway.
"""

from __future__ import annotations

import zlib

from mirograph.checkpoints._zdict import _ZDICT_V1, _ZDICT_V2
from mirograph.errors import DatabaseError

_ZLIB_SUFFIX = ";zd1"
"""Type tag suffix of blobs deflated with the preset dictionary in a zlib stream."""
KEYFRAME = "z"
DELTA = "d"
PLAIN = "m"
MSGPACK = "msgpack"

_RAW_DEFLATE = -15
_WINDOW = 32 * 1024
_INFLATE_STEP = 1 << 20

MAX_INFLATED = 64 * 1024 * 1024
"""Most bytes one blob may inflate to: a tampered blob cannot exhaust memory (a real
blob is one step's writes, far below this)."""


def delta_dictionary(base: bytes) -> bytes:
    """The dictionary of a delta: the preset one, then the base (deflate sees 32 KiB)."""
    return (_ZDICT_V2 + base)[-_WINDOW:]


def deflate(raw: bytes, zdict: bytes = _ZDICT_V2) -> bytes:
    """`raw` as raw deflate: against the preset dictionary (`z`) or a delta's (`d`)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, _RAW_DEFLATE, zdict=zdict)
    return packer.compress(raw) + packer.flush()


def unpack(
    tag: str, payload: bytes, base: bytes | None = None, limit: int = MAX_INFLATED
) -> tuple[str, bytes]:
    """LangGraph's type and the serialized bytes of a stored blob (decrypted already).

    A delta (`d`) needs `base`, its parent checkpoint's serialized bytes."""
    if tag == PLAIN:
        return MSGPACK, payload
    if tag == KEYFRAME:
        return MSGPACK, _inflate(payload, limit, _ZDICT_V2, _RAW_DEFLATE)
    if tag == DELTA:
        if base is None:
            raise DatabaseError("A checkpoint delta was read without its base checkpoint.")
        return MSGPACK, _inflate(payload, limit, delta_dictionary(base), _RAW_DEFLATE)
    if tag.endswith(_ZLIB_SUFFIX):
        return tag[: -len(_ZLIB_SUFFIX)], _inflate(payload, limit)
    return tag, payload


def _inflate(
    payload: bytes, limit: int, zdict: bytes = _ZDICT_V1, wbits: int = zlib.MAX_WBITS
) -> bytes:
    """Inflate at most `limit` bytes, 1 MiB at a time; more is a damaged (or hostile) blob."""
    inflate = zlib.decompressobj(wbits, zdict=zdict)
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
