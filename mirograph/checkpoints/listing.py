"""Reading threads and steps straight from a SQLite file, without LangGraph or LangChain.

`mirograph threads`, `history` and `show` answer from the plain columns the saver fills
at `put` (the thread row, each checkpoint's step, node, tool calls, status) and, for
`show`, from the head checkpoint's blob decoded as plain data: strings, numbers, lists
and maps come out as they are; revived types (messages, `Send`) stay opaque `Packed`
values, so nothing is imported or constructed. Only what needs the transcript itself
(the sources of an unfinished run) loads the state the LangGraph way.

Nothing here writes: a file without mirograph's tables simply has no threads.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirograph.checkpoints._blob import MAX_INFLATED, unpack
from mirograph.checkpoints._chain import Blobs
from mirograph.checkpoints._records import (
    HISTORY_SQL,
    HISTORY_SQL_BEFORE_NEXT,
    LINEAGE_IDS_SQL,
    ROOT_HEAD_SQL,
    Layout,
    StepInfo,
    ThreadInfo,
    decode_task,
    step_from_row,
    thread_columns,
    thread_from_row,
    with_next_nodes,
)
from mirograph.checkpoints._schema import connect, has_column
from mirograph.errors import DatabaseError

# LangGraph's msgpack extension codes (langgraph.checkpoint.serde.jsonplus).
_EXT_PYDANTIC_V2 = 5
_EXT_DELTA_SNAPSHOT = 7


@dataclass(frozen=True)
class Packed:
    """A revived type left as data: LangGraph's extension code and its decoded payload."""

    code: int
    data: Any

    @property
    def fields(self) -> dict[str, Any]:
        """A pydantic model's fields (a message's `id`, `type`, `content`...), else {}."""
        if self.code == _EXT_PYDANTIC_V2 and isinstance(self.data, list) and len(self.data) > 2:
            return self.data[2] if isinstance(self.data[2], dict) else {}
        return {}


class NeedsState(Exception):
    """The answer needs the state loaded the LangGraph way (a format this reader skips)."""


_MESSAGES = b"\xa8messages"
"""The channel name `messages` as msgpack writes it (a fixstr): a msgpack blob without
these bytes holds no message write, so `message_count` does not unpack it."""


def _open(type_: str, blob: bytes) -> tuple[str, bytes]:
    """A stored blob as it is: this reader has no key for an encrypted one."""
    if "+" in type_:
        raise DatabaseError("This database is encrypted: pass its encryption key to open it.")
    return type_, blob


def _inflated(type_: str, blob: bytes | None) -> tuple[str, bytes]:
    """A stored value's serializer type and bytes, inflated if it was compressed."""
    return unpack(*_open(type_, bytes(blob or b"")), None, MAX_INFLATED)


def decode(type_: str, blob: bytes | None) -> Any:
    """A stored value as plain data (see the module docstring)."""
    return _plain(*_inflated(type_, blob))


def _checkpoints(conn: sqlite3.Connection, thread_id: str) -> Blobs:
    """The thread's root checkpoints, deltas resolved against their parents (`_chain`)."""
    return Blobs(conn, thread_id, "", _open)


def _plain(type_: str, blob: bytes | None) -> Any:
    """Serialized bytes as plain data."""
    import ormsgpack

    if type_ == "null":
        return None
    if type_ == "json":
        return json.loads(blob or b"")
    if type_ != "msgpack":
        raise NeedsState(type_)

    def ext(code: int, data: bytes) -> Packed:
        return Packed(code, ormsgpack.unpackb(data, ext_hook=ext, option=_NON_STR_KEYS))

    _NON_STR_KEYS = ormsgpack.OPT_NON_STR_KEYS
    return ormsgpack.unpackb(blob, ext_hook=ext, option=_NON_STR_KEYS)


