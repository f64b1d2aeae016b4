"""Issue 15, points 2–3: a thread moves from Python to the CLI, from folder to folder, and
a branch of it runs on another model."""

from __future__ import annotations

import json
import os

from mirograph import ResearchContext, RunControl, ScriptedChatModel, build_research_graph
from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints.labels import resolve_thread
from mirograph.runner import run_thread
from tests.cli.conftest import TOOL, cli_env, mirograph, write_script
from tests.cli.test_cli_hints import run_in
from tests.fixtures.tools import counted_lookup

QUESTION = "What is the answer?"


def lookup(query: str) -> dict:
    return {"tool_calls": [{"name": "counted_lookup", "args": {"query": query}}]}


def python_thread_paused_after_one_call(db) -> None:
    """The README's Python path: a model object, paused (as by Ctrl-C) after one call."""
    model = ScriptedChatModel(responses=[lookup("q0"), lookup("q1"), "never reached"])
    control = RunControl()
    with open_checkpointer(db) as saver:
        graph = build_research_graph(model=model, tools=[counted_lookup], checkpointer=saver)
        result = run_thread(
            graph,
            thread_id="t1",
            settings=ResearchContext(verify="rules"),
            question=QUESTION,
            control=control,
            on_progress=lambda p: p.tool_calls_used and control.request_drain(),
        )
    assert (result.paused, result.tool_calls_used) == (True, 1)


def stored_settings(db, thread: str) -> dict:
    threads = json.loads(mirograph("threads", "--db", str(db), "--json").stdout)
    with open_checkpointer(db) as saver:
        info = saver.get_thread(resolve_thread(saver, thread))  # its id, or its label
    assert info is not None and any(row["thread_id"] == info.thread_id for row in threads)
    return info.settings


def test_a_python_thread_resumes_from_another_folder_with_a_model(tmp_path):
    db = tmp_path / "runs.sqlite"
    python_thread_paused_after_one_call(db)
    (tmp_path / "scripts").mkdir()
    write_script(tmp_path / "scripts" / "s.json", calls=2, answer="The answer is 42.")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    without = run_in(elsewhere, "resume", "t1", "--db", str(db))
    assert without.returncode == 2
    assert without.stderr.strip() == (
        "error: no model configured: pass --model PROVIDER:MODEL (or scripted:PATH)"
    )

    result = run_in(
        elsewhere, "resume", "t1", "--db", str(db), "--model", "scripted:../scripts/s.json",
        "--tool", TOOL, "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["status"], out["answer"], out["tool_calls_used"]) == (
        "done",
        "The answer is 42.",
        2,
    )
    # Stored absolute: a later command from yet another folder finds the script.
    assert stored_settings(db, "t1")["model"] == f"scripted:{tmp_path / 'scripts' / 's.json'}"
    assert stored_settings(db, "t1")["tools"] == [TOOL]


def test_a_fork_of_a_python_thread_runs_on_another_model(tmp_path):
    db = tmp_path / "runs.sqlite"
    python_thread_paused_after_one_call(db)
    write_script(tmp_path / "a.json", calls=2, answer="The answer is 42.")
    write_script(tmp_path / "b.json", calls=1, answer="It is 43, says model B.")
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir()
    folder_b.mkdir()
    assert run_in(folder_a, "resume", "t1", "--db", str(db), "--model", "scripted:../a.json",
                  "--tool", TOOL).returncode == 0  # fmt: skip

    fork = run_in(
        folder_b, "fork", "t1", "--step", "1", "--new-thread", "t1-b", "--db", str(db),
        "--model", "scripted:../b.json", "--json",
    )  # fmt: skip
    assert fork.returncode == 0, fork.stderr
    branch = run_in(tmp_path, "resume", "t1-b", "--db", str(db), "--json")
    assert branch.returncode == 0, branch.stderr
    assert json.loads(branch.stdout)["answer"] == "It is 43, says model B."
    assert stored_settings(db, "t1-b")["model"] == f"scripted:{tmp_path / 'b.json'}"
    assert stored_settings(db, "t1-b")["tools"] == [TOOL]  # the parent's, kept
    parent = json.loads(mirograph("show", "t1", "--db", str(db), "--format", "json").stdout)
    assert parent["answer"] == "The answer is 42."


def test_the_model_variable_fills_in_only_a_missing_model(tmp_path):
    db = tmp_path / "runs.sqlite"
    python_thread_paused_after_one_call(db)
    script = write_script(tmp_path / "s.json", calls=2, answer="From the variable.")
    env = cli_env(MIROGRAPH_MODEL=f"scripted:{script}")
    result = mirograph("resume", "t1", "--db", str(db), "--tool", TOOL, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "From the variable."
    # Now stored: another value of the variable does not replace it.
    other = write_script(tmp_path / "other.json", calls=2, answer="Other.")
    fork = mirograph("fork", "t1", "--step", "1", "--new-thread", "t1-c", "--db", str(db),
                     env=cli_env(MIROGRAPH_MODEL=f"scripted:{other}"))  # fmt: skip
    assert fork.returncode == 0, fork.stderr
    assert stored_settings(db, "t1-c")["model"] == f"scripted:{script}"


def test_run_stores_a_relative_script_path_as_absolute(tmp_path):
    write_script(tmp_path / "s.json", calls=1)
    result = run_in(
        tmp_path, "run", QUESTION, "--db", "db.sqlite", "--model", "scripted:s.json",
        "--tool", TOOL, "--thread", "t", "--verify", "rules",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stored_settings(tmp_path / "db.sqlite", "t")["model"] == (
        f"scripted:{os.path.join(tmp_path, 's.json')}"
    )
