"""`mirograph run --review answer` without a terminal, answered by `mirograph resume` flags."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import mirograph, thread_id

EXIT_PAUSED = 3


def test_answer_review_is_answered_with_resume_flags(tmp_path: Path):
    db, script = tmp_path / "db.sqlite", tmp_path / "script.json"
    script.write_text(json.dumps(["It is 7.", "It is 8."]))
    run = mirograph(
        "run",
        "What is it?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--verify",
        "rules",
        "--thread",
        "t1",
        "--review",
        "answer",
        "--json",
    )
    assert run.returncode == EXIT_PAUSED, run.stderr
    [pending] = json.loads(run.stdout)["interrupts"]
    assert pending["value"] == {"kind": "answer", "answer": "It is 7."}
    assert f"continue with: mirograph resume t1 --db {db}" in run.stderr

    feedback = mirograph("resume", "t1", "--db", str(db), "--feedback", "Recount.", "--json")
    assert feedback.returncode == EXIT_PAUSED, feedback.stderr
    [pending] = json.loads(feedback.stdout)["interrupts"]
    assert pending["value"] == {"kind": "answer", "answer": "It is 8."}

    approve = mirograph("resume", "t1", "--db", str(db), "--approve", "--json")
    assert approve.returncode == 0, approve.stderr
    assert json.loads(approve.stdout) == {
        "thread_id": thread_id(db, "t1"),
        "label": "t1",
        "status": "done",
        "answer": "It is 8.",
        "tool_calls_used": 0,
    }


def test_review_flags_on_a_thread_that_waits_for_nothing_are_a_usage_error(tmp_path: Path):
    db, script = tmp_path / "db.sqlite", tmp_path / "script.json"
    script.write_text(json.dumps(["It is 7."]))
    assert (
        mirograph(
            "run",
            "What is it?",
            "--db",
            str(db),
            "--model",
            f"scripted:{script}",
            "--verify",
            "rules",
            "--thread",
            "t1",
        ).returncode
        == 0
    )
    result = mirograph("resume", "t1", "--db", str(db), "--approve")
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: the thread is not waiting for a review (see `mirograph history`)",
    )