class Listing:
    """Read-only queries over one connection (the CLI's fast path)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        self.has_tables = {"threads", "checkpoints"} <= tables
        legacy = "writes" in tables
        self.layout = Layout(
            has_ref="task_writes" in tables,
            legacy=legacy,
            has_task_path=legacy and has_column(conn, "writes", "task_path"),
        )
        self.has_label = self.has_tables and has_column(conn, "threads", "label")
        self.history_sql = (
            HISTORY_SQL
            if self.has_tables and has_column(conn, "checkpoints", "next_nodes")
            else HISTORY_SQL_BEFORE_NEXT
        )

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        """A cursor, as the savers' `_read` gives one (for `liveness.run_facts`)."""
        cur = self.conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def list_threads(self) -> list[ThreadInfo]:
        """All threads, most recently updated first."""
        if not self.has_tables:
            return []
        rows = self.conn.execute(
            f"SELECT {thread_columns(self.has_label)} FROM threads "
            "ORDER BY updated_at DESC, thread_id"
        )
        return [thread_from_row(row) for row in rows]

    def get_thread(self, thread_id: str) -> ThreadInfo | None:
        if not self.has_tables:
            return None
        row = self.conn.execute(
            f"SELECT {thread_columns(self.has_label)} FROM threads WHERE thread_id = ?",
            (thread_id,),
        ).fetchone()
        return thread_from_row(row) if row else None

    def head(self, thread_id: str) -> str | None:
        """The thread's branch head (as `SaverCore.latest_checkpoint_id`)."""
        if not self.has_tables:
            return None
        row = self.conn.execute(ROOT_HEAD_SQL, {"thread": thread_id}).fetchone()
        return row[0] if row else None

    def history(self, thread_id: str) -> Iterator[StepInfo]:
        """The head's lineage, oldest first, row by row."""
        head = self.head(thread_id)
        if head is None:
            return
        params = {"thread": thread_id, "checkpoint": head, "limit": 10**7}
        steps: list[StepInfo] = []
        for row in self.conn.execute(self.history_sql, params):
            step = step_from_row(row)
            if step.next_nodes is None or steps:  # a row from before `next_nodes`
                steps.append(step)
            else:
                yield step
        if steps:
            blobs = _checkpoints(self.conn, thread_id)
            yield from with_next_nodes(blobs, steps, _decode_or_none, _send_node)

    def latest_values(self, thread_id: str) -> dict[str, Any]:
        """The head checkpoint's stored channel values (the transcript is not among them)."""
        head = self.head(thread_id)
        if head is None:
            return {}
        checkpoint = _plain(*_checkpoints(self.conn, thread_id).get(head))
        values = checkpoint.get("channel_values") if isinstance(checkpoint, dict) else None
        return values if isinstance(values, dict) else {}

    def message_count(self, thread_id: str) -> int:
        """Messages in the head's transcript: its stored seed (a `_DeltaSnapshot`) if it
        has one, else the nearest ancestor's seed (or nothing) and the writes since, by the
        `add_messages` rules (a known id replaces, `RemoveMessage` removes)."""
        lineage = self._lineage(thread_id)
        seeds = self._seeds(thread_id, lineage)
        ids: dict[Any, None] = {}
        anonymous = 0
        start = 0
        if seeds:  # the state starts from the newest seed at or before the head
            position, seed = max(seeds.items())
            for message in _as_list(seed):
                anonymous += _apply(ids, message)
            if position == len(lineage) - 1:
                return len(ids) + anonymous
            start = position
        ancestors = lineage[start:-1]  # the head's own writes are not applied yet
        for message in self._message_writes(thread_id, ancestors):
            anonymous += _apply(ids, message)
        return len(ids) + anonymous

    def _lineage(self, thread_id: str) -> list[str]:
        """The ids of the head and its ancestors, oldest first (no other column read)."""
        head = self.head(thread_id)
        if head is None:
            return []
        params = {"thread": thread_id, "ns": "", "checkpoint": head, "limit": 10**7}
        return [row[0] for row in self.conn.execute(LINEAGE_IDS_SQL, params)][::-1]

    def _message_writes(self, thread_id: str, ancestors: list[str]) -> Iterator[Any]:
        """The messages written at these checkpoints, in replay order (as `_writes`).

        Only the rows that pack a task's writes can hold one (a special channel's row,
        `__error__` and the like, never does), and of those only the ones whose bytes
        name the channel are unpacked."""
        position = {cid: n for n, cid in enumerate(ancestors)}
        for first in range(0, len(ancestors), 500):
            part = ancestors[first : first + 500]
            marks = ",".join("?" * len(part))
            found: list[tuple[tuple[Any, ...], Any]] = []
            if self.layout.has_ref:
                for cid, task, type_, value in self.conn.execute(
                    "SELECT c.checkpoint_id, w.task_id, w.type, w.value FROM task_writes w "
                    "JOIN checkpoints c ON c.ref = w.ref WHERE c.thread_id = ? "
                    f"AND c.checkpoint_ns = '' AND c.checkpoint_id IN ({marks}) "
                    "AND w.channel = ''",
                    (thread_id, *part),
                ):
                    kind, raw = _inflated(type_, value)
                    if kind == "msgpack" and _MESSAGES not in (raw or b""):
                        continue
                    task_path, writes = _plain(kind, raw)
                    task_id = decode_task(task)
                    for channel, idx, written in writes:
                        if channel == "messages":
                            found.append(((position[cid], task_path, task_id, idx), written))
            if self.layout.legacy:
                for cid, task_path, task_id, idx, type_, value in self.conn.execute(
                    "SELECT checkpoint_id, task_path, task_id, idx, type, value FROM writes "
                    "WHERE thread_id = ? AND checkpoint_ns = '' AND channel = 'messages' "
                    f"AND checkpoint_id IN ({marks})",
                    (thread_id, *part),
                ):
                    key = (position[cid], task_path, task_id, idx)
                    found.append((key, decode(type_, value)))
            found.sort(key=lambda item: item[0])
            for _, written in found:
                yield from _as_list(written)

    def _seeds(self, thread_id: str, lineage: list[str]) -> dict[int, Any]:
        """Lineage position -> the transcript seed stored there (a snapshot's messages)."""
        position = {cid: n for n, cid in enumerate(lineage)}
        seeds: dict[int, Any] = {}
        blobs = _checkpoints(self.conn, thread_id)
        for first in range(0, len(lineage), 500):
            part = lineage[first : first + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                "SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint FROM checkpoints "
                f"WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id IN ({marks}) "
                "AND (value_keys IS NULL OR value_keys != '[]')",
                (thread_id, *part),
            ).fetchall()
            for row in rows:
                blobs.add(*row)
            for cid, *_ in rows:
                values = _plain(*blobs.get(cid)).get("channel_values") or {}
                seed = values.get("messages")
                if isinstance(seed, Packed) and seed.code == _EXT_DELTA_SNAPSHOT:
                    seeds[position[cid]] = seed.data
                elif "messages" in values:
                    raise NeedsState("a transcript stored as a plain value")
        return seeds


