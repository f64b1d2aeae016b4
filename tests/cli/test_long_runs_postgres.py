"""Must show: a 600-step thread on PostgreSQL, SIGKILLed twice, resumes exactly; its
history lists every step; a fork at step 300 leaves the parent's history unchanged; the
tables take at most twice the content (4,000 characters of incompressible text a call):
one `task_writes` row per task, keyed by an integer checkpoint ref, puts them at ~1.75x
(`bench/postgres.py`), where one row per channel write with text keys took 2.6x."""

from __future__ import annotations

import json
import random
import signal

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints.labels import resolve_thread
from tests.cli.conftest import cli_env, mirograph, thread_values
from tests.cli.test_long_runs import LONG, start, wait_for_executions
from tests.fixtures.tools import PAGE_CHARS, page_for
from tests.postgres import fresh_database

CALLS = 600


def page_script(path, calls: int):
    script = [
        {"tool_calls": [{"name": "counted_page", "args": {"query": f"q{i}"}}]} for i in range(calls)
    ]
    path.write_text(json.dumps([*script, "The answer is 42."]))
    return path


@pytest.mark.slow
def test_a_600_step_thread_on_postgres_killed_twice_resumes_exactly(tmp_path):
    script = page_script(tmp_path / "script.json", CALLS)
    counter = tmp_path / "executions.txt"
    env = cli_env(MIROGRAPH_TEST_COUNTER=str(counter), MIROGRAPH_TEST_TOOL_SECONDS="0.005")
    with fresh_database("mglong") as url:
        args = [
            "run", "What is the answer?", "--db", url, "--model", f"scripted:{script}",
            "--tool", "tests.fixtures.tools:counted_page", "--thread", "t", "--verify", "rules",
            *LONG,
        ]  # fmt: skip
        for point in sorted(random.Random(16).sample(range(50, CALLS - 50), 2)):
            process = start(args, env)
            wait_for_executions(counter, point, process)
            process.send_signal(signal.SIGKILL)
            process.communicate()
            assert process.returncode == -signal.SIGKILL, f"finished before the kill at {point}"
            args = ["resume", "t", "--db", url]
        final = mirograph(*args, "--json", env=env, timeout=900)
        assert final.returncode == 0, final.stderr
        assert json.loads(final.stdout)["answer"] == "The answer is 42."

        executed = counter.read_text().splitlines()
        assert sorted(set(executed)) == sorted(f"q{i}" for i in range(CALLS))
        assert len(executed) - CALLS <= 2  # at most the call in flight, per kill

        messages = thread_values(url, "t")["messages"]
        calls = [m.tool_calls[0]["args"]["query"] for m in messages if isinstance(m, AIMessage)
                 and m.tool_calls]  # fmt: skip
        results = [m.content for m in messages if isinstance(m, ToolMessage)]
        assert calls == [f"q{i}" for i in range(CALLS)]
        assert results == [f"result for q{i}\n{page_for(f'q{i}')}" for i in range(CALLS)]

        history = mirograph("history", "t", "--db", url, "--json", timeout=300)
        steps = json.loads(history.stdout)
        with open_checkpointer(url) as saver:
            lineage = saver.history(resolve_thread(saver, "t"))
            stored = sum(saver.table_bytes().values())
        assert [s["checkpoint_id"] for s in steps] == [s.checkpoint_id for s in lineage]
        assert {s["tool_calls_used"] for s in steps} >= set(range(1, CALLS + 1))

        fork = mirograph(
            "fork", "t", "--step", "300", "--db", url, "--new-thread", "b", timeout=300
        )
        assert fork.returncode == 0, fork.stderr
        after = mirograph("history", "t", "--db", url, "--json", timeout=300)
        assert json.loads(after.stdout) == steps
        branch = json.loads(mirograph("history", "b", "--db", url, "--json", timeout=300).stdout)
        assert max(s["tool_calls_used"] or 0 for s in branch) == 300

        content = CALLS * PAGE_CHARS
        assert stored <= 2 * content, f"{stored:,} bytes for {content:,} of content"
