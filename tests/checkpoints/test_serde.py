"""Safe loading (strict msgpack allow-list) and encryption at rest."""

from __future__ import annotations

import os
import tracemalloc
import zlib
from pathlib import Path

import ormsgpack
import pytest
from langgraph.checkpoint.serde.jsonplus import EXT_CONSTRUCTOR_SINGLE_ARG

from mirograph.checkpoints import open_checkpointer
from mirograph.errors import DatabaseError
from tests.checkpoints.conftest import build_loop, config, contents, execute, start

KEY = bytes(range(32))


def test_a_tampered_blob_cannot_call_os_system(saver, finished, db_path: Path, tmp_path: Path):
    marker = tmp_path / "pwned"
    payload = ormsgpack.Ext(
        EXT_CONSTRUCTOR_SINGLE_ARG, ormsgpack.packb(("os", "system", f"touch {marker}"))
    )
    execute(  # every task's writes, as the `status` write of a task (see `_writes`)
        db_path,
        "UPDATE task_writes SET type = 'msgpack', value = ?",
        (ormsgpack.packb(["", [["status", 0, payload]]]),),
    )

    saver.get_tuple(config("t1"))
    finished.get_state(config("t1"))
    list(saver.list(config("t1")))

    assert not marker.exists()


def test_messages_round_trip_through_the_allow_list(saver, finished):
    state = finished.get_state(config("t1"))

    assert type(state.values["messages"][1]).__name__ == "AIMessage"
    assert type(state.values["messages"][2]).__name__ == "ToolMessage"


def test_encrypted_blobs_do_not_contain_the_transcript(tmp_path: Path):
    path = tmp_path / "secret.sqlite"
    with open_checkpointer(path, encryption_key=KEY) as saver:
        build_loop(3, prefix="confidential").compile(checkpointer=saver).invoke(
            start(), config("t1"), durability="sync"
        )
        saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    assert b"confidential" not in path.read_bytes()


def test_every_stored_blob_is_encrypted(db_path: Path | str):
    with open_checkpointer(db_path, encryption_key=KEY) as saver:  # one row a task's writes
        build_loop(5).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")
    types = [
        *execute(db_path, "SELECT type FROM checkpoints"),
        *execute(db_path, "SELECT type FROM task_writes"),
    ]

    assert len(types) > 20
    assert {t.rsplit("+", 1)[-1] for (t,) in types} == {"aesgcm"}


def test_encrypted_database_reads_back_with_its_key(db_path: Path | str):
    path = db_path
    graph = build_loop(3)
    with open_checkpointer(path, encryption_key=KEY) as saver:
        graph.compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    with open_checkpointer(path, encryption_key=KEY) as saver:
        values = graph.compile(checkpointer=saver).get_state(config("t1")).values

    assert contents(values)[-2:] == ["result 3", "answer"]


def test_encrypted_database_without_the_key_says_so(db_path: Path | str):
    path = db_path
    with open_checkpointer(path, encryption_key=KEY) as saver:
        build_loop(1).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    with open_checkpointer(path) as saver, pytest.raises(DatabaseError, match="is encrypted"):
        saver.get_tuple(config("t1"))


def test_encrypted_database_with_a_wrong_key_says_so(db_path: Path | str):
    path = db_path
    with open_checkpointer(path, encryption_key=KEY) as saver:
        build_loop(1).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    wrong_key = os.urandom(32)
    with (
        open_checkpointer(path, encryption_key=wrong_key) as saver,
        pytest.raises(DatabaseError, match="wrong encryption key"),
    ):
        saver.get_tuple(config("t1"))


def test_listing_an_encrypted_database_needs_no_key(db_path: Path | str):
    path = db_path
    with open_checkpointer(path, encryption_key=KEY) as saver:
        build_loop(2).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    with open_checkpointer(path) as saver:
        assert [s.tool_calls_used for s in saver.history("t1")][-1] == 2
        assert saver.get_thread("t1").question == "why?"


def _zlib_bomb(inflated: int) -> bytes:
    """A valid `;zd1` stream of `inflated` zero bytes (about a thousandth of that long)."""
    from mirograph.checkpoints._zdict import _ZDICT_V1

    deflate = zlib.compressobj(9, zdict=_ZDICT_V1)
    chunk = bytes(1 << 20)
    parts = [deflate.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join(parts) + deflate.flush()


def test_a_blob_that_inflates_without_bound_is_a_database_error(saver, finished, db_path: Path):
    from mirograph.checkpoints._serde import MAX_INFLATED

    bomb = _zlib_bomb(4 * MAX_INFLATED)
    execute(
        db_path,
        "UPDATE checkpoints SET type = ?, checkpoint = ? WHERE thread_id = 't1'",
        ("msgpack;zd1", bomb),
    )
    assert execute(db_path, "SELECT count(*) FROM checkpoints WHERE type = ?", ("msgpack;zd1",)) > [
        (0,)
    ]

    tracemalloc.start()
    try:
        with pytest.raises(DatabaseError, match="inflates past"):
            saver.get_tuple(config("t1"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_INFLATED + (8 << 20)
