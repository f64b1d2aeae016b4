"""Opening the SQLite file safely, and the tables mirograph adds to LangGraph's.

`checkpoints` keeps the stock columns (`langgraph-checkpoint-sqlite`) and adds plain
columns extracted at `put` time (so listings never deserialize blobs) and an integer
`ref`; pending writes are one `task_writes` row per task pointing at that `ref` (see
`_writes`). Files from before keep their stock `writes` table, read beside the new one.
A `threads` table (settings, fork parents, branch head) and a `leases` table (one runner
per thread) complete it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from mirograph.errors import DatabaseError

_SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 16_384
"""Page size of new files. A page holds rows whole; with SQLite's default 4 KiB pages a
run's multi-kilobyte tool results left about a third of each page empty."""

# `task_writes` stays a rowid table: WITHOUT ROWID saved its primary-key index but filled
# its pages less (a 1,200-call thread: same file size), and rows past an index page's
# local payload (~4 KB) spill to overflow pages left mostly empty (6 KB values: 3.1x).
DDL = """
CREATE TABLE IF NOT EXISTS checkpoints (
    ref INTEGER PRIMARY KEY,
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    parent_checkpoint_id TEXT,
    type TEXT,
    checkpoint BLOB,
    metadata BLOB,
    UNIQUE (thread_id, checkpoint_ns, checkpoint_id)
);
CREATE TABLE IF NOT EXISTS task_writes (
    ref INTEGER NOT NULL,
    task_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    type TEXT,
    value BLOB,
    PRIMARY KEY (ref, task_id, idx)
);
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
);
CREATE TABLE IF NOT EXISTS leases (
    thread_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    owner TEXT,
    pid INTEGER NOT NULL,
    pid_started TEXT,
    hostname TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL
);
"""

# Columns added to the stock `checkpoints` table: filled at `put` from metadata and the
# small scalar channels, so `history()` reads them without touching the blob.
EXTRA_CHECKPOINT_COLUMNS: dict[str, str] = {
    "step": "INTEGER",
    "source": "TEXT",
    "run_id": "TEXT",
    "tool_calls_used": "INTEGER",
    "status": "TEXT",
    "activity_node": "TEXT",
    "activity_detail": "TEXT",
    "created_at": "TEXT",
    # JSON list of the delta channels whose seed `channel_values` holds (usually `[]`; NULL:
    # unknown, unpack the blob): lets the DeltaChannel ancestor walk find its seed without
    # deserializing every ancestor's blob.
    "value_keys": "TEXT",
    # JSON list of the nodes the checkpoint triggers next (NULL in rows from before it).
    "next_nodes": "TEXT",
    # A small integer naming the row, unique in the file: what `task_writes` rows point at
    # instead of repeating (thread, namespace, 36-character id). The row id of a new file's
    # table; in older files an added column, numbered at open (`_number_checkpoints`).
    "ref": "INTEGER",
    # LangGraph's `counters_since_delta_snapshot` metadata, apart (see `_tuples`).
    "counters": "TEXT",
}

# Columns added to `threads` since its first release (older files gain them at open).
EXTRA_THREAD_COLUMNS: dict[str, str] = {
    # A readable name (`run --thread NAME`) beside the UUID id that `langgraph dev` needs;
    # unique when set (index `threads_label`).
    "label": "TEXT",
}

# Only indexes that a query uses. Lineage walks and delta replay go by primary key
# (thread, namespace, checkpoint id); an index on `writes.channel` would cost ~10 % of
# the file for nothing.
INDEXES = """
CREATE INDEX IF NOT EXISTS checkpoints_run_id ON checkpoints (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS threads_parent ON threads (parent_thread_id)
    WHERE parent_thread_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS threads_updated ON threads (updated_at);
CREATE UNIQUE INDEX IF NOT EXISTS threads_label ON threads (label) WHERE label IS NOT NULL;
"""


