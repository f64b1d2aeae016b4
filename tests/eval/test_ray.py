"""`mirograph eval --engine ray` on PostgreSQL: workers that die are restarted, results once.

Ray runs inside `unshare -n` with only loopback up (it would otherwise bind and probe the
host's addresses), and reaches PostgreSQL through the server's unix socket there. The
test itself watches the database over TCP from outside the namespace.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.eval.conftest import (
    DATA,
    DATASET,
    REPO,
    cli_env,
    eval_args,
    read_jsonl,
    without_timing,
)
from tests.postgres import fresh_database, query, socket_url

EXTRA = {"t01": "t21", "t02": "t22", "t05": "t23", "t10": "t24"}  # same questions, new ids


def dataset_of_24(path: Path) -> Path:
    rows = read_jsonl(DATASET)
    extra = [dict(r, task_id=EXTRA[r["task_id"]]) for r in rows if r["task_id"] in EXTRA]
    path.write_text("".join(json.dumps(r) + "\n" for r in [*rows, *extra]))
    return path


def in_namespace(args: list[str]) -> list[str]:
    """`args` in a new network namespace whose only interface is loopback."""
    return ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {shlex.join(args)}"]


def recorded(url: str) -> int:
    try:
        return query(url, "SELECT count(*) FROM eval_results")[0][0]
    except psycopg.errors.UndefinedTable:  # the eval has not created its tables yet
        return 0


def worker_pids(log: Path) -> list[int]:
    """Processes that ran model calls, in order of first call (the Ray workers)."""
    pids: dict[int, None] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        pids.setdefault(json.loads(line)["pid"], None)
    return list(pids)


def wait_until(condition, process: subprocess.Popen, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the eval ended before {what}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_ray_worker_is_restarted_and_every_result_is_written_once(
    tmp_path, corpus, settings
):
    data = dataset_of_24(tmp_path / "tasks24.jsonl")
    from mirograph.eval import load_tasks, run_eval
    from tests.eval.agents import rule_judge

    undisturbed = run_eval(
        load_tasks(data, files_dir=DATA),
        out_dir=tmp_path / "local",
        settings=settings,
        judge_model=rule_judge(),
    )
    log = tmp_path / "calls.jsonl"
    env = cli_env(
        MIROGRAPH_EVAL_CALL_LOG=str(log),
        MIROGRAPH_EVAL_MODEL_DELAY="0.2",
        RAY_USAGE_STATS_ENABLED="0",
        RAY_AUTH_MODE="disabled",
    )
    with fresh_database("mgray") as url:
        out = tmp_path / "ray"
        args = eval_args(data, out, corpus, "--db", socket_url(url), "--files", str(DATA))
        args += ["--engine", "ray"]
        args += ["--workers", "2", "--concurrency", "3"]
        process = subprocess.Popen(
            in_namespace(args), env=env, cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_until(lambda: len(worker_pids(log)) >= 2 and recorded(url) >= 3, process, "work")
            victim = worker_pids(log)[0]
            before = recorded(url)
            os.kill(victim, signal.SIGKILL)
            _, stderr = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, stderr
        assert before < 24, "the kill came after the last result"
        assert len(worker_pids(log)) >= 3  # the killed worker came back as a new process
        rows = read_jsonl(out / "results.jsonl")
        assert sorted(r["thread_id"] for r in rows) == sorted(f"t{i:02d}.r1" for i in range(1, 25))
        assert recorded(url) == 24
    summary = json.loads((out / "summary.json").read_text())
    assert without_timing(summary) == without_timing(undisturbed.summary)
