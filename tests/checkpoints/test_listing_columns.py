"""The listing columns: what the graph's layer gives the saver, and what LangGraph runs next."""

from __future__ import annotations

from pathlib import Path

from mirograph.checkpoints import ListingSpec, open_checkpointer
from mirograph.checkpoints.listing import open_listing
from tests.checkpoints.conftest import build_loop, config, execute, start


def snapshot_next(graph, thread_id: str) -> list[tuple[str, ...]]:
    """LangGraph's own `StateSnapshot.next` of every checkpoint, oldest first, as names."""
    history = reversed(list(graph.get_state_history(config(thread_id))))
    return [tuple(sorted(set(snapshot.next))) for snapshot in history]


def test_next_nodes_are_what_langgraph_runs_next(saver, finished):
    assert [s.next_nodes for s in saver.history("t1")] == snapshot_next(finished, "t1")
    assert [s.next_nodes for s in saver.history("t1")][:4] == [
        ("__start__",),
        ("planner",),
        ("tool",),
        ("planner",),
    ]
    assert saver.history("t1")[-1].next_nodes == ()


def test_rows_from_before_the_column_get_their_next_nodes_from_the_blob(
    saver, finished, db_path: Path | str
):
    expected = [s.next_nodes for s in saver.history("t1")]
    execute(db_path, "UPDATE checkpoints SET next_nodes = NULL")

    assert [s.next_nodes for s in saver.history("t1")] == expected
    if isinstance(db_path, Path):  # the CLI's reader, without LangGraph
        with open_listing(db_path) as listing:
            assert [s.next_nodes for s in listing.history("t1")] == expected


def test_a_listing_spec_given_to_the_saver_fills_the_columns(db_path: Path | str):
    spec = ListingSpec({"status": lambda values: str(values.get("status")).upper()})
    with open_checkpointer(db_path, listing=spec) as saver:
        build_loop(1).compile(checkpointer=saver).invoke(start(), config("s"), durability="sync")
        steps = saver.history("s")
        thread = saver.get_thread("s")

    assert [(s.status, s.tool_calls_used, s.node) for s in steps[-2:]] == [
        ("RESEARCHING", None, None),
        ("DONE", None, None),
    ]
    assert (thread.question, thread.status, thread.tool_calls_used) == (None, "DONE", 0)


def test_a_file_from_before_next_nodes_opens_reads_and_gains_the_column(tmp_path: Path):
    db = tmp_path / "old.sqlite"
    with open_checkpointer(db) as saver:
        build_loop(2).compile(checkpointer=saver).invoke(start(), config("t"))
        expected = saver.history("t")
    execute(db, "ALTER TABLE checkpoints DROP COLUMN next_nodes")

    with open_listing(db) as listing:
        assert list(listing.history("t")) == expected
    with open_checkpointer(db) as saver:
        assert saver.history("t") == expected
        build_loop(3).compile(checkpointer=saver).invoke(start("again?"), config("t"))
        assert saver.history("t")[: len(expected)] == expected
    assert execute(db, "SELECT count(*) FROM checkpoints WHERE next_nodes IS NULL") == [
        (len(expected),)
    ]
