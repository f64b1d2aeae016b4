"""Must show 2: SIGKILL a real `mirograph eval` midway, then `--resume` it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest

from mirograph.checkpoints import MirographSaver, open_checkpointer
from mirograph.eval import load_tasks, run_eval
from mirograph.graphs.research import build_research_graph
from tests.eval.agents import rule_judge
from tests.eval.conftest import (
    DATASET,
    REPO,
    cli_env,
    eval_args,
    read_jsonl,
    run_cli,
    run_synthetic,
    without_timing,
)

THREAD_OF = {row["task_question"]: f"{row['task_id']}.r1" for row in read_jsonl(DATASET)}


def finished_threads(db: Path) -> set[str]:
    if not db.exists():
        return set()
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return {row[0] for row in conn.execute("SELECT thread_id FROM eval_results")}
        except sqlite3.OperationalError:  # the eval has not created its tables yet
            return set()


def steps_by_thread(log: Path, pid: int | None = None, exclude: int | None = None) -> dict:
    """Per thread, the step of each model call (AI messages in its input), in call order."""
    steps: dict[str, list[int]] = defaultdict(list)
    for line in log.read_text().splitlines() if log.exists() else []:
        call = json.loads(line)
        if (pid is None or call["pid"] == pid) and call["pid"] != exclude:
            steps[THREAD_OF[call["question"]]].append(call["ai_messages"])
    return steps


def kill_midway(args: list[str], env: dict[str, str], db: Path, log: Path) -> tuple[int, set]:
    """SIGKILL the eval once 6 tasks are done and an unfinished one is past its first step."""
    process = subprocess.Popen(
        args, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and process.poll() is None:
            done = finished_threads(db)
            underway = [t for t, s in steps_by_thread(log).items() if t not in done and max(s) >= 1]
            if len(done) >= 6 and underway:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the eval ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return process.pid, finished_threads(db)


def test_resume_after_sigkill_skips_finished_and_continues_unfinished(tmp_path, corpus, settings):
    expected = run_synthetic(tmp_path / "whole", settings)
    out, log = tmp_path / "killed", tmp_path / "calls.jsonl"
    args = eval_args(DATASET, out, corpus, "--concurrency", "3")
    slow = cli_env(MIROGRAPH_EVAL_CALL_LOG=str(log), MIROGRAPH_EVAL_MODEL_DELAY="0.1")
    killed_pid, done_before = kill_midway(args, slow, out / "eval.sqlite", log)
    assert 6 <= len(done_before) < 20

    resumed = run_cli([*args, "--resume"], env=cli_env(MIROGRAPH_EVAL_CALL_LOG=str(log)))
    assert resumed.returncode == 0, resumed.stderr

    before, after = steps_by_thread(log, pid=killed_pid), steps_by_thread(log, exclude=killed_pid)
    # Finished tasks were not run again: no model call of theirs after the kill.
    assert sorted(t for t in done_before if after.get(t)) == []
    # Unfinished tasks went on from their last checkpoint: no finished step was redone
    # (only the call in flight at the kill may repeat), and some resumed mid-trajectory.
    underway = [t for t in before if t not in done_before]
    assert all(min(after[t]) >= max(before[t]) for t in underway if after.get(t))
    assert any(after.get(t, [0])[0] >= 1 for t in underway)
    rows = read_jsonl(out / "results.jsonl")
    assert {r["thread_id"] for r in rows if r["resumed"]} & done_before == set()
    # And the eval ends exactly as an uninterrupted one.
    summary = json.loads((out / "summary.json").read_text())
    assert without_timing(summary) == without_timing(expected.summary)


class Killed(BaseException):
    """Stands in for SIGKILL: no `except Exception` sees it, nothing after it is written."""


def test_kill_between_a_steps_writes_and_its_checkpoint_resumes_the_run(
    tmp_path, settings, monkeypatch
):
    # The window SIGKILL hits in the test above: every task of step 1 has saved its writes,
    # the checkpoint of step 2 is not on disk yet. LangGraph's snapshot then shows
    # `next == ()` (no task of the head's step is left to run) though the run is mid-way.
    task = next(t for t in load_tasks(DATASET) if t.task_id == "t05")
    out = tmp_path / "out"
    put = MirographSaver.put

    def killed_before_step_2(self, config, checkpoint, metadata, new_versions):
        if metadata.get("step") == 2:
            raise Killed
        return put(self, config, checkpoint, metadata, new_versions)

    with monkeypatch.context() as patch:
        patch.setattr(MirographSaver, "put", killed_before_step_2)
        with pytest.raises(Killed):
            run_eval([task], out_dir=out, settings=settings, judge_model=rule_judge())
    with open_checkpointer(out / "eval.sqlite") as saver:
        head = build_research_graph(checkpointer=saver).get_state(
            {"configurable": {"thread_id": "t05.r1"}}
        )
    assert (head.metadata["step"], head.next, [t.name for t in head.tasks]) == (1, (), ["executor"])

    report = run_eval([task], out_dir=out, settings=settings, judge_model=rule_judge(), resume=True)
    [row] = report.rows
    assert (row["status"], row["answer"], row["resumed"]) == ("done", "Vantor", True)
