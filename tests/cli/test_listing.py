"""`threads`, `history` and `show` read plain columns and one blob, without LangGraph."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Annotated

import pytest
from langchain_core.messages import AnyMessage
from langchain_core.tools import tool
from langgraph.channels import DeltaChannel

from mirograph import ResearchContext, ResearchState, ScriptedChatModel, build_research_graph
from mirograph._cli_threads import full_state, latest_state
from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints.labels import resolve_thread
from mirograph.checkpoints.listing import open_listing
from mirograph.state import append_messages
from tests.cli.conftest import REPO, cli_env, mirograph, run_args, thread_id, write_script

pytestmark = pytest.mark.integration

HEADER_COLUMNS = ["#", "tool", "calls", "node", "detail", "status", "checkpoint"]


@pytest.fixture
def finished(tmp_path):
    db = tmp_path / "db.sqlite"
    script = write_script(tmp_path / "script.json", calls=4)
    assert mirograph(*run_args(db, script, "t")).returncode == 0
    with open_checkpointer(db) as saver:
        steps = saver.history(resolve_thread(saver, "t"))
    return db, steps


def rows(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    assert lines[0].split() == HEADER_COLUMNS
    return [line.split() for line in lines[1:]]


def test_history_prints_one_plain_row_per_step_with_the_full_checkpoint_id(finished):
    db, steps = finished
    result = mirograph("history", "t", "--db", str(db))
    assert result.returncode == 0, result.stderr
    printed = rows(result.stdout)
    assert [(r[0], r[-1]) for r in printed] == [
        (str(n), s.checkpoint_id) for n, s in enumerate(steps)
    ]


def test_history_tool_calls_only_and_tail_keep_the_step_numbers(finished):
    db, steps = finished
    executed = [(str(n), s.checkpoint_id) for n, s in enumerate(steps) if s.node == "executor"]
    only = rows(mirograph("history", "t", "--db", str(db), "--tool-calls-only").stdout)
    assert [(r[0], r[-1]) for r in only] == executed
    assert [r[1] for r in only] == ["1", "2", "3", "4"]
    tail = rows(mirograph("history", "t", "--db", str(db), "--tail", "2").stdout)
    assert [r[-1] for r in tail] == [s.checkpoint_id for s in steps[-2:]]
    both = json.loads(
        mirograph(
            "history", "t", "--db", str(db), "--tool-calls-only", "--tail", "1", "--json"
        ).stdout
    )
    assert [(str(s["n"]), s["checkpoint_id"]) for s in both] == executed[-1:]


def test_listing_commands_import_neither_langgraph_nor_langchain(finished):
    db, _ = finished
    probe = (
        "import sys\n"
        "from mirograph.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('langgraph', 'langchain_core')]\n"
        "sys.stderr.write('HEAVY ' + ' '.join(heavy))\n"
    )
    for args in (["threads"], ["history", "t"], ["show", "t"], ["--help"]):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                probe,
                *args,
                *(["--db", str(db)] if args[0] != "--help" else []),
            ],
            capture_output=True,
            text=True,
            env=cli_env(),
            cwd=REPO,
            timeout=120,
        )
        assert done.stderr.strip().splitlines()[-1] == "HEAVY", (args, done.stderr)


def test_show_of_a_finished_thread_reads_what_loading_the_state_gives(finished):
    db, _ = finished
    fast, fast_count, status = latest_state(db, thread_id(db, "t"))
    full, full_count = full_state(db, thread_id(db, "t"))
    assert status == "done"
    keys = ("question", "status", "answer", "report", "sources", "tool_calls_used", "verified")
    assert {k: fast.get(k) for k in keys} == {k: full.get(k) for k in keys}
    assert fast_count == full_count == 10  # question, 4 x (call, result), answer


def test_the_message_count_unpacks_only_the_rows_that_write_messages(finished):
    """A special channel's row and a packed row naming no `messages` are never unpacked:
    one this reader cannot decode (here: not msgpack at all) leaves the count as it was."""
    import sqlite3

    db, steps = finished
    conn = sqlite3.connect(db)
    with conn:
        (ref,) = conn.execute(
            "SELECT ref FROM checkpoints WHERE checkpoint_id = ?", (steps[1].checkpoint_id,)
        ).fetchone()
        conn.executemany(
            "INSERT INTO task_writes (ref, task_id, idx, channel, type, value) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (ref, b"\x01" * 16, -1, "__error__", "pickle", b"not decodable here"),
                (ref, b"\x02" * 16, 0, "", "msgpack", b"\xc1 no channel named"),
            ],
        )
    conn.close()
    with open_listing(db) as listing:
        assert listing.message_count(thread_id(db, "t")) == 10


class Snapshotting(ResearchState):
    """The transcript snapshotted every 3 updates, as LangGraph does every 5,000 steps."""

    messages: Annotated[list[AnyMessage], DeltaChannel(append_messages, snapshot_frequency=3)]


@tool
def lookup(query: str) -> str:
    """Look something up."""
    return f"found {query}"


def test_a_stored_transcript_seed_is_counted_as_loading_the_state_counts(tmp_path):
    db = tmp_path / "db.sqlite"
    calls = [{"tool_calls": [{"name": "lookup", "args": {"query": f"q{n}"}}]} for n in range(7)]
    model = ScriptedChatModel(responses=[*calls, "Done."])
    with open_checkpointer(db) as saver:
        graph = build_research_graph(
            model=model, tools=[lookup], checkpointer=saver, state_schema=Snapshotting
        )
        config = {"configurable": {"thread_id": "t"}}
        graph.invoke({"question": "q"}, config, context=ResearchContext(verify="off"))
    with open_listing(db) as listing:
        steps = [s.checkpoint_id for s in listing.history("t")]
        assert listing._seeds("t", steps)  # the run stored snapshots
        assert listing.message_count("t") == full_state(db, "t")[1] == 16
