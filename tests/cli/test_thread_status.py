"""Issue 15, point 5: `threads` says what a person needs — running, paused, waiting for
review, interrupted, done — in the table and in `--json`, from real processes."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.cli.conftest import cli_env, mirograph, run_args, write_script
from tests.cli.test_long_runs import LONG, start


def statuses(db: Path) -> dict[str, str]:
    result = mirograph("threads", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    return {row["label"] or row["thread_id"]: row["status"] for row in json.loads(result.stdout)}


def until_executions(counter: Path, at_least: int, process) -> None:
    deadline = time.monotonic() + 120
    while not (counter.exists() and len(counter.read_text().splitlines()) >= at_least):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the run made too few tool calls in time"
        time.sleep(0.005)


def slow_env(counter: Path) -> dict[str, str]:
    return cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.1")


def test_running_while_held_then_interrupted_after_sigkill(tmp_path):
    script = write_script(tmp_path / "script.json", calls=200)
    db, counter = tmp_path / "db.sqlite", tmp_path / "executions.txt"
    process = start(run_args(db, script, "k", *LONG), slow_env(counter))
    try:
        until_executions(counter, 3, process)
        assert statuses(db) == {"k": "running"}
        table = mirograph("threads", "--db", str(db)).stdout
        assert "running" in table
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    assert statuses(db) == {"k": "interrupted"}
    assert "interrupted" in mirograph("threads", "--db", str(db)).stdout


def test_paused_after_sigint_and_done_after_resume(tmp_path):
    script = write_script(tmp_path / "script.json", calls=40)
    db, counter = tmp_path / "db.sqlite", tmp_path / "executions.txt"
    process = start(run_args(db, script, "p", *LONG), slow_env(counter))
    until_executions(counter, 3, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr
    assert statuses(db) == {"p": "paused"}
    assert mirograph("resume", "p", "--db", str(db), env=cli_env()).returncode == 0
    assert statuses(db) == {"p": "done"}


def test_waiting_for_review_and_a_fresh_fork_is_paused(tmp_path):
    script = write_script(tmp_path / "script.json", calls=2)
    db = tmp_path / "db.sqlite"
    stopped = mirograph(*run_args(db, script, "r", "--review", "tools"))
    assert stopped.returncode == 3, stopped.stderr
    assert statuses(db) == {"r": "waiting for review"}
    assert "waiting for review" in mirograph("threads", "--db", str(db)).stdout

    assert mirograph("resume", "r", "--db", str(db), "--approve").returncode == 3  # 2nd call
    assert mirograph("resume", "r", "--db", str(db), "--approve").returncode == 0
    fork = mirograph("fork", "r", "--step", "1", "--new-thread", "r-b", "--db", str(db))
    assert fork.returncode == 0, fork.stderr
    assert statuses(db) == {"r": "done", "r-b": "paused"}


def test_a_run_that_stopped_on_an_error_is_interrupted(tmp_path):
    script = tmp_path / "short.json"
    script.write_text(json.dumps([{"tool_calls": [{"name": "counted_lookup", "args": {}}]}]))
    db = tmp_path / "db.sqlite"
    assert mirograph(*run_args(db, script, "e")).returncode == 1
    assert statuses(db) == {"e": "interrupted"}
