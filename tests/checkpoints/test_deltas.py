"""Checkpoint blobs stored as deltas against their parent (`_chain`, `_codec`)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.base.id import uuid6

from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints._chain import KEYFRAME_EVERY
from mirograph.checkpoints._schema import connect
from mirograph.checkpoints._serde import build_serde
from mirograph.checkpoints._zdict import _ZDICT_V1
from mirograph.checkpoints.listing import open_listing
from mirograph.checkpoints.saver import MirographSaver
from mirograph.errors import DatabaseError
from tests.checkpoints.conftest import build_loop, config, execute, start

KEY = bytes(range(32))


def checkpoint(step: int, note: str = "") -> dict[str, Any]:
    """A checkpoint like a research step's: mostly what its parent held."""
    return {
        "v": 4,
        "id": str(uuid6(clock_seq=step)),
        "ts": f"2026-01-01T00:00:{step % 60:02}.000000+00:00",
        "channel_values": {"question": "why?", "tool_calls_used": step, "note": note},
        "channel_versions": {"question": 1, "tool_calls_used": step + 1, "note": step + 1},
        "versions_seen": {"planner": {"tool_calls_used": step}},
        "updated_channels": ["tool_calls_used", "note"],
    }


def put(saver: Any, thread: str, parent: str | None, step: int, **extra: Any) -> dict[str, Any]:
    """Store a checkpoint as the child of `parent`; return it."""
    saved = checkpoint(step, extra.pop("note", ""))
    metadata = {"source": "loop", "step": step, "parents": {}, **extra}
    saver.put(config(thread, parent), saved, metadata, {})
    return saved


def types(db: Path | str, thread: str = "t") -> list[str]:
    rows = execute(db, "SELECT type FROM checkpoints WHERE thread_id = ? ORDER BY 1", (thread,))
    return sorted(t for (t,) in rows)


def chain(saver: Any, thread: str, steps: int, **extra: Any) -> list[dict[str, Any]]:
    """`steps` checkpoints in one lineage."""
    saved: list[dict[str, Any]] = []
    for step in range(steps):
        saved.append(put(saver, thread, saved[-1]["id"] if saved else None, step, **extra))
    return saved


def read(saver: Any, thread: str, checkpoint_id: str) -> dict[str, Any]:
    return saver.get_tuple(config(thread, checkpoint_id)).checkpoint


