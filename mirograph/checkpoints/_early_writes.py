"""Writes that arrive before their checkpoint: held, then stored in its transaction.

LangGraph puts the input checkpoint and its first writes at once, in either order; a
`task_writes` row is keyed by the checkpoint's `ref`, so writes addressed to a checkpoint
not stored yet have nothing to attach to. They wait here, by the checkpoint's key, until
its `put` stores them with it.
"""

from __future__ import annotations

import threading
from typing import Any


class EarlyWrites:
    """The held writes of a saver (a mixin of `SaverCore`; clones share the dict)."""

    _early_lock = threading.Lock()

    def _early_writes(self) -> dict[tuple[str, str, str], list[tuple[str, list[Any]]]]:
        """Writes that arrived before their checkpoint, by its key (shared by clones)."""
        early = self.__dict__.get("_early")
        if early is None:
            early = self.__dict__["_early"] = {}
        return early

    def _ref(self, cur: Any, key: tuple[str, str, str]) -> int | None:
        found = cur.execute(
            "SELECT ref FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            key,
        ).fetchone()
        return None if found is None else found[0]

    def _store_early_writes(self, cur: Any, key: tuple[str, str, str]) -> None:
        """Store, in the checkpoint's own transaction, the writes that came before it."""
        with self._early_lock:
            early = self._early_writes().pop(key, None)
        if early:
            ref = self._ref(cur, key)
            for sql, rows in early:
                cur.executemany(sql, [(ref, *r[1:]) for r in rows])

    def _hold_early_writes(
        self, key: tuple[str, str, str], sql: str, rows: list[tuple[Any, ...]]
    ) -> None:
        """Keep one `put_writes` call's rows until the checkpoint `key` is stored."""
        with self._early_lock:
            self._early_writes().setdefault(key, []).append((sql, rows))
