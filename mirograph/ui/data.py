"""Everything the UI reads from the database, read-only, in one place.

A SQLite file is opened the way the listing commands open it (`mode=ro`, `query_only`),
a PostgreSQL database in read-only transactions, so nothing can be written whatever the
code above does. Listings (threads, a thread's steps) come from the
saver's indexed columns (`list_threads`, `history`), never from blobs; checkpoints are
deserialized only for the steps a page shows, and a full transcript is replayed only to
show the exact view at one step.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from langgraph.checkpoint.base import CheckpointTuple

from mirograph.checkpoints import MirographSaver, SaverCore, StepInfo, ThreadInfo, is_database_url
from mirograph.checkpoints._schema import connect
from mirograph.context import ResearchContext
from mirograph.errors import ConfigError, DatabaseError
from mirograph.status import thread_statuses

CACHE_ENTRIES = 32
T = TypeVar("T")


@dataclass(frozen=True)
class ThreadRow:
    """One thread as the list shows it."""

    info: ThreadInfo
    status: str
    """As `mirograph.status` says: running, waiting for review, paused, interrupted, ..."""
    tokens: int | None = None
    cost_usd: float | None = None

    @property
    def thread_id(self) -> str:
        return self.info.thread_id

    @property
    def name(self) -> str:
        return self.info.name


def open_saver(db: str | Path) -> SaverCore:
    """A saver over `db` that cannot write: SQLite's `mode=ro`, or a PostgreSQL session
    whose every transaction is read-only."""
    if is_database_url(db):
        try:
            from mirograph.checkpoints.postgres import PostgresSaver
        except ImportError:
            raise ConfigError(
                "PostgreSQL needs the postgres extra: pip install 'mirograph[postgres]'."
            ) from None
        return PostgresSaver(_read_only_url(str(db)))
    conn = connect(db, readonly=True)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    if "threads" not in tables:
        conn.close()
        raise DatabaseError(f"{db} is not a mirograph database (no threads table).")
    return MirographSaver(conn, readonly=True)


def _read_only_url(url: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query), ("options", "-c default_transaction_read_only=on")]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


class UiData:
    """Read-only access to one mirograph database (threads, steps, checkpoints, evals)."""

    def __init__(self, db: str | Path) -> None:
        self.label = str(db)
        self.saver = open_saver(db)
        self.has_eval = self._has_table("eval_results")
        self._graph: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, ...], Any] = OrderedDict()

    def close(self) -> None:
        if isinstance(self.saver, MirographSaver):
            self.saver.conn.close()
        else:
            self.saver.close()  # type: ignore[attr-defined]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read (SQLite-style placeholders, as the savers take them)."""
        with self.saver._read() as cur:
            return list(cur.execute(sql, params).fetchall())

    def _has_table(self, name: str) -> bool:
        if isinstance(self.saver, MirographSaver):
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_name = ?"
        return bool(self.query(sql, (name,)))

    # -- threads ------------------------------------------------------------------------

    def threads(self, query: str = "", status: str = "") -> list[ThreadRow]:
        """All threads, most recently updated first, filtered by text and status."""
        infos = self.saver.list_threads()
        statuses = thread_statuses(self.saver, infos)
        usage = self._eval_usage()
        rows = []
        for info in infos:
            tokens, cost = usage.get(info.thread_id, (None, None))
            row = ThreadRow(info, statuses[info.thread_id], tokens, cost)
            if status and row.status != status:
                continue
            text = f"{info.thread_id} {info.label or ''} {info.question or ''}"
            if query and query.lower() not in text.lower():
                continue
            rows.append(row)
        return rows

    def thread(self, given: str) -> ThreadRow | None:
        """The thread `given` names (its id, label or a unique id prefix), or None."""
        from mirograph.checkpoints.labels import resolve_thread
        from mirograph.errors import MirographError

        try:
            thread_id = resolve_thread(self.saver, given)
        except MirographError:
            return None
        info = self.saver.get_thread(thread_id)
        if info is None:
            return None
        tokens, cost = self._eval_usage().get(thread_id, (None, None))
        return ThreadRow(info, thread_statuses(self.saver, [info])[thread_id], tokens, cost)

    def family(self, thread_id: str) -> list[ThreadInfo]:
        """The fork tree holding `thread_id`: its root ancestor and every descendant."""
        by_id = {info.thread_id: info for info in self.saver.list_threads()}
        root = thread_id
        while by_id.get(root) and by_id[root].parent_thread_id in by_id:
            root = by_id[root].parent_thread_id or root
        tree, todo = [], [root]
        while todo:
            current = todo.pop(0)
            if current in by_id:
                tree.append(by_id[current])
                todo.extend(sorted(t for t, i in by_id.items() if i.parent_thread_id == current))
        return tree

    def settings(self, info: ThreadInfo) -> ResearchContext:
        return ResearchContext.from_dict(info.settings or {})

    def _eval_usage(self) -> dict[str, tuple[int, float | None]]:
        """Tokens and cost of threads an eval graded (the only place they are recorded)."""
        if not self.has_eval:
            return {}
        usage = {}
        for thread_id, row in self.query("SELECT thread_id, row FROM eval_results"):
            data = json.loads(row)
            tokens = int(data.get("tokens_in") or 0) + int(data.get("tokens_out") or 0)
            usage[thread_id] = (tokens, data.get("cost_usd"))
        return usage

    # -- steps --------------------------------------------------------------------------

    def lineage(self, info: ThreadInfo) -> list[StepInfo]:
        """The head's lineage, oldest first, from listing columns (cached per head)."""
        key = ("lineage", info.thread_id, info.head_checkpoint_id or "")
        return self.cached(key, lambda: self.saver.history(info.thread_id))

    def cached(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """`compute()` once per key; keys name a head checkpoint, so they never go stale."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    def tuples(self, thread_id: str, checkpoint_ids: Iterable[str]) -> dict[str, CheckpointTuple]:
        """The checkpoints with these ids, with their pending writes (one read each)."""
        found = {}
        for cid in dict.fromkeys(checkpoint_ids):
            config = {"configurable": {"thread_id": thread_id, "checkpoint_id": cid}}
            saved = self.saver.get_tuple(config)  # type: ignore[arg-type]
            if saved is not None:
                found[cid] = saved
        return found

    def state_at(self, thread_id: str, checkpoint_id: str) -> dict[str, Any]:
        """The full state at one checkpoint (the transcript replayed up to it)."""
        config = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
        return dict(self._research_graph().get_state(config).values)

    def _research_graph(self) -> Any:
        from mirograph.graphs.research import build_research_graph

        with self._lock:
            if self._graph is None:
                self._graph = build_research_graph(checkpointer=self.saver)
            return self._graph