def test_a_lineage_stores_a_keyframe_every_16_and_deltas_between(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        chain(saver, "t", 2 * KEYFRAME_EVERY + 1)

    assert types(db_path) == ["d"] * (2 * KEYFRAME_EVERY - 2) + ["z"] * 3


def test_every_checkpoint_of_a_lineage_reads_back_as_written(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        saved = chain(saver, "t", 40)

    with open_checkpointer(db_path) as saver:
        assert [read(saver, "t", c["id"]) for c in saved] == saved
        assert [t.checkpoint for t in saver.list(config("t"))] == saved[::-1]


def test_a_delta_is_much_smaller_than_its_keyframe(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        chain(saver, "t", 3, note="a note that every step repeats " * 4)
    rows = execute(db_path, "SELECT type, length(checkpoint) FROM checkpoints ORDER BY 2")
    sizes = {t: n for t, n in rows}

    assert sizes["d"] * 2 < sizes["z"]


def test_the_first_checkpoint_after_a_reopen_is_a_keyframe(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        first = chain(saver, "t", 3)
    with open_checkpointer(db_path) as saver:
        put(saver, "t", first[-1]["id"], 3)

    assert types(db_path) == ["d", "d", "z", "z"]


def test_a_fork_from_an_older_checkpoint_is_a_keyframe(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        saved = chain(saver, "t", 3)
        fork = put(saver, "t", saved[0]["id"], 9, note="fork")

        assert read(saver, "t", fork["id"]) == fork
    assert types(db_path) == ["d", "d", "z", "z"]


def test_deleting_a_run_keeps_the_later_checkpoints_readable(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        first = chain(saver, "t", 4, run_id="r1")
        middle = put(saver, "t", first[-1]["id"], 4, run_id="r2")
        last = put(saver, "t", middle["id"], 5, run_id="r3")
        after = put(saver, "t", last["id"], 6, run_id="r3")
        saver.delete_for_runs(["r2"])

    with open_checkpointer(db_path) as saver:
        assert [read(saver, "t", c["id"]) for c in (*first, last, after)] == [*first, last, after]
    assert execute(
        db_path, "SELECT type FROM checkpoints WHERE checkpoint_id = ?", (last["id"],)
    ) == [("z",)]


def test_pruning_keeps_the_latest_checkpoint_readable(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        saved = chain(saver, "t", 10)
        saver.prune(["t"])

        assert read(saver, "t", saved[-1]["id"]) == saved[-1]
    assert types(db_path) == ["z"]


def test_a_copied_thread_reads_back_as_the_original(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        saved = chain(saver, "t", 20)
        saver.copy_thread("t", "copy")

        assert [read(saver, "copy", c["id"]) for c in saved] == saved
    assert types(db_path, "copy") == types(db_path, "t")


def test_replacing_a_checkpoint_keeps_its_children_readable(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        first, second, third = chain(saver, "t", 3)
        replaced = {**first, "channel_values": {"question": "another"}}
        saver.put(config("t"), replaced, {"source": "loop", "step": 0, "parents": {}}, {})

        assert [read(saver, "t", c["id"]) for c in (first, second, third)] == [
            replaced,
            second,
            third,
        ]


def test_a_parent_rewritten_by_another_process_makes_the_child_a_keyframe(tmp_path: Path):
    db = tmp_path / "runs.sqlite"
    with open_checkpointer(db) as saver, open_checkpointer(db) as other:
        first, second = chain(saver, "t", 2)
        other.put(config("t", first["id"]), second, {"source": "loop", "step": 1}, {})
        third = put(saver, "t", second["id"], 2)

        assert read(saver, "t", third["id"]) == third
    assert execute(db, "SELECT type FROM checkpoints WHERE checkpoint_id = ?", (third["id"],)) == [
        ("z",)
    ]


def test_encrypted_deltas_are_sealed_and_read_back(db_path: Path | str):
    with open_checkpointer(db_path, encryption_key=KEY) as saver:
        saved = chain(saver, "t", 5)
    with open_checkpointer(db_path, encryption_key=KEY) as saver:
        assert [read(saver, "t", c["id"]) for c in saved] == saved
    assert types(db_path) == ["d+aesgcm"] * 4 + ["z+aesgcm"]


def test_encrypted_deltas_without_the_key_say_so(tmp_path: Path):
    db = tmp_path / "runs.sqlite"
    with open_checkpointer(db, encryption_key=KEY) as saver:
        saved = chain(saver, "t", 3)
    with open_checkpointer(db) as saver, pytest.raises(DatabaseError, match="is encrypted"):
        read(saver, "t", saved[-1]["id"])


def test_the_cli_listing_reads_delta_blobs_without_langgraph(tmp_path: Path):
    db = tmp_path / "runs.sqlite"
    with open_checkpointer(db) as saver:
        build_loop(20).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")
        expected = saver.get_tuple(config("t1")).checkpoint["channel_values"]

    with open_listing(db) as listing:
        values = listing.latest_values("t1")
        assert listing.message_count("t1") == 42
    assert {k: values[k] for k in ("status", "tool_calls_used")} == {
        "status": expected["status"],
        "tool_calls_used": expected["tool_calls_used"],
    }
    assert "d" in types(db, "t1")


def test_blobs_of_the_short_tags_format_before_read_as_before(tmp_path: Path):
    db = tmp_path / "runs.sqlite"
    serde = build_serde()
    with open_checkpointer(db) as saver:
        (saved,) = chain(saver, "t", 1)
    stored = {k: v for k, v in saved.items() if k not in ("id", "ts")}
    raw = serde.serde.dumps_typed(stored)[1]
    packer = zlib.compressobj(6, zdict=_ZDICT_V1)
    for type_, blob in (("msgpack;zd1", packer.compress(raw) + packer.flush()), ("msgpack", raw)):
        execute(db, "UPDATE checkpoints SET type = ?, checkpoint = ?", (type_, blob))
        with open_checkpointer(db) as saver:
            assert read(saver, "t", saved["id"]) == saved


# -- property: any history of puts, forks, deletes and reopens round-trips ------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 3), st.text(max_size=30)),
        st.tuples(st.just("fork"), st.integers(0, 1000), st.text(max_size=30)),
        st.tuples(st.just("delete"), st.integers(0, 3), st.none()),
        st.tuples(st.just("prune"), st.none(), st.none()),
        st.tuples(st.just("reopen"), st.none(), st.none()),
        st.tuples(st.just("replace"), st.integers(0, 1000), st.text(max_size=30)),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, encrypted=st.booleans())
def test_any_history_of_checkpoints_round_trips(ops: list[tuple[Any, ...]], encrypted: bool):
    conn = connect(":memory:")
    serde = build_serde(encryption_key=KEY if encrypted else None)
    saver = MirographSaver(conn, serde=serde)
    stored: dict[str, dict[str, Any]] = {}  # id -> checkpoint
    run_of: dict[str, str] = {}
    head: str | None = None
    for step, (op, arg, note) in enumerate(ops):
        ids = sorted(stored)
        if op in ("put", "fork"):
            parent = head if op == "put" or not ids else ids[arg % len(ids)]
            saved = put(saver, "t", parent, step, note=note, run_id=f"r{arg % 4}")
            stored[saved["id"]], run_of[saved["id"]], head = saved, f"r{arg % 4}", saved["id"]
        elif op == "replace" and ids:
            target = ids[arg % len(ids)]
            again = {**stored[target], "channel_values": {"note": note}}
            metadata = {"source": "loop", "step": step, "run_id": run_of[target]}
            saver.put(config("t"), again, metadata, {})
            stored[target], head = again, target
        elif op == "delete":
            saver.delete_for_runs([f"r{arg}"])
            stored = {c: v for c, v in stored.items() if run_of[c] != f"r{arg}"}
        elif op == "prune" and head in stored:
            saver.prune(["t"])
            stored = {head: stored[head]}
        elif op == "reopen":
            saver = MirographSaver(conn, serde=serde)
        head = head if head in stored else (max(stored) if stored else None)
        for cid, saved in stored.items():
            assert read(saver, "t", cid) == saved
    conn.close()


def test_new_rows_carry_one_letter_type_tags(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        build_loop(3).compile(checkpointer=saver).invoke(start(), config("t1"), durability="sync")

    assert {t for (t,) in execute(db_path, "SELECT DISTINCT type FROM checkpoints")} == {"z", "d"}
    assert {t for (t,) in execute(db_path, "SELECT DISTINCT type FROM task_writes")} <= {"z", "m"}


def test_a_write_of_the_format_before_reads_as_before(saver, finished, db_path: Path):
    before = finished.get_state(config("t1")).values
    for ref, task, idx, type_, value in execute(
        db_path, "SELECT ref, task_id, idx, type, value FROM task_writes"
    ):
        raw = build_serde().loads_typed((type_, value))
        packer = zlib.compressobj(6, zdict=_ZDICT_V1)
        old = packer.compress(build_serde().serde.dumps_typed(raw)[1]) + packer.flush()
        execute(
            db_path,
            "UPDATE task_writes SET type = 'msgpack;zd1', value = ? "
            "WHERE ref = ? AND task_id = ? AND idx = ?",
            (old, ref, task, idx),
        )

    assert finished.get_state(config("t1")).values == before


def test_the_usual_metadata_is_stored_as_null_and_read_back_whole(db_path: Path | str):
    with open_checkpointer(db_path) as saver:
        chain(saver, "t", 2)
        found = [t.metadata for t in saver.list(config("t"), filter={"parents": {}, "step": 1})]

    assert execute(db_path, "SELECT DISTINCT metadata FROM checkpoints") == [(None,)]
    assert found == [{"parents": {}, "source": "loop", "step": 1}]
