"""`mirograph run`, `resume`, `threads`, `show` through the real command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.conftest import REPO, cli_env, mirograph, write_script

TOOL = "tests.fixtures.tools:counted_lookup"


def run_args(db: Path, script: Path, thread: str, *extra: str) -> list[str]:
    return [
        "run",
        "What is the answer?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        TOOL,
        "--thread",
        thread,
        "--verify",
        "rules",
        *extra,
    ]


def transcript(db: Path, thread: str) -> list[tuple[str, str]]:
    result = mirograph("show", thread, "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_run_prints_one_json_object(tmp_path, script):
    result = mirograph(*run_args(tmp_path / "db.sqlite", script, "t1", "--json"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "thread_id": "t1",
        "status": "done",
        "answer": "The answer is 42.",
        "tool_calls_used": 3,
    }


def test_threads_lists_the_run(tmp_path, script):
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script, "t1"))
    rows = json.loads(mirograph("threads", "--db", str(db), "--json").stdout)
    assert [(r["thread_id"], r["status"], r["tool_calls_used"]) for r in rows] == [
        ("t1", "done", 3)
    ]


def test_resume_after_sigkill_finishes_like_an_uninterrupted_run(tmp_path):
    script = write_script(tmp_path / "script.json", calls=40)
    whole = tmp_path / "whole.sqlite"
    assert mirograph(*run_args(whole, script, "t")).returncode == 0

    db, counter = tmp_path / "killed.sqlite", tmp_path / "executions.txt"
    env = cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.05")
    process = subprocess.Popen(
        [sys.executable, "-m", "mirograph", *run_args(db, script, "t")],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not counter.exists() or len(counter.read_text().splitlines()) < 15
    ):
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    resumed = mirograph("resume", "t", "--db", str(db), "--json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["answer"] == "The answer is 42."
    executed = counter.read_text().splitlines()
    assert len(executed) - len(set(executed)) <= 1  # at most the in-flight call is redone
    assert sorted(set(executed)) == sorted(f"q{i}" for i in range(40))
    assert transcript(db, "t") | {"thread_id": "t"} == transcript(whole, "t")
