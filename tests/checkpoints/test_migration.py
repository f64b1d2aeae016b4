"""A file written before `task_writes` (one row per channel write, text keys) still opens,
reads, continues, forks and prunes; its rows are read where they are, never rewritten.

`before_task_writes.sqlite` is thread t1 of `build_loop(3)` as the previous mirograph
(schema with `next_nodes`, stock `writes` table) wrote it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from mirograph.checkpoints import MirographSaver, open_checkpointer
from mirograph.checkpoints._schema import connect
from mirograph.checkpoints.fork import fork_thread
from mirograph.checkpoints.listing import open_listing
from tests.checkpoints.conftest import build_loop, config, contents

OLD = Path(__file__).with_name("before_task_writes.sqlite")
TRANSCRIPT = ["why?", "<call-0>", "result 1", "<call-1>", "result 2", "<call-2>", "result 3"]


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite"
    shutil.copy(OLD, path)
    return path


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_an_old_file_reads_without_a_migration_of_its_rows(old_file: Path):
    with open_listing(old_file) as listing:  # read-only, as `mirograph show` opens it
        assert listing.message_count("t1") == 8
    with open_checkpointer(old_file) as saver:
        graph = build_loop(3).compile(checkpointer=saver)
        assert contents(graph.get_state(config("t1")).values) == [*TRANSCRIPT, "answer"]
        assert [s.step for s in saver.history("t1")] == list(range(-1, 8))
    assert (count(old_file, "writes"), count(old_file, "task_writes")) == (31, 0)


def test_an_old_file_opened_read_only_loads_its_state_unchanged(old_file: Path):
    before = old_file.read_bytes()
    conn = connect(old_file, readonly=True)  # as `mirograph ui` opens a runs file
    try:
        graph = build_loop(3).compile(checkpointer=MirographSaver(conn, readonly=True))
        assert contents(graph.get_state(config("t1")).values) == [*TRANSCRIPT, "answer"]
    finally:
        conn.close()
    assert old_file.read_bytes() == before


def test_an_old_thread_continues_forks_and_prunes(old_file: Path):
    with open_checkpointer(old_file) as saver:
        graph = build_loop(4).compile(checkpointer=saver)
        graph.invoke(None, config("t1", saver.history("t1")[-2].checkpoint_id))
        fork = fork_thread(saver, "t1", checkpoint_id=saver.history("t1")[5].checkpoint_id)
        forked = contents(graph.get_state(config(fork)).values)
        saver.prune(["t1"])
        values = graph.get_state(config("t1")).values

    assert forked == TRANSCRIPT[:5]
    assert contents(values) == [*TRANSCRIPT, "<call-3>", "result 4", "answer"]
    assert count(old_file, "task_writes") > 0