def check_path(path: Path) -> None:
    """Refuse paths SQLite would fail on obscurely, without creating or changing anything.

    Checked before `sqlite3.connect`, which would otherwise create a file, or report
    a garbage file only at the first query with a message users cannot act on.
    """
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a mirograph database file.")
    if not path.parent.is_dir():
        raise DatabaseError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    if not path.exists():
        return
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror}.") from None
    if size == 0:
        return  # SQLite treats an empty file as a new database.
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise DatabaseError(f"{path} is not a SQLite database (wrong file header).")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The in-header page count is only valid when the two change counters agree.
    counters_agree = header[24:28] == header[92:96]
    if page_size < 512 or (counters_agree and pages and size < pages * page_size):
        raise DatabaseError(f"{path} is a truncated or damaged SQLite database.")


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open `path` for use from several threads, after a read-only sanity probe.

    `readonly=True` opens an existing file with SQLite's `mode=ro`: no pragma that writes,
    no schema, so the file stays byte-identical (a WAL file may gain its empty `-wal` and
    `-shm` companions, which SQLite needs to read it while a run writes).
    """
    memory = str(path) == ":memory:"
    if not memory:
        path = Path(path)
        check_path(path)
        if readonly and not path.exists():
            raise DatabaseError(f"There is no database at {path}.")
    try:
        if readonly and not memory:
            uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
            conn = sqlite3.connect(
                uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        else:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot open {path}: {exc}.") from None
    try:
        # A read first: a damaged file fails here, before anything is written to it.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not memory:
            refuse_other_files(conn, path, existing=readonly)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
            return conn
        # Takes effect only on a new, empty file (before WAL mode writes its header).
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a killed process never loses a committed step; only a power
        # cut may drop the last few commits, and never corrupts the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} is not a usable SQLite database ({exc}).") from None
    except DatabaseError:
        conn.close()
        raise
    return conn


CORPUS_TABLE = "documents"
"""The table `mirograph index` writes (see `mirograph.tools.corpus`)."""


def refuse_other_files(conn: sqlite3.Connection, path: Path | str, *, existing: bool) -> None:
    """A runs database must be one: refuse a corpus index (or another application's
    SQLite file) in one sentence, before anything is written. `existing=True` (the
    read-only commands) also refuses a file with no runs tables."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "checkpoints" in tables:
        return
    if CORPUS_TABLE in tables:
        raise DatabaseError(
            f"{path} is a corpus index (built by `mirograph index`), not a runs database: "
            "pass it with --corpus, and --db another file."
        )
    if tables:
        raise DatabaseError(
            f"{path} is a SQLite file of another kind (tables: {', '.join(sorted(tables))}), "
            "not a mirograph runs database."
        )
    if existing:
        raise DatabaseError(f"{path} holds no mirograph runs yet.")


def create_schema(conn: sqlite3.Connection) -> None:
    """Create or migrate the tables in one transaction.

    A file from before `task_writes` keeps its stock `writes` table (read beside the new
    one); a new file has none.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        if has_table(conn, "writes"):
            _add_missing_columns(conn, "writes", {"task_path": "TEXT NOT NULL DEFAULT ''"})
        _add_missing_columns(conn, "checkpoints", EXTRA_CHECKPOINT_COLUMNS)
        _add_missing_columns(conn, "threads", EXTRA_THREAD_COLUMNS)
        if not any(row[1] == "ref" and row[5] for row in conn.execute(_TABLE_INFO)):
            conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS checkpoints_ref ON checkpoints (ref)")
            _number_checkpoints(conn)
        for statement in INDEXES.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if "readonly" in str(exc):
            return
        raise DatabaseError(f"Cannot prepare the database: {exc}.") from None
    except sqlite3.DatabaseError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise DatabaseError(f"The database is damaged ({exc}).") from None


_TABLE_INFO = "PRAGMA table_info(checkpoints)"


def _number_checkpoints(conn: sqlite3.Connection) -> None:
    """Give rows written before `ref` (or by an older mirograph since) numbers above all
    numbers given so far (`rowid` is unique, so the sum is too)."""
    conn.execute(
        "UPDATE checkpoints SET ref = rowid + (SELECT COALESCE(max(ref), 0) FROM checkpoints) "
        "WHERE ref IS NULL"
    )


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return row.fetchone() is not None


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def _add_missing_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Migrate databases written by the stock saver (or older mirograph) in place."""
    existing = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    for name, decl in columns.items():
        if name not in existing:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
