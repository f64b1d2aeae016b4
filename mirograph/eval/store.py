"""The eval's own tables, in the same SQLite file as its threads.

One file holds everything a resumed eval needs: the checkpoints (through the saver), the
finished (task, run) results, the judge cache and the scaling points. A result row is
written only after its run finished *and* was graded, in one transaction, so "has a row"
is exactly "skip it on resume".
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from mirograph.eval.judges import Verdict

DDL = """
CREATE TABLE IF NOT EXISTS eval_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eval_results (
    thread_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, run INTEGER NOT NULL, row TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS eval_verdicts (
    task_id TEXT NOT NULL, ground_truth TEXT NOT NULL, answer TEXT NOT NULL,
    judge TEXT NOT NULL, correct INTEGER NOT NULL, method TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (task_id, ground_truth, answer, judge)
);
CREATE TABLE IF NOT EXISTS eval_scaling (
    thread_id TEXT NOT NULL, budget INTEGER NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (thread_id, budget)
);
"""


class EvalStore:
    """Results, verdicts and scaling points of one eval directory's database."""

    def __init__(self, path: str | Path) -> None:
        self.conn = sqlite3.connect(path, timeout=30)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        with self.conn:
            self.conn.executescript(DDL)

    def close(self) -> None:
        self.conn.close()

    # -- meta ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM eval_meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO eval_meta (key, value) VALUES (?, ?)",
                (key, json.dumps(value, sort_keys=True)),
            )

    # -- results ------------------------------------------------------------------------

    def results(self) -> dict[str, dict[str, Any]]:
        """Finished rows by thread id."""
        rows = self.conn.execute("SELECT thread_id, row FROM eval_results").fetchall()
        return {thread_id: json.loads(row) for thread_id, row in rows}

    def put_result(self, row: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO eval_results (thread_id, task_id, run, row) "
                "VALUES (?, ?, ?, ?)",
                (row["thread_id"], row["task_id"], row["run"], json.dumps(row, sort_keys=True)),
            )

    def has_results(self) -> bool:
        return self.conn.execute("SELECT 1 FROM eval_results LIMIT 1").fetchone() is not None

    # -- judge cache (the `VerdictCache` protocol) ----------------------------------------

    def get_verdict(self, key: tuple[str, str, str, str]) -> Verdict | None:
        row = self.conn.execute(
            "SELECT correct, method, detail FROM eval_verdicts WHERE task_id = ? AND "
            "ground_truth = ? AND answer = ? AND judge = ?",
            key,
        ).fetchone()
        return Verdict(bool(row[0]), row[1], row[2] or "") if row else None

    def put_verdict(self, key: tuple[str, str, str, str], verdict: Verdict) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO eval_verdicts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, int(verdict.correct), verdict.method, verdict.detail),
            )

    # -- scaling ------------------------------------------------------------------------

    def scaling_points(self) -> dict[tuple[str, int], dict[str, Any]]:
        rows = self.conn.execute("SELECT thread_id, budget, row FROM eval_scaling").fetchall()
        return {(thread_id, budget): json.loads(row) for thread_id, budget, row in rows}

    def put_scaling_point(self, row: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO eval_scaling (thread_id, budget, row) VALUES (?, ?, ?)",
                (row["thread_id"], row["budget"], json.dumps(row, sort_keys=True)),
            )
