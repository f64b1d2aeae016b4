"""Long runs through the real command: SIGKILL and resume, pause, branch, one runner."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from mirograph import ResearchContext
from mirograph.branching import fork_at
from mirograph.checkpoints import open_checkpointer
from tests.cli.conftest import (
    REPO,
    cli_env,
    mirograph,
    run_args,
    thread_id,
    thread_values,
    write_script,
)

LONG = ("--max-tool-calls", "1000")


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mirograph", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_executions(counter: Path, at_least: int, process: subprocess.Popen) -> None:
    """Return once the tool ran `at_least` times; fail the test if the run ended first or
    120 s passed (a wait that times out must not look like success)."""
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline and process.poll() is None:
        seen = len(counter.read_text().splitlines()) if counter.exists() else 0
        if seen >= at_least:
            return
        time.sleep(0.005)
    state = f"exited with {process.returncode}" if process.poll() is not None else "still running"
    pytest.fail(f"waited for {at_least} tool executions, saw {seen}; the run {state}")


def transcript(db: Path, thread: str) -> list[tuple]:
    """The saved transcript without volatile ids: what the model said and the tools returned."""
    values = thread_values(db, thread)
    rows = []
    for m in values["messages"]:
        calls = [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])]
        rows.append((m.type, m.content, calls, getattr(m, "tool_call_id", None)))
    return [*rows, ("status", values["status"], values["answer"], values["tool_calls_used"])]


def kill_and_resume(tmp_path: Path, calls: int, kills: int, seed: int) -> None:
    script = write_script(tmp_path / "script.json", calls=calls)
    whole = tmp_path / "whole.sqlite"
    assert mirograph(*run_args(whole, script, "t", *LONG), timeout=600).returncode == 0

    db, counter = tmp_path / "killed.sqlite", tmp_path / "executions.txt"
    env = cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.01")
    points = sorted(random.Random(seed).sample(range(1, calls), kills))
    args = run_args(db, script, "t", *LONG)
    for point in points:
        process = start(args, env)
        wait_for_executions(counter, point, process)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL, f"finished before the kill at {point}"
        args = ["resume", "t", "--db", str(db)]
    final = mirograph(*args, "--json", env=env, timeout=600)
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["answer"] == "The answer is 42."

    executed = counter.read_text().splitlines()
    assert sorted(set(executed)) == sorted(f"q{i}" for i in range(calls))
    assert len(executed) - calls <= kills  # at most the step in flight is redone, per kill
    assert transcript(db, "t") == transcript(whole, "t")


def test_sigkill_at_five_random_points_then_resume_matches_an_uninterrupted_run(tmp_path):
    kill_and_resume(tmp_path, calls=60, kills=5, seed=7)


@pytest.mark.slow
def test_sigkill_at_five_random_points_of_a_600_step_run(tmp_path):
    kill_and_resume(tmp_path, calls=600, kills=5, seed=600)


def test_sigint_pauses_with_exit_3_and_a_resume_line(tmp_path):
    script = write_script(tmp_path / "script.json", calls=200)
    db, counter = tmp_path / "db.sqlite", tmp_path / "executions.txt"
    env = cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.01")
    process = start(run_args(db, script, "t", *LONG), env)
    wait_for_executions(counter, 10, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr
    last = stderr.strip().splitlines()[-1]
    made = len(counter.read_text().splitlines())
    assert last == f"paused after {made} tool calls — resume with: mirograph resume t --db {db}"

    resumed = mirograph("resume", "t", "--db", str(db), "--json", env=env)
    assert json.loads(resumed.stdout)["status"] == "done"
    assert len(counter.read_text().splitlines()) == 200


def test_a_second_runner_of_the_same_thread_fails_clearly(tmp_path):
    script = write_script(tmp_path / "script.json", calls=300)
    db, counter = tmp_path / "db.sqlite", tmp_path / "executions.txt"
    env = cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.01")
    # Slow enough that the first runner is still running when the second has started up,
    # however loaded the machine (300 calls take a minute).
    slow = {**env, "MIROGRAPH_TEST_TOOL_SECONDS": "0.2"}
    first = start(run_args(db, script, "t", *LONG), slow)
    wait_for_executions(counter, 5, first)
    second = mirograph("resume", "t", "--db", str(db), env=env)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1
    assert second.stderr.startswith("error: Thread t is being advanced by another runner (pid ")
    # The dead runner's lease is taken over.
    assert mirograph("resume", "t", "--db", str(db), env=env).returncode == 0


def rows(db: Path, thread: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [
            *conn.execute(
                "SELECT * FROM checkpoints WHERE thread_id = ? ORDER BY checkpoint_id", (thread,)
            ),
            *conn.execute(
                "SELECT w.* FROM task_writes w JOIN checkpoints c ON c.ref = w.ref "
                "WHERE c.thread_id = ? ORDER BY c.checkpoint_id, w.task_id, w.idx",
                (thread,),
            ),
        ]
    finally:
        conn.close()


def test_fork_at_step_150_continues_differently_and_leaves_the_parent_untouched(tmp_path):
    parent_script = write_script(tmp_path / "parent.json", calls=200)
    db = tmp_path / "db.sqlite"
    assert mirograph(*run_args(db, parent_script, "t", *LONG)).returncode == 0
    t = thread_id(db, "t")
    before = rows(db, t)
    parent = transcript(db, t)

    child_script = tmp_path / "child.json"
    script = json.loads(parent_script.read_text())[:150]
    child_script.write_text(json.dumps([*script, "A different answer."]))
    with open_checkpointer(db) as saver:
        settings = ResearchContext.from_dict(saver.get_thread(t).settings)
        fork_at(
            saver,
            t,
            settings.replace(model=f"scripted:{child_script}"),
            step=150,
            new_thread_id="t-150",
        )
    result = mirograph("resume", "t-150", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "A different answer."

    assert rows(db, t) == before
    child = transcript(db, "t-150")
    first_150 = 1 + 2 * 150  # the question, then 150 (AI call, tool result) pairs
    assert child[:first_150] == parent[:first_150]
    assert child[-1] == ("status", "done", "A different answer.", 150)
    calls = [m for m in child if m[0] == "tool"]
    assert len(calls) == 150


def test_fork_via_cli_records_the_parent_and_adds_the_note(tmp_path):
    script = write_script(tmp_path / "script.json", calls=5)
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script))
    fork = mirograph(
        "fork",
        "t",
        "--step",
        "2",
        "--new-thread",
        "t2",
        "--note",
        "Try X.",
        "--db",
        str(db),
        "--json",
    )
    assert fork.returncode == 0, fork.stderr
    assert json.loads(fork.stdout)["fork_step"] == 2
    threads = {
        r["label"]: r for r in json.loads(mirograph("threads", "--db", str(db), "--json").stdout)
    }
    assert threads["t2"]["parent_thread_id"] == threads["t"]["thread_id"]
    values = thread_values(db, "t2")
    assert values["tool_calls_used"] == 2
    assert values["messages"][-1].content == "Try X."
    assert isinstance(values["messages"][-2], ToolMessage)
    assert isinstance(values["messages"][-3], AIMessage)


def test_history_lists_the_lineage_with_tool_call_numbers(tmp_path):
    script = write_script(tmp_path / "script.json", calls=3)
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script))
    steps = json.loads(mirograph("history", "t", "--db", str(db), "--json").stdout)
    executed = [(s["tool_calls_used"], s["detail"]) for s in steps if s["node"] == "executor"]
    assert executed == [(1, "counted_lookup"), (2, "counted_lookup"), (3, "counted_lookup")]
    assert steps[-1]["node"] == "finalizer"
    assert os.path.getsize(db) > 0
