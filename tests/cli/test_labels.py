"""Issue 15: every thread has a UUID id (which `langgraph dev` accepts), and the name given
with `run --thread NAME` / `fork --new-thread NAME` is its label: every command that takes
a thread takes the label, the id or a unique id prefix; anything else is one line, exit 2."""

from __future__ import annotations

import json
import uuid

import pytest

from mirograph.cli import main
from tests.cli.conftest import TOOL, write_script

A = "aaaa1111-0000-4000-8000-000000000000"
B = "aaaa2222-0000-4000-8000-000000000000"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """`mirograph ARGS` in this process."""
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


@pytest.fixture
def db(tmp_path, capsys):
    """Thread `first` (labelled), and two threads whose UUIDs share the prefix `aaaa`."""
    db = tmp_path / "db.sqlite"
    script = write_script(tmp_path / "s.json", calls=2)
    for thread in ("first", A, B):
        code, _, err = cli(
            capsys, "run", "Q?", "--db", str(db), "--model", f"scripted:{script}",
            "--tool", TOOL, "--verify", "rules", "--thread", thread, "--json",
        )  # fmt: skip
        assert code == 0, err
    return db


def threads(capsys, db) -> dict[str | None, str]:
    code, out, err = cli(capsys, "threads", "--db", str(db), "--json")
    assert code == 0, err
    return {row["label"]: row["thread_id"] for row in json.loads(out)}


def test_a_name_becomes_the_label_of_a_uuid_thread_and_a_uuid_stays_the_id(db, capsys):
    listed = threads(capsys, db)

    assert sorted(listed, key=str) == [None, "first"]
    assert str(uuid.UUID(listed["first"])) == listed["first"]
    code, out, _ = cli(capsys, "threads", "--db", str(db), "--json")
    assert code == 0
    assert sorted(row["thread_id"] for row in json.loads(out) if row["label"] is None) == [A, B]


def test_every_command_takes_the_label_the_id_or_a_unique_prefix(db, capsys):
    first = threads(capsys, db)["first"]

    for given in ("first", first, first[:8]):
        code, out, err = cli(capsys, "show", given, "--db", str(db), "--format", "json")
        assert code == 0, err
        assert (json.loads(out)["thread_id"], json.loads(out)["label"]) == (first, "first")
        code, out, err = cli(capsys, "history", given, "--db", str(db), "--json")
        assert (code, json.loads(out)[-1]["tool_calls_used"]) == (0, 2), err
    code, out, err = cli(capsys, "resume", "first", "--db", str(db), "--json")
    assert (code, json.loads(out)["thread_id"], json.loads(out)["label"]) == (0, first, "first")
    code, out, err = cli(capsys, "fork", "aaaa1", "--step", "1", "--db", str(db), "--json")
    assert (code, json.loads(out)["parent_thread_id"]) == (0, A), err
    code, out, err = cli(capsys, "export", "first", "--db", str(db))
    assert (code, json.loads(out)["thread_id"]) == (0, first), err


def test_a_fork_is_named_by_its_new_thread_label(db, capsys):
    code, out, err = cli(
        capsys, "fork", "first", "--step", "1", "--new-thread", "first-b", "--db", str(db)
    )
    branch = threads(capsys, db)["first-b"]

    assert code == 0, err
    first = threads(capsys, db)["first"]
    assert out.startswith(f"forked first ({first}) into first-b ({branch})")
    assert out.rstrip().endswith(f"continue with: mirograph resume first-b --db {db}")
    code, out, err = cli(capsys, "resume", "first-b", "--db", str(db), "--json")
    assert (code, json.loads(out)["status"]) == (0, "done"), err


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["show", "aaaa"],
         f"thread 'aaaa' matches several threads ({A}, {B}, …): give more of the id"),
        (["history", "nope"], "no thread 'nope' in this database (see `mirograph threads`)"),
        (["resume", "aaa"], "no thread 'aaa' in this database (see `mirograph threads`)"),
        (["fork", "first", "--step", "1", "--new-thread", "first"],
         "there is a thread 'first' already: name the branch otherwise"),
    ],
)  # fmt: skip
def test_an_unknown_ambiguous_or_taken_name_is_one_line(db, capsys, args, line):
    code, out, err = cli(capsys, *args, "--db", str(db))

    assert (code, out, err.strip()) == (2, "", f"error: {line}")


def test_a_run_with_a_taken_label_is_refused(db, capsys, tmp_path):
    script = write_script(tmp_path / "again.json", calls=1)
    code, _, err = cli(
        capsys, "run", "Q?", "--db", str(db), "--model", f"scripted:{script}",
        "--thread", "first",
    )  # fmt: skip

    assert (code, err.strip()) == (
        2, f"error: thread first exists: continue it with: mirograph resume first --db {db}"
    )  # fmt: skip


def test_the_threads_table_shows_the_label(db, capsys):
    code, out, _ = cli(capsys, "threads", "--db", str(db))
    assert code == 0

    header, *rows = [line for line in out.splitlines() if "│" in line or "┃" in line]
    assert [c.strip() for c in header.strip("┃ ").split("┃")][:2] == ["thread", "label"]
    labels = [r.split("│")[2].strip() for r in rows if r.split("│")[2].strip()]
    assert labels == ["first"]


def test_a_python_thread_labelled_as_the_readme_says_is_found_by_the_cli(tmp_path, capsys):
    from mirograph import ResearchContext, ScriptedChatModel, build_research_graph, run_thread
    from mirograph.checkpoints import open_checkpointer
    from mirograph.checkpoints.labels import resolve_thread

    db, thread = tmp_path / "runs.sqlite", str(uuid.uuid4())
    with open_checkpointer(db) as saver:
        graph = build_research_graph(model=ScriptedChatModel(responses=["42."]), checkpointer=saver)
        saver.stage_thread_label(thread, "t1")
        run_thread(graph, thread_id=thread, question="Q?", settings=ResearchContext(verify="off"))
        assert resolve_thread(saver, "t1") == thread

    code, out, err = cli(capsys, "show", "t1", "--db", str(db), "--format", "json")
    assert code == 0, err
    assert (json.loads(out)["thread_id"], json.loads(out)["answer"]) == (thread, "42.")


def test_studio_refuses_a_thread_from_before_uuid_ids_with_the_fork_that_gives_one(
    tmp_path, capsys
):
    from mirograph.checkpoints import open_checkpointer

    db = tmp_path / "old.sqlite"
    with open_checkpointer(db) as saver:
        saver.set_thread_settings("legacy", {"verify": "off"})
    code, out, err = cli(
        capsys, "studio", "legacy", "--server", "http://127.0.0.1:9", "--db", str(db)
    )

    assert (code, out, err.strip()) == (
        2,
        "",
        "error: thread 'legacy' predates UUID ids, which the server requires: branch it into "
        "one with `mirograph fork legacy --step N --new-thread NAME`",
    )
