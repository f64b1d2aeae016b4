"""`PostgresSaver`: the mirograph saver on PostgreSQL, for state shared between machines.

Everything the SQLite saver does (listing columns and the threads table, one-query
history at any depth, copy_thread / fork, prune, delete_for_runs, leases, encryption,
strict deserialization) comes from `SaverCore`: the same SQL runs here through a cursor
that translates SQLite's placeholders. What is PostgreSQL's own:

- a psycopg connection pool; every call takes its own connection for one transaction,
  so threads of work never wait on a lock they share (the stock `AsyncPostgresSaver`
  serializes every call behind one);
- async methods run the sync ones on the saver's own threads, one per pooled connection;
- `_lock_key` takes a transaction-level advisory lock (SQLite's write lock is global);
- `atomic()` keeps one connection's transaction open across several calls of a thread;
- migrations run once under an advisory lock (`_pg_schema`).

Needs the `postgres` extra: `pip install 'mirograph[postgres]'`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import get_checkpoint_id
from langgraph.checkpoint.serde.base import SerializerProtocol
from psycopg_pool import ConnectionPool

import mirograph.checkpoints._serde as _serde
import mirograph.checkpoints._writes as _writes
from mirograph.checkpoints._columns import ListingSpec
from mirograph.checkpoints._pg_schema import CONNECT_TIMEOUT_S, connect_error, migrate
from mirograph.checkpoints._sql import to_pyformat
from mirograph.checkpoints._tuples import DEFAULT_METADATA
from mirograph.checkpoints.saver import SaverCore
from mirograph.errors import DatabaseError

T = TypeVar("T")
POOL_SIZE = 16
_FULL_METADATA = (
    f"(CAST(COALESCE(metadata, '{DEFAULT_METADATA}') AS jsonb) "
    "|| jsonb_strip_nulls(jsonb_build_object('step', step, 'source', source, "
    "'counters_since_delta_snapshot', CAST(counters AS jsonb))))"
)
"""The metadata with `step` and `source` put back (see `_tuples.compact_metadata`)."""
_FILTER_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


class PgCursor:
    """A psycopg cursor that takes the shared SQLite-style SQL (see `_sql.to_pyformat`)."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PgCursor:
        if params:
            self._cur.execute(to_pyformat(sql), params)
        else:  # without parameters psycopg leaves `%` alone
            self._cur.execute(sql.replace("CROSS JOIN", "JOIN"))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> PgCursor:
        if rows:
            self._cur.executemany(to_pyformat(sql), rows)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._cur.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class PostgresSaver(SaverCore):
    """A PostgreSQL checkpointer for sync and async graphs; open it with `open_checkpointer`."""

    def __init__(
        self,
        url: str,
        *,
        serde: SerializerProtocol | None = None,
        pool_size: int = POOL_SIZE,
        listing: ListingSpec | None = None,
    ) -> None:
        super().__init__(serde=serde or _serde.build_serde())
        self.url = url
        self.listing = listing
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
                migrate(conn)
        except psycopg.OperationalError as exc:
            raise connect_error(url, exc) from None
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={
                "autocommit": True,
                "cursor_factory": psycopg.ClientCursor,
                "connect_timeout": CONNECT_TIMEOUT_S,
            },
            open=True,
            name="mirograph",
        )
        self.layout = self._layout()
        self._threads = ThreadPoolExecutor(pool_size, thread_name_prefix="mirograph-pg")
        self._local = threading.local()  # the open `atomic()` transaction of each thread
        self.is_setup = True

    def _layout(self) -> _writes.Layout:
        """PostgreSQL numbers checkpoints with the column's identity sequence; a database
        from before `task_writes` keeps (and is read from) its stock `writes` table."""
        with self.pool.connection() as conn:
            legacy = conn.execute("SELECT to_regclass('writes') IS NOT NULL").fetchone()[0]
        next_ref = "nextval(pg_get_serial_sequence('checkpoints', 'ref'))"
        return _writes.Layout(next_ref=next_ref, next_refs=next_ref, legacy=bool(legacy))

    def close(self) -> None:
        """Close the pool and the saver's threads."""
        self._threads.shutdown(wait=True)
        self.pool.close()

    @contextmanager
    def _transaction(self) -> Iterator[PgCursor]:
        joined = getattr(self._local, "cursor", None)
        if joined is not None:  # inside `atomic()` on this thread: it commits or rolls back
            yield joined
            return
        try:
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield PgCursor(cur)
        except psycopg.OperationalError as exc:
            raise connect_error(self.url, exc) from None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction around several saver calls from this thread (a fork: copy,
        settings, note): each `_read` / `_write` inside joins it on the same connection."""
        if getattr(self._local, "cursor", None) is not None:
            yield
            return
        with self._transaction() as cur:
            self._local.cursor = cur
            try:
                yield
            finally:
                self._local.cursor = None

    def _read(self) -> Any:
        return self._transaction()

    def _write(self) -> Any:
        """One transaction on a connection of its own: committed whole, or rolled back."""
        return self._transaction()

    def _lock_key(self, cur: Any, key: str) -> None:
        """A transaction-level advisory lock on `key` (released at commit or rollback)."""
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    async def _offload(self, fn: Callable[..., T], /, *args: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await loop.run_in_executor(self._threads, call)

    def _where(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
    ) -> tuple[str, Sequence[Any]]:
        """`list`'s WHERE: config and `before` as on SQLite, metadata compared as JSON."""
        wheres: list[str] = []
        params: list[Any] = []
        if config is not None:
            conf = config["configurable"]
            wheres.append("thread_id = ?")
            params.append(str(conf["thread_id"]))
            if conf.get("checkpoint_ns") is not None:
                wheres.append("checkpoint_ns = ?")
                params.append(conf["checkpoint_ns"])
            if checkpoint_id := get_checkpoint_id(config):
                wheres.append("checkpoint_id = ?")
                params.append(checkpoint_id)
        for key, value in (filter or {}).items():
            if not key or not set(key) <= _FILTER_KEY:
                raise ValueError(f"Invalid filter key: {key!r}.")
            # A missing key matches None, as SQLite's json_extract(...) IS NULL does.
            wheres.append(f"COALESCE({_FULL_METADATA} -> ?, 'null') = CAST(? AS jsonb)")
            params.extend((key, json.dumps(value)))
        if before is not None:
            wheres.append("checkpoint_id < ?")
            params.append(get_checkpoint_id(before))
        return ("WHERE " + " AND ".join(wheres) if wheres else "", params)

    def table_bytes(self) -> dict[str, int]:
        """Bytes on disk of each mirograph table, indexes and TOAST included."""
        with self._read() as cur:
            rows = cur.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN "
                "('checkpoints', 'task_writes', 'writes', 'threads', 'leases') AND relkind = 'r' "
                "AND relnamespace = 'public'::regnamespace"
            ).fetchall()
        return dict(rows)


def open_postgres(
    url: str, *, encryption_key: bytes | None = None, listing: ListingSpec | None = None
) -> PostgresSaver:
    """Connect, migrate once, and return a saver (close it with `.close()`)."""
    if not url.split("://", 1)[1].strip("/"):
        raise DatabaseError(f"{url} names no PostgreSQL server.")
    serde = _serde.build_serde(encryption_key=encryption_key)
    return PostgresSaver(url, serde=serde, listing=listing)
