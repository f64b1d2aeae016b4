"""Connecting to PostgreSQL with one-line errors, and creating mirograph's tables there.

The tables mirror the SQLite ones (`_schema`) column for column, so the shared SQL runs
on both. Storage is tuned for what a research thread writes: blobs are deflated already,
so PostgreSQL does not try to compress them again (`STORAGE EXTERNAL`); `threads`,
rewritten at every step, keeps free room in its pages (fillfactor 50) and has no index
on `updated_at`, so its updates are HOT and leave no dead index entries behind.

Migrations run in one transaction under a session-level advisory lock:
many processes starting at once (a Ray cluster) create the schema exactly once, and a
database already at the current version is not written to at all.
"""

from __future__ import annotations

import re
from typing import Any

from mirograph.errors import DatabaseError

MIGRATIONS: tuple[str, ...] = (
    # 2: a readable label beside the UUID thread id (`run --thread NAME`), unique when set.
    """
    ALTER TABLE threads ADD COLUMN IF NOT EXISTS label TEXT;
    CREATE UNIQUE INDEX IF NOT EXISTS threads_label ON threads (label) WHERE label IS NOT NULL;
    """,
    # 3: the nodes each checkpoint triggers next (NULL in older rows: read from the blob).
    "ALTER TABLE checkpoints ADD COLUMN IF NOT EXISTS next_nodes TEXT;",
)
"""Migration i brings schema i + 1 to i + 2; each is idempotent, so a database `DDL` just
created (already at the newest tables) runs them all harmlessly. Add new ones at the end."""
SCHEMA_VERSION = 1 + len(MIGRATIONS)
_MIGRATION_LOCK = 0x6D69726F  # "miro": one advisory lock key for schema changes
CONNECT_TIMEOUT_S = 10

DDL = """
CREATE TABLE IF NOT EXISTS mirograph_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    parent_checkpoint_id TEXT,
    type TEXT,
    checkpoint BYTEA,
    metadata TEXT,
    step INTEGER,
    source TEXT,
    run_id TEXT,
    tool_calls_used INTEGER,
    status TEXT,
    activity_node TEXT,
    activity_detail TEXT,
    created_at TEXT,
    value_keys TEXT,
    next_nodes TEXT,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);
ALTER TABLE checkpoints ALTER COLUMN checkpoint SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS writes (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    task_path TEXT NOT NULL DEFAULT '',
    idx INTEGER NOT NULL,
    channel TEXT NOT NULL,
    type TEXT,
    value BYTEA,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);
ALTER TABLE writes ALTER COLUMN value SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS threads (
    thread_id TEXT PRIMARY KEY,
    question TEXT,
    status TEXT,
    tool_calls_used INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    head_checkpoint_id TEXT,
    parent_thread_id TEXT,
    parent_checkpoint_id TEXT,
    fork_step INTEGER,
    settings TEXT,
    note TEXT,
    label TEXT
) WITH (fillfactor = 50);
CREATE TABLE IF NOT EXISTS leases (
    thread_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    owner TEXT,
    pid INTEGER NOT NULL,
    pid_started TEXT,
    hostname TEXT NOT NULL,
    acquired_at DOUBLE PRECISION NOT NULL,
    heartbeat_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_run_id ON checkpoints (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS threads_parent ON threads (parent_thread_id)
    WHERE parent_thread_id IS NOT NULL;
"""

_FOREIGN_TABLES = ("checkpoints", "writes", "threads", "leases", "checkpoint_blobs")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def connect_error(url: str, exc: Exception) -> DatabaseError:
    """One sentence for why PostgreSQL could not be reached or used."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    where = redact(url)
    lowered = str(exc).lower()
    unknown_role = "role" in lowered and "does not exist" in lowered
    if unknown_role or "password authentication failed" in lowered or "password" in lowered:
        return DatabaseError(f"PostgreSQL at {where} refused the credentials ({text}).")
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseError(f"PostgreSQL at {where}: {text} (create it with createdb).")
    if "connection refused" in lowered or "timeout" in lowered or "could not" in lowered:
        return DatabaseError(f"Cannot reach PostgreSQL at {where} ({text}).")
    return DatabaseError(f"Cannot use PostgreSQL at {where} ({text}).")


def _version(cur: Any) -> int | None:
    """The schema version; None for an empty database; raises for somebody else's tables."""
    cur.execute("SELECT to_regclass('mirograph_schema') IS NOT NULL")
    if cur.fetchone()[0]:
        cur.execute("SELECT max(version) FROM mirograph_schema")
        return cur.fetchone()[0] or 0
    for table in _FOREIGN_TABLES:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
        if cur.fetchone()[0]:
            raise DatabaseError(
                f"This PostgreSQL database is not mirograph's: it has a {table!r} table "
                "but no mirograph schema. Use a database of its own."
            )
    return None


def migrate(conn: Any) -> None:
    """Bring the schema to `SCHEMA_VERSION` once, however many processes start together.

    `conn` is in autocommit mode. The session lock is taken by a statement of its own, so
    the check under it runs in a transaction that begins after the lock is held: a
    transaction begun before the wait could still see the catalog as it was (no table yet)
    after the first process created it.
    """
    with conn.cursor() as cur:
        if _version(cur) == SCHEMA_VERSION:
            return
        cur.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            with conn.transaction():
                _migrate_locked(cur)
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def _migrate_locked(cur: Any) -> None:
    found = _version(cur)  # again, under the lock: another process may have done it
    if found is not None and found > SCHEMA_VERSION:
        raise DatabaseError(
            f"This database has mirograph schema {found}, newer than this mirograph "
            f"({SCHEMA_VERSION}): upgrade mirograph."
        )
    if found == SCHEMA_VERSION:
        return
    cur.execute(DDL)
    for migration in MIGRATIONS[max((found or 1) - 1, 0) :]:
        cur.execute(migration)
    cur.execute("DELETE FROM mirograph_schema")
    cur.execute("INSERT INTO mirograph_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
