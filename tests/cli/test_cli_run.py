"""`mirograph run`, `resume`, `threads`, `show` through the real command."""

from __future__ import annotations

import json
import uuid

from tests.cli.conftest import mirograph, run_args


def test_run_prints_one_json_object(tmp_path, script):
    result = mirograph(*run_args(tmp_path / "db.sqlite", script, "t1", "--json"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert str(uuid.UUID(data["thread_id"])) == data["thread_id"]  # the id Studio accepts
    assert data == {
        "thread_id": data["thread_id"],
        "label": "t1",
        "status": "done",
        "answer": "The answer is 42.",
        "tool_calls_used": 3,
    }


def test_threads_lists_the_run(tmp_path, script):
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script, "t1"))
    rows = json.loads(mirograph("threads", "--db", str(db), "--json").stdout)
    assert [(r["label"], r["status"], r["tool_calls_used"]) for r in rows] == [("t1", "done", 3)]
