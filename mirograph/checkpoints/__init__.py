"""Persistence: the SQLite and PostgreSQL savers, thread copies (fork) and one-runner leases.

Generic: nothing here knows the research graph (branching a research thread at a tool-call
step is `mirograph.branching`).

```python
with open_checkpointer("runs.sqlite") as saver:
    graph = build_research_graph(..., checkpointer=saver)
    graph.invoke({"question": q}, {"configurable": {"thread_id": "t1"}}, durability="sync")
```
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mirograph.checkpoints._columns import ListingSpec, register_default_listing
from mirograph.checkpoints._records import StepInfo, ThreadInfo
from mirograph.errors import ConfigError

if TYPE_CHECKING:
    from mirograph.checkpoints.fork import afork_thread, fork_thread
    from mirograph.checkpoints.leases import Lease
    from mirograph.checkpoints.saver import MirographSaver, SaverCore

# The savers import LangGraph: loaded on first use, so the listing commands of the CLI
# (`mirograph.checkpoints.listing`) start without it.
_LAZY = {
    "afork_thread": "mirograph.checkpoints.fork",
    "fork_thread": "mirograph.checkpoints.fork",
    "Lease": "mirograph.checkpoints.leases",
    "MirographSaver": "mirograph.checkpoints.saver",
    "SaverCore": "mirograph.checkpoints.saver",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'mirograph.checkpoints' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Lease",
    "ListingSpec",
    "MirographSaver",
    "SaverCore",
    "StepInfo",
    "ThreadInfo",
    "afork_thread",
    "aopen_checkpointer",
    "fork_thread",
    "is_database_url",
    "open_checkpointer",
    "register_default_listing",
    "studio_checkpointer",
]


def is_database_url(target: object) -> bool:
    """Whether a `--db` value names a PostgreSQL database (`postgresql://...`), not a file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@contextmanager
def open_checkpointer(
    path: str | Path,
    *,
    encryption_key: bytes | None = None,
    readonly: bool = False,
    listing: ListingSpec | None = None,
) -> Iterator[SaverCore]:
    """Open (or create) a checkpoint database, a SQLite file or a `postgresql://` URL.

    Raises `DatabaseError` with one sentence for a directory, a missing folder, or a file
    that is not an intact SQLite database (such files are never written to); for a URL,
    for an unreachable server, refused credentials, or a database that is not mirograph's.
    `encryption_key` (16/24/32 bytes, read from the environment by the caller) encrypts
    every blob with AES-GCM; the listing columns (step, status, tool calls, question)
    stay in clear so `threads` and `history` work. Closes the database on exit.
    `listing` says what those columns hold (default: the spec the graph's layer
    registered, `mirograph.state.RESEARCH_LISTING` for research threads).
    `readonly=True` (SQLite; the listing commands) opens an existing runs database without
    changing a byte of it. A corpus index or another application's file is refused.
    """
    if is_database_url(path):
        with _open_postgres(str(path), encryption_key, listing) as saver:
            yield saver
        return
    from mirograph.checkpoints._schema import connect
    from mirograph.checkpoints._serde import build_serde
    from mirograph.checkpoints.saver import MirographSaver

    serde = build_serde(encryption_key=encryption_key)
    conn = connect(path, readonly=readonly)
    try:
        yield MirographSaver(conn, serde=serde, readonly=readonly, listing=listing)
    finally:
        conn.close()


@contextmanager
def _open_postgres(
    url: str, encryption_key: bytes | None, listing: ListingSpec | None
) -> Iterator[SaverCore]:
    try:
        from mirograph.checkpoints.postgres import open_postgres
    except ImportError:
        raise ConfigError(
            "PostgreSQL needs the postgres extra: pip install 'mirograph[postgres]'."
        ) from None
    saver = open_postgres(url, encryption_key=encryption_key, listing=listing)
    try:
        yield saver
    finally:
        saver.close()


@asynccontextmanager
async def aopen_checkpointer(
    path: str | Path, *, encryption_key: bytes | None = None, listing: ListingSpec | None = None
) -> AsyncIterator[SaverCore]:
    """`open_checkpointer` for `async with` (the saver itself serves sync and async)."""
    with open_checkpointer(path, encryption_key=encryption_key, listing=listing) as saver:
        yield saver


@asynccontextmanager
async def studio_checkpointer() -> AsyncIterator[SaverCore]:
    """The `langgraph.json` checkpointer factory: the file or URL in `MIROGRAPH_DB`.

    This is an edge, so reading the environment here is right; default `./mirograph.sqlite`.
    Runs the server makes hold the thread's lease while they write (`serve_leases`), and
    see versions of one type in every checkpoint (`_versions`).
    """
    async with aopen_checkpointer(os.environ.get("MIROGRAPH_DB", "./mirograph.sqlite")) as saver:
        from mirograph.checkpoints._versions import serve_string_versions
        from mirograph.checkpoints.leases import serve_leases

        # The server's runs take the same one-runner lease as the CLI's, at their first write,
        # and read the CLI's integer channel versions as the server's adapter writes them.
        yield serve_leases(serve_string_versions(saver))
