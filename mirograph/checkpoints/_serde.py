"""How checkpoint blobs are encoded: strict msgpack, zlib above a size, optional AES.

The stack is `Encrypted(Compressed(JsonPlus(strict)))`: compression must come before
encryption (ciphertext does not compress), and the strict allow-list means a tampered
database can only revive the listed types, never import and call arbitrary code.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Collection
from typing import Any

from langgraph.checkpoint.serde.base import CipherProtocol, SerializerProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from mirograph.checkpoints._blob import (
    _ZLIB_SUFFIX,
    KEYFRAME,
    MAX_INFLATED,
    MSGPACK,
    PLAIN,
    deflate,
    unpack,
)
from mirograph.checkpoints._zdict import _ZDICT_V1
from mirograph.errors import ConfigError, DatabaseError

# Everything a research run stores. LangGraph's built-in safe list (datetime, uuid,
# Send, Command, Interrupt, _DeltaSnapshot...) is always allowed on top. The message
# classes are listed explicitly so the allow-list does not depend on LangGraph's defaults;
# mirograph's state types (ResearchState, Source, Activity, ToolTask) are TypedDicts,
# stored as plain maps, so they need no entry.
ALLOWED_MSGPACK_MODULES: tuple[tuple[str, ...], ...] = (
    ("langchain_core.messages.human", "HumanMessage"),
    ("langchain_core.messages.ai", "AIMessage"),
    ("langchain_core.messages.ai", "AIMessageChunk"),
    ("langchain_core.messages.system", "SystemMessage"),
    ("langchain_core.messages.tool", "ToolMessage"),
    ("langchain_core.messages.modifier", "RemoveMessage"),
    ("langchain_core.documents.base", "Document"),
)

COMPRESS_ABOVE = 64
"""Blobs at least this long are compressed when that makes them smaller."""


class CompressedSerializer(SerializerProtocol):
    """Deflate blobs with a preset dictionary, tagging the type so loading inflates them.

    The tags (`_blob`) avoid `+`, which `EncryptedSerializer` uses to find the cipher name.
    """

    def __init__(
        self,
        serde: SerializerProtocol,
        *,
        min_size: int = COMPRESS_ABOVE,
        max_inflated: int = MAX_INFLATED,
    ) -> None:
        self.serde = serde
        self.min_size = min_size
        self.max_inflated = max_inflated

    def dumps(self, obj: Any) -> bytes:
        return self.serde.dumps(obj)

    def loads(self, data: bytes) -> Any:
        return self.serde.loads(data)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.pack(*self.serde.dumps_typed(obj))

    def pack(self, type_: str, data: bytes) -> tuple[str, bytes]:
        """The stored (type, bytes) of serialized `data` (tags in `_blob`): msgpack gets a
        short tag, deflated when that makes it smaller; other types the `;zd1` stream."""
        if len(data) >= self.min_size:
            if type_ == MSGPACK:
                packed = deflate(data)
                if len(packed) < len(data):
                    return KEYFRAME, packed
            else:
                packer = zlib.compressobj(6, zdict=_ZDICT_V1)
                packed = packer.compress(data) + packer.flush()
                if len(packed) < len(data):
                    return type_ + _ZLIB_SUFFIX, packed
        return (PLAIN if type_ == MSGPACK else type_), data

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        type_, payload = data
        if "+" in type_:
            raise DatabaseError("This database is encrypted: pass its encryption key to open it.")
        return self.serde.loads_typed(unpack(type_, payload, None, self.max_inflated))


class AesGcmCipher(CipherProtocol):
    """AES-GCM from `cryptography` (a nonce per blob, authenticated: tampering fails)."""

    def __init__(self, key: bytes) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError:
            raise ConfigError(
                "Encryption needs the 'cryptography' package: pip install cryptography."
            ) from None
        if len(key) not in (16, 24, 32):
            raise ConfigError("The encryption key must be 16, 24 or 32 bytes long.")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        return "aesgcm", nonce + self._aead.encrypt(nonce, plaintext, None)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        if ciphername != "aesgcm":
            raise DatabaseError(f"A checkpoint blob uses an unknown cipher ({ciphername}).")
        try:
            return self._aead.decrypt(ciphertext[:12], ciphertext[12:], None)
        except InvalidTag:
            raise DatabaseError(
                "Cannot decrypt the database: wrong encryption key or tampered data."
            ) from None


def build_serde(
    *,
    encryption_key: bytes | None = None,
    extra_allowlist: Collection[tuple[str, ...]] = (),
    compress_above: int | None = COMPRESS_ABOVE,
) -> SerializerProtocol:
    """The serializer stack for one database; strict whatever the environment says.

    `compress_above=None` turns compression off (for measuring what it saves).
    """
    inner = JsonPlusSerializer(
        allowed_msgpack_modules=(*ALLOWED_MSGPACK_MODULES, *extra_allowlist),
    )
    min_size = compress_above if compress_above is not None else 2**62
    compressed = CompressedSerializer(inner, min_size=min_size)
    if encryption_key is None:
        return compressed
    return EncryptedSerializer(AesGcmCipher(encryption_key), compressed)


def with_allowlist(
    serde: SerializerProtocol, extra: Collection[tuple[str, ...]]
) -> SerializerProtocol:
    """Rebuild the stack with a larger allow-list (LangGraph derives one from the schema)."""
    if isinstance(serde, EncryptedSerializer):
        return EncryptedSerializer(serde.cipher, with_allowlist(serde.serde, extra))
    if isinstance(serde, CompressedSerializer):
        return CompressedSerializer(
            with_allowlist(serde.serde, extra),
            min_size=serde.min_size,
            max_inflated=serde.max_inflated,
        )
    if isinstance(serde, JsonPlusSerializer):
        return serde.with_msgpack_allowlist(extra)
    return serde
