"""mirograph in LangGraph Studio: a real `langgraph dev` driven with `langgraph-sdk`.

Runs choose their scripted model and tools through the run's context, exactly as a
Studio user fills in the assistant's configuration form.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import cli_env, mirograph
from tests.studio.conftest import TOOL, Studio

NODES = ["planner", "executor", "summarizer", "verifier", "finalizer"]


def one_call(query: str, answer: str = "The answer is 42.") -> list:
    return [{"tool_calls": [{"name": "counted_lookup", "args": {"query": query}}]}, answer]


def checkpoint_rows(db: Path, thread_id: str) -> set[tuple]:
    with sqlite3.connect(db) as conn:
        return set(
            conn.execute(
                "SELECT checkpoint_id, parent_checkpoint_id, checkpoint, metadata "
                "FROM checkpoints WHERE thread_id = ?",
                (thread_id,),
            )
        )


def finished_thread(studio: Studio, name: str) -> str:
    client = studio.client()
    thread = client.threads.create()["thread_id"]
    script = studio.script(name, one_call(f"{name}-q"))
    output = client.runs.wait(
        thread, "research", input={"question": "What is it?"}, context=studio.context(script)
    )
    assert output["status"] == "done", output
    return thread


def test_research_assistant_offers_the_settings_form_and_five_nodes(studio: Studio):
    client = studio.client()
    [assistant] = client.assistants.search(graph_id="research")
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    fields = schemas["context_schema"]["properties"]
    assert {"max_tool_calls", "keep_tool_results", "model"} <= set(fields)
    assert (fields["max_tool_calls"]["default"], fields["keep_tool_results"]["default"]) == (600, 5)
    graph = client.assistants.get_graph(assistant["assistant_id"])
    assert [n["id"] for n in graph["nodes"]] == ["__start__", *NODES, "__end__"]


def test_input_form_asks_only_for_the_question(studio: Studio):
    client = studio.client()
    [assistant] = client.assistants.search(graph_id="research")
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    assert list(schemas["input_schema"]["properties"]) == ["question"]


def test_run_finishes_and_is_listed_by_mirograph_threads(studio: Studio):
    thread = finished_thread(studio, "listed")
    assert len(checkpoint_rows(studio.db, thread)) >= 5
    listing = mirograph("threads", "--db", str(studio.db), "--json", env=cli_env())
    assert listing.returncode == 0, listing.stderr
    rows = {r["thread_id"]: r for r in json.loads(listing.stdout)}
    assert (rows[thread]["question"], rows[thread]["status"], rows[thread]["tool_calls_used"]) == (
        "What is it?",
        "done",
        1,
    )


def test_tool_review_interrupts_and_runs_the_edited_call(studio: Studio):
    client = studio.client()
    thread = client.threads.create()["thread_id"]
    context = studio.context(studio.script("review", one_call("proposed")), review="tools")
    client.runs.wait(thread, "research", input={"question": "What is it?"}, context=context)
    [pending] = client.threads.get_state(thread)["interrupts"]
    assert pending["value"] == {
        "kind": "tool_call",
        "tool_call": {
            "name": "counted_lookup",
            "args": {"query": "proposed"},
            "id": "call_0_0",
            "type": "tool_call",
        },
        "step": 1,
    }

    output = client.runs.wait(
        thread,
        "research",
        command={"resume": {"action": "edit", "args": {"query": "edited"}}},
        context=context,
    )
    assert output["status"] == "done"
    assert "edited" in studio.executed() and "proposed" not in studio.executed()
    [result] = [
        m for m in client.threads.get_state(thread)["values"]["messages"] if m["type"] == "tool"
    ]
    assert (result["tool_call_id"], result["content"].splitlines()[-1]) == (
        "call_0_0",
        "result for edited",
    )


def test_review_pending_in_studio_is_answered_from_the_cli(studio: Studio):
    client = studio.client()
    thread = client.threads.create()["thread_id"]
    context = studio.context(studio.script("cli-review", one_call("from-studio")), review="tools")
    client.runs.wait(thread, "research", input={"question": "What is it?"}, context=context)

    env = cli_env(MIROGRAPH_TEST_COUNTER=str(studio.counter), MIROGRAPH_TOOLS=TOOL)
    args = ["resume", thread, "--db", str(studio.db), "--edit-args", '{"query": "from-cli"}']
    result = mirograph(*args, "--json", env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "The answer is 42."
    assert "from-cli" in studio.executed() and "from-studio" not in studio.executed()
    assert client.threads.get_state(thread)["values"]["status"] == "done"


def test_fork_at_an_earlier_checkpoint_leaves_the_original_lineage_unchanged(studio: Studio):
    client = studio.client()
    thread = finished_thread(studio, "forked")
    history = client.threads.get_history(thread, limit=100)
    original_head = history[0]["checkpoint"]["checkpoint_id"]
    before_rows = checkpoint_rows(studio.db, thread)
    before_state = client.threads.get_state(thread, checkpoint_id=original_head)
    # The checkpoint after the tool result was summarized, where the planner runs next.
    [fork_point] = [s for s in history if s["next"] == ["planner"] and s["metadata"]["step"] > 0]

    update = client.threads.update_state(
        thread,
        {"messages": [{"type": "human", "content": "Hint: check twice."}]},
        as_node="executor",  # as `mirograph fork` does: its edge leads on to the planner
        checkpoint_id=fork_point["checkpoint"]["checkpoint_id"],
    )
    output = client.runs.wait(
        thread,
        "research",
        input=None,
        checkpoint_id=update["checkpoint"]["checkpoint_id"],
        context=studio.context(studio.script("forked", one_call("forked-q"))),
    )

    assert output["status"] == "done"
    branch = client.threads.get_state(thread)["values"]["messages"]
    assert "Hint: check twice." in [m["content"] for m in branch]
    assert checkpoint_rows(studio.db, thread) > before_rows  # added to, nothing changed
    assert client.threads.get_state(thread, checkpoint_id=original_head) == before_state


def test_server_made_no_connection_beyond_loopback(studio: Studio):
    """Runs last in this module: covers everything the server did in the session."""
    finished_thread(studio, "offline")
    assert Path(f"{studio.connect_log}.installed").exists()  # the audit hook was watching
    attempts = studio.connect_log.read_text() if studio.connect_log.exists() else ""
    assert attempts == ""


def test_a_studio_run_holds_the_thread_against_the_cli(studio: Studio):
    """One runner per thread everywhere: a run the server makes takes the same lease."""
    import time

    client = studio.client()
    thread = client.threads.create()["thread_id"]
    calls = [{"tool_calls": [{"name": "gated_lookup", "args": {"query": "slow"}}]}, "Done."]
    context = {**studio.context(studio.script("gated", calls)), "tools": ["gated_lookup"]}
    run = client.runs.create(thread, "research", input={"question": "Q?"}, context=context)
    deadline = time.monotonic() + 30
    while not _lease_holder(studio.db, thread):
        if time.monotonic() > deadline:
            pytest.fail("the Studio run never took the thread's lease")
        time.sleep(0.05)
    try:
        tools = f"{TOOL},tests.fixtures.tools:gated_lookup"  # the deployment, as the server's
        resumed = mirograph(
            "resume", thread, "--db", str(studio.db), env=cli_env(MIROGRAPH_TOOLS=tools)
        )
        assert resumed.returncode == 2
        assert resumed.stderr.startswith(
            f"error: Thread {thread} is being advanced by another runner (langgraph dev pid "
        )
    finally:
        (studio.tmp / "gate").touch()
    client.runs.join(thread, run["run_id"])
    assert client.threads.get_state(thread)["values"]["status"] == "done"


def _lease_holder(db: Path, thread_id: str) -> str | None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT owner FROM leases WHERE thread_id = ?", (thread_id,)).fetchone()
    return row[0] if row else None
