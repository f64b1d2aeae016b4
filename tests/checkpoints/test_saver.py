"""MirographSaver with a real graph: listing columns, heads, time travel, async, threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from langchain_core.messages import HumanMessage

from mirograph.checkpoints import MirographSaver, StepInfo
from tests.checkpoints.conftest import build_loop, config, contents, execute, start

FULL = [
    "why?",
    "<call-0>",
    "result 1",
    "<call-1>",
    "result 2",
    "<call-2>",
    "result 3",
    "<call-3>",
    "result 4",
    "<call-4>",
    "result 5",
    "answer",
]


def after_tool_call(saver: MirographSaver, thread_id: str, n: int) -> str:
    """The checkpoint right after the n-th tool result was applied."""
    return next(
        s.checkpoint_id
        for s in saver.history(thread_id)
        if s.node == "tool" and s.tool_calls_used == n
    )


def test_history_reads_listing_columns_oldest_first(saver, finished):
    steps = saver.history("t1")

    assert [
        (s.step, s.source, s.tool_calls_used, s.status, s.node, s.detail) for s in steps[:4]
    ] == [
        (-1, "input", None, None, None, None),
        (0, "loop", 0, None, None, None),
        (1, "loop", 0, "researching", "planner", "1 tool call"),
        (2, "loop", 1, "researching", "tool", "web_search"),
    ]
    assert (steps[-1].step, steps[-1].status, steps[-1].node) == (11, "done", "planner")
    assert [s.parent_checkpoint_id for s in steps[1:]] == [s.checkpoint_id for s in steps[:-1]]


def test_history_of_an_old_checkpoint_is_its_lineage(saver, finished):
    old = after_tool_call(saver, "t1", 2)

    steps = saver.history("t1", old)

    assert [s.step for s in steps] == [-1, 0, 1, 2, 3, 4]
    assert steps[-1] == StepInfo(
        old,
        steps[-2].checkpoint_id,
        4,
        "loop",
        2,
        "researching",
        "tool",
        "web_search",
        steps[-1].created_at,
        ("planner",),
    )


def test_threads_row_follows_the_root_checkpoints(saver, finished):
    info = saver.get_thread("t1")

    assert (info.question, info.status, info.tool_calls_used) == ("why?", "done", 5)
    assert info.head_checkpoint_id == saver.history("t1")[-1].checkpoint_id
    assert [t.thread_id for t in saver.list_threads()] == ["t1"]


def test_thread_settings_round_trip(saver, finished):
    saver.set_thread_settings("t1", {"model": "scripted:x.json", "max_tool_calls": 7})

    assert saver.get_thread("t1").settings == {"max_tool_calls": 7, "model": "scripted:x.json"}
    assert saver.get_thread("t1").question == "why?"


def test_settings_can_be_stored_before_the_first_checkpoint(saver):
    saver.set_thread_settings("new", {"max_tool_calls": 3})

    assert saver.get_thread("new").settings == {"max_tool_calls": 3}
    assert saver.get_thread("new").head_checkpoint_id is None


def test_get_state_at_an_old_checkpoint_is_the_old_transcript(saver, finished):
    state = finished.get_state(config("t1", after_tool_call(saver, "t1", 2)))

    assert contents(state.values) == FULL[:5]
    assert state.next == ("planner",)


def test_update_state_from_an_old_checkpoint_moves_the_head_and_continues(saver, finished):
    old = after_tool_call(saver, "t1", 2)
    forked = finished.update_state(
        config("t1", old), {"messages": [HumanMessage("hint", id="hint")]}
    )

    assert saver.latest_checkpoint_id("t1") == forked["configurable"]["checkpoint_id"]
    result = (
        build_loop(4, prefix="again")
        .compile(checkpointer=saver)
        .invoke(None, config("t1"), durability="sync")
    )

    assert contents(result) == [
        *FULL[:5],
        "hint",
        "<call-2>",
        "again 3",
        "<call-3>",
        "again 4",
        "answer",
    ]
    assert contents(finished.get_state(config("t1", old)).values) == FULL[:5]


def test_history_after_an_in_thread_fork_skips_the_abandoned_branch(saver, finished):
    old = after_tool_call(saver, "t1", 2)
    finished.update_state(config("t1", old), {"messages": [HumanMessage("hint", id="hint")]})

    steps = saver.history("t1")

    assert [s.step for s in steps] == [-1, 0, 1, 2, 3, 4, 5]
    assert steps[-2].checkpoint_id == old


async def test_async_invoke_and_stream_share_the_sync_saver(saver):
    graph = build_loop(3).compile(checkpointer=saver)

    await graph.ainvoke(start(), config("a1"), durability="sync")
    chunks = [c async for c in graph.astream(start("again?"), config("a2"), durability="sync")]

    assert contents((await graph.aget_state(config("a1"))).values)[-1] == "answer"
    assert [next(iter(c)) for c in chunks] == ["planner", "tool"] * 3 + ["planner"]
    assert [s.step for s in await saver.ahistory("a2")][-1] == 7
    assert (await saver.aget_thread("a2")).question == "again?"


def test_concurrent_put_writes_from_threads_all_land(saver, finished):
    head = config("t1", saver.latest_checkpoint_id("t1"))
    head["configurable"]["checkpoint_ns"] = ""

    def write(i: int) -> None:
        for j in range(20):
            saver.put_writes(head, [("status", f"{i}-{j}")], task_id=f"task-{i}-{j}")

    workers = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert len(saver.get_tuple(head).pending_writes) == 160


def refuse_thread_rows(db: Path | str) -> type[Exception]:
    """Make every insert into `threads` fail; return the error the database raises."""
    if isinstance(db, str):
        execute(
            db,
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'x'; END $$",
        )
        execute(db, "CREATE TRIGGER refuse BEFORE INSERT ON threads EXECUTE FUNCTION refuse()")
        return psycopg.errors.RaiseException
    execute(db, "CREATE TRIGGER refuse BEFORE INSERT ON threads BEGIN SELECT RAISE(ABORT, 'x');END")
    return sqlite3.IntegrityError


def test_a_failed_put_leaves_neither_checkpoint_nor_thread_row(saver, db_path: Path | str):
    error = refuse_thread_rows(db_path)
    graph = build_loop(1).compile(checkpointer=saver)

    with pytest.raises(error, match="x"):
        graph.invoke(start(), config("t9"), durability="sync")

    assert execute(db_path, "SELECT count(*) FROM checkpoints") == [(0,)]


def test_channel_versions_are_compact_integers(saver, finished):
    checkpoint = saver.get_tuple(config("t1")).checkpoint

    assert {type(v) for v in checkpoint["channel_versions"].values()} == {int}


def test_prune_keep_latest_keeps_the_replay_chain(saver, finished):
    before = finished.get_state(config("t1")).values

    saver.prune(["t1"])

    assert finished.get_state(config("t1")).values == before
    assert len(saver.history("t1")) == 13


def test_prune_keep_latest_stops_at_a_transcript_snapshot(saver, finished):
    # LangGraph snapshots the transcript when a fork updates a superseded checkpoint.
    old = after_tool_call(saver, "t1", 2)
    finished.update_state(config("t1", old), {"messages": [HumanMessage("hint", id="hint")]})
    before = finished.get_state(config("t1")).values

    saver.prune(["t1"])

    assert finished.get_state(config("t1")).values == before
    assert len(list(saver.list(config("t1")))) == 1


def test_copy_thread_copies_a_resumable_state(saver, finished):
    saver.copy_thread("t1", "t1-copy")

    assert finished.get_state(config("t1-copy")).values == finished.get_state(config("t1")).values
    assert saver.get_thread("t1-copy").question == "why?"


def test_delete_thread_removes_its_row(saver, finished):
    saver.delete_thread("t1")

    assert saver.get_thread("t1") is None
    assert saver.history("t1") == []


def test_atomic_keeps_all_calls_inside_or_none(saver):
    with pytest.raises(RuntimeError, match="crash"), saver.atomic():
        saver.set_thread_settings("a", {"x": 1})
        assert saver.get_thread("a").settings == {"x": 1}  # reads see the open transaction
        saver.set_thread_settings("b", {"x": 2})
        raise RuntimeError("crash")

    assert (saver.get_thread("a"), saver.get_thread("b")) == (None, None)
    with saver.atomic():
        saver.set_thread_settings("a", {"x": 1})
    assert saver.get_thread("a").settings == {"x": 1}
