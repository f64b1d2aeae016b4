"""Opening a database: bad paths and damaged files give one clear sentence, change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirograph.checkpoints import open_checkpointer
from mirograph.errors import DatabaseError
from tests.checkpoints.conftest import build_loop, config, start


def test_a_directory_is_refused(tmp_path: Path):
    with (
        pytest.raises(DatabaseError, match=r"is a directory, not a mirograph database file\.$"),
        open_checkpointer(tmp_path),
    ):
        pass


def test_a_missing_folder_is_refused(tmp_path: Path):
    with (
        pytest.raises(DatabaseError, match=r"the folder .*missing does not exist\.$"),
        open_checkpointer(tmp_path / "missing" / "runs.sqlite"),
    ):
        pass
    assert not (tmp_path / "missing").exists()


def test_a_text_file_is_refused_and_unchanged(tmp_path: Path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes\n" * 20)

    with (
        pytest.raises(DatabaseError, match=r"is not a SQLite database \(wrong file header\)\.$"),
        open_checkpointer(path),
    ):
        pass

    assert path.read_text() == "these are my notes\n" * 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_a_truncated_database_is_refused_and_unchanged(tmp_path: Path):
    path = tmp_path / "runs.sqlite"
    with open_checkpointer(path) as saver:
        build_loop(20).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")
        saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(damaged)
    for extra in tmp_path.glob("runs.sqlite-*"):
        extra.unlink()

    with (
        pytest.raises(DatabaseError, match=r"is a truncated or damaged SQLite database\.$"),
        open_checkpointer(path),
    ):
        pass

    assert path.read_bytes() == damaged


def test_garbage_after_a_valid_header_is_refused(tmp_path: Path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)

    with pytest.raises(DatabaseError), open_checkpointer(path):
        pass


def test_an_empty_file_becomes_a_new_database(tmp_path: Path):
    path = tmp_path / "runs.sqlite"
    path.touch()

    with open_checkpointer(path) as saver:
        assert saver.list_threads() == []


def test_reopening_keeps_the_threads(tmp_path: Path):
    path = tmp_path / "runs.sqlite"
    with open_checkpointer(path) as saver:
        build_loop(2).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    with open_checkpointer(path) as saver:
        assert [t.tool_calls_used for t in saver.list_threads()] == [2]
        assert saver.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
