"""Issue 15, point 6: every id `history` prints is one `fork --checkpoint` takes (whole, or
cut to any unique prefix), and `fork --step` counts tool calls as `history` does."""

from __future__ import annotations

import json
import re

import pytest

from mirograph.branching import checkpoint_for_step, step_numbers
from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints.labels import resolve_thread
from mirograph.cli import main
from tests.cli.conftest import mirograph, run_args, thread_id, write_script

ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@pytest.fixture
def finished(tmp_path):
    db = tmp_path / "db.sqlite"
    result = mirograph(*run_args(db, write_script(tmp_path / "s.json", calls=3), "t"))
    assert result.returncode == 0, result.stderr
    return db


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """`mirograph ARGS` in this process (fast enough to fork at every checkpoint)."""
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_every_printed_checkpoint_id_is_accepted_by_fork(finished, capsys):
    table = mirograph("history", "t", "--db", str(finished))
    assert table.returncode == 0, table.stderr
    printed = ID.findall(table.stdout)
    with open_checkpointer(finished) as saver:
        assert printed == [step.checkpoint_id for step in saver.history(resolve_thread(saver, "t"))]
    for n, checkpoint in enumerate(printed):
        code, out, err = cli(
            capsys, "fork", "t", "--checkpoint", checkpoint, "--new-thread", f"b{n}",
            "--db", str(finished), "--json",
        )  # fmt: skip
        assert code == 0, err
        assert json.loads(out)["parent_checkpoint_id"] == checkpoint


def test_a_unique_prefix_or_a_cut_id_is_accepted(finished, capsys):
    with open_checkpointer(finished) as saver:
        ids = [step.checkpoint_id for step in saver.history(resolve_thread(saver, "t"))]
    target = ids[5]
    shortest = next(
        target[:n] for n in range(4, 37) if sum(i.startswith(target[:n]) for i in ids) == 1
    )
    for given in (shortest, target[:23], target[:23] + "…"):
        code, out, err = cli(
            capsys, "fork", "t", "--checkpoint", given, "--new-thread", f"p{len(given)}",
            "--db", str(finished), "--json",
        )  # fmt: skip
        assert code == 0, (given, err)
        assert json.loads(out)["parent_checkpoint_id"] == target


def test_an_ambiguous_or_unknown_prefix_is_one_line(finished, capsys):
    code, _, err = cli(capsys, "fork", "t", "--checkpoint", "1f1", "--db", str(finished))
    assert (code, err.strip()) == (
        2, "error: checkpoint id '1f1' is too short: give at least 4 characters"
    )  # fmt: skip
    with open_checkpointer(finished) as saver:
        common = saver.history(resolve_thread(saver, "t"))[0].checkpoint_id[:8]
    t = thread_id(finished, "t")  # messages name the thread by its id
    code, _, err = cli(capsys, "fork", "t", "--checkpoint", common, "--db", str(finished))
    assert (code, err.strip()) == (
        2, f"error: checkpoint id '{common}' matches several checkpoints of '{t}': give more of it"
    )  # fmt: skip
    code, _, err = cli(capsys, "fork", "t", "--checkpoint", "ffff-ffff", "--db", str(finished))
    assert (code, err.strip()) == (
        2, f"error: thread '{t}' has no checkpoint 'ffff-ffff' (see `mirograph history {t}`)"
    )  # fmt: skip


def test_fork_step_numbers_are_the_tool_calls_history_shows(finished, capsys):
    with open_checkpointer(finished) as saver:
        lineage = saver.history(resolve_thread(saver, "t"))
        numbers = step_numbers(lineage)
        assert sorted(numbers.values()) == [0, 1, 2, 3]
        for checkpoint, n in numbers.items():
            assert checkpoint_for_step(saver, resolve_thread(saver, "t"), n) == checkpoint
            assert next(s for s in lineage if s.checkpoint_id == checkpoint).tool_calls_used in (
                n,
                None,
            )
    listed = json.loads(mirograph("history", "t", "--db", str(finished), "--json").stdout)
    assert {r["checkpoint_id"]: r["fork_step"] for r in listed if r["fork_step"] is not None} == (
        numbers
    )
    code, out, err = cli(
        capsys, "fork", "t", "--step", "2", "--new-thread", "s2", "--db", str(finished), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["fork_step"], numbers[data["parent_checkpoint_id"]]) == (2, 2)


def test_threads_get_uuids_and_are_named_by_a_unique_prefix(tmp_path, capsys):
    import uuid

    from tests.cli.conftest import TOOL

    db = tmp_path / "db.sqlite"
    script = write_script(tmp_path / "s.json", calls=2)
    run = mirograph(
        "run", "Q?", "--db", str(db), "--model", f"scripted:{script}", "--tool", TOOL,
        "--verify", "rules", "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    thread = json.loads(run.stdout)["thread_id"]
    assert str(uuid.UUID(thread)) == thread
    code, out, err = cli(capsys, "fork", thread[:8], "--step", "1", "--db", str(db), "--json")
    assert code == 0, err
    forked = json.loads(out)
    assert forked["parent_thread_id"] == thread
    assert str(uuid.UUID(forked["thread_id"])) == forked["thread_id"]
    resumed = mirograph("resume", forked["thread_id"][:8], "--db", str(db), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["thread_id"] == forked["thread_id"]
