"""Crash windows: a kill between a thread's settings and its first checkpoint, or in the
middle of a fork, leaves a state that `resume` and a retried `fork` handle in one line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints.labels import resolve_thread
from tests.cli.conftest import REPO, cli_env, mirograph, run_args, write_script


def killed_at_put(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.fixtures.killed_at_put", *args],
        capture_output=True, text=True, env=cli_env(), cwd=REPO, timeout=120,
    )  # fmt: skip


def thread_ids(db: Path) -> list[str]:
    listing = mirograph("threads", "--db", str(db), "--json")
    assert listing.returncode == 0, listing.stderr
    return [row["label"] or row["thread_id"] for row in json.loads(listing.stdout)]


def test_a_kill_before_the_first_checkpoint_leaves_no_half_thread(tmp_path):
    db, script = tmp_path / "runs.sqlite", write_script(tmp_path / "s.json", calls=1)
    mirograph("index", str(REPO / "examples" / "corpus"), "--corpus", str(tmp_path / "c.sqlite"))
    assert mirograph(*run_args(db, script, "other")).returncode == 0  # the file exists
    killed = killed_at_put(*run_args(db, script, "t1"))
    assert killed.returncode == -signal.SIGKILL

    assert thread_ids(db) == ["other"]
    resumed = mirograph("resume", "t1", "--db", str(db))
    assert (resumed.returncode, resumed.stderr.strip()) == (
        2,
        "error: no thread 't1' in this database (see `mirograph threads`)",
    )
    again = mirograph(*run_args(db, script, "t1"), "--json")
    assert (again.returncode, json.loads(again.stdout)["status"]) == (0, "done"), again.stderr


def test_settings_without_a_checkpoint_resume_in_one_line(tmp_path):
    """A file written before settings and checkpoint were one transaction."""
    db, script = tmp_path / "runs.sqlite", write_script(tmp_path / "s.json", calls=1)
    assert mirograph(*run_args(db, script, "other")).returncode == 0
    with open_checkpointer(db) as saver:
        saver.set_thread_settings("t1", {"model": f"scripted:{script}", "verify": "rules"})
    resumed = mirograph("resume", "t1", "--db", str(db))
    assert (resumed.returncode, resumed.stderr.strip()) == (
        2,
        "error: thread t1 has no saved step (it stopped before its first checkpoint): start "
        "it again with `mirograph run QUESTION --thread t1`",
    )
    again = mirograph(*run_args(db, script, "t1"), "--json")
    assert (again.returncode, json.loads(again.stdout)["status"]) == (0, "done"), again.stderr


def test_a_kill_mid_fork_leaves_nothing_and_the_retry_succeeds(tmp_path):
    db, script = tmp_path / "runs.sqlite", write_script(tmp_path / "s.json", calls=3)
    assert mirograph(*run_args(db, script, "t1")).returncode == 0
    fork = ["fork", "t1", "--step", "2", "--new-thread", "b1", "--db", str(db),
            "--note", "Check twice.", "--max-tool-calls", "9"]  # fmt: skip
    killed = killed_at_put(*fork)
    assert killed.returncode == -signal.SIGKILL
    assert thread_ids(db) == ["t1"]

    retried = mirograph(*fork)
    assert retried.returncode == 0, retried.stderr
    with open_checkpointer(db) as saver:
        branch = saver.get_thread(resolve_thread(saver, "b1"))
        parent = resolve_thread(saver, "t1")
    assert branch is not None
    assert (branch.parent_thread_id, branch.note, branch.settings["max_tool_calls"]) == (
        parent,
        "Check twice.",
        9,
    )
    resumed = mirograph("resume", "b1", "--db", str(db), "--json")
    assert (resumed.returncode, json.loads(resumed.stdout)["status"]) == (0, "done")