def _decode_or_none(blobs: Blobs, checkpoint_id: str) -> Any:
    """A checkpoint as plain data, or None where this reader cannot (encrypted, other format)."""
    try:
        return _plain(*blobs.get(checkpoint_id))
    except (NeedsState, DatabaseError):
        return None


def _send_node(send: Any) -> Any:
    """The node of a `Send` decoded as data: its constructor arguments' first, or `node`."""
    if not isinstance(send, Packed) or not isinstance(send.data, list) or len(send.data) < 3:
        return None
    args = send.data[2]
    if isinstance(args, dict):
        return args.get("node")
    return args[0] if isinstance(args, list) and args else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _apply(ids: dict[Any, None], message: Any) -> int:
    """Apply one written message to the id set; return 1 for a message without an id."""
    if not isinstance(message, Packed):
        raise NeedsState("a message that is not a stored model")
    fields = message.fields
    if fields.get("type") == "remove":
        if fields.get("id") == "__remove_all__":
            raise NeedsState("a remove-all")
        ids.pop(fields.get("id"), None)
        return 0
    if fields.get("id") is None:
        return 1
    ids[fields["id"]] = None
    return 0


@contextmanager
def open_listing(path: Path | str) -> Iterator[Listing]:
    """Open an existing SQLite file for the listing queries; closes it on exit."""
    conn = connect(path, readonly=True)
    try:
        yield Listing(conn)
    finally:
        conn.close()
