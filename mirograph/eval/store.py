"""The eval's own tables, in the same database as its threads (a SQLite file or PostgreSQL).

One database holds everything a resumed eval needs: the checkpoints (through the saver),
the finished (task, run) results, the judge cache and the scaling points. A result row is
written only after its run finished *and* was graded, in one transaction, and never
replaced: "has a row" is exactly "skip it on resume", and a job retried after its worker
died gets back the row that was recorded first, so every result is written exactly once.
The SQL runs on both engines through the saver's transactions.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mirograph.checkpoints._sql import upsert
from mirograph.eval.judges import Verdict

if TYPE_CHECKING:
    from mirograph.checkpoints import SaverCore

DDL = (
    "CREATE TABLE IF NOT EXISTS eval_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS eval_results (
    thread_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, run INTEGER NOT NULL, row TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS eval_verdicts (
    task_id TEXT NOT NULL, ground_truth TEXT NOT NULL, answer TEXT NOT NULL,
    judge TEXT NOT NULL, correct INTEGER NOT NULL, method TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (task_id, ground_truth, answer, judge)
)""",
    """CREATE TABLE IF NOT EXISTS eval_scaling (
    thread_id TEXT NOT NULL, budget INTEGER NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (thread_id, budget)
)""",
)
_SET_META = upsert("eval_meta", ("key", "value"), ("key",))
_ADD_RESULT = upsert(
    "eval_results", ("thread_id", "task_id", "run", "row"), ("thread_id",), replace=False
)
_RETRY_RESULT = "UPDATE eval_results SET row = ? WHERE thread_id = ?"
_PUT_VERDICT = upsert(
    "eval_verdicts",
    ("task_id", "ground_truth", "answer", "judge", "correct", "method", "detail"),
    ("task_id", "ground_truth", "answer", "judge"),
)
_PUT_POINT = upsert("eval_scaling", ("thread_id", "budget", "row"), ("thread_id", "budget"))


def usable(row: dict[str, Any]) -> bool:
    """A recorded result that resume keeps: the run ended and the judge answered."""
    return row["status"] != "error" and row["judge"] != "error"


class EvalStore:
    """Results, verdicts and scaling points of one eval, in its saver's database."""

    def __init__(self, saver: SaverCore) -> None:
        self.saver = saver
        with saver._write() as cur:
            saver._lock_key(cur, "eval-schema")  # many workers may start at once
            for statement in DDL:
                cur.execute(statement)

    def close(self) -> None:
        """Nothing to close: the saver owns the connection."""

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with self.saver._read() as cur:
            return cur.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.saver._read() as cur:
            return cur.execute(sql, params).fetchall()

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        with self.saver._write() as cur:
            cur.execute(sql, params)

    # -- meta ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        row = self._one("SELECT value FROM eval_meta WHERE key = ?", (key,))
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        self._run(_SET_META, (key, json.dumps(value, sort_keys=True)))

    # -- results ------------------------------------------------------------------------

    def results(self) -> dict[str, dict[str, Any]]:
        """Finished rows by thread id."""
        rows = self._all("SELECT thread_id, row FROM eval_results")
        return {thread_id: json.loads(row) for thread_id, row in rows}

    def result(self, thread_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT row FROM eval_results WHERE thread_id = ?", (thread_id,))
        return json.loads(row[0]) if row else None

    def put_result(self, row: dict[str, Any]) -> dict[str, Any]:
        """Record a result once; return the row recorded for its thread.

        A row of a run that failed (status or judge `error`) is replaced by a later
        attempt: that is what `resume` retries. A usable row is never replaced.
        """
        text = json.dumps(row, sort_keys=True)
        with self.saver._write() as cur:
            cur.execute(_ADD_RESULT, (row["thread_id"], row["task_id"], row["run"], text))
            (stored,) = cur.execute(
                "SELECT row FROM eval_results WHERE thread_id = ?", (row["thread_id"],)
            ).fetchone()
            if stored != text and not usable(json.loads(stored)):
                cur.execute(_RETRY_RESULT, (text, row["thread_id"]))
                stored = text
        return json.loads(stored)

    def has_results(self) -> bool:
        return self._one("SELECT 1 FROM eval_results LIMIT 1") is not None

    # -- judge cache (the `VerdictCache` protocol) ----------------------------------------

    def get_verdict(self, key: tuple[str, str, str, str]) -> Verdict | None:
        row = self._one(
            "SELECT correct, method, detail FROM eval_verdicts WHERE task_id = ? AND "
            "ground_truth = ? AND answer = ? AND judge = ?",
            key,
        )
        return Verdict(bool(row[0]), row[1], row[2] or "") if row else None

    def put_verdict(self, key: tuple[str, str, str, str], verdict: Verdict) -> None:
        self._run(_PUT_VERDICT, (*key, int(verdict.correct), verdict.method, verdict.detail))

    # -- scaling ------------------------------------------------------------------------

    def scaling_points(self) -> dict[tuple[str, int], dict[str, Any]]:
        rows = self._all("SELECT thread_id, budget, row FROM eval_scaling")
        return {(thread_id, budget): json.loads(row) for thread_id, budget, row in rows}

    def put_scaling_point(self, row: dict[str, Any]) -> None:
        self._run(_PUT_POINT, (row["thread_id"], row["budget"], json.dumps(row, sort_keys=True)))
