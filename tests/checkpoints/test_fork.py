"""fork_thread: the new thread starts from the parent's exact state; the parent is untouched."""

from __future__ import annotations

import uuid

import pytest

from mirograph.checkpoints import fork_thread
from mirograph.errors import InputError, ThreadNotFound
from tests.checkpoints.conftest import build_loop, checkpoint_rows, config, contents
from tests.checkpoints.test_saver import FULL, after_tool_call


def test_fork_leaves_parent_untouched(saver, finished, db_path):
    before = checkpoint_rows(db_path, "t1")

    fork_thread(saver, "t1", checkpoint_id=after_tool_call(saver, "t1", 3), new_thread_id="t1b")
    build_loop(5, prefix="child").compile(checkpointer=saver).invoke(
        None, config("t1b"), durability="sync"
    )

    assert checkpoint_rows(db_path, "t1") == before


def test_forked_state_equals_the_parent_state_at_the_fork(saver, finished):
    point = after_tool_call(saver, "t1", 3)

    fork_thread(saver, "t1", checkpoint_id=point, new_thread_id="t1b")

    child, parent = finished.get_state(config("t1b")), finished.get_state(config("t1", point))
    assert child.values == parent.values
    assert child.next == parent.next == ("planner",)
    assert contents(child.values) == FULL[:7]


def test_continuing_a_fork_runs_from_the_fork_point(saver, finished):
    fork_thread(saver, "t1", checkpoint_id=after_tool_call(saver, "t1", 3), new_thread_id="t1b")

    result = (
        build_loop(5, prefix="child")
        .compile(checkpointer=saver)
        .invoke(None, config("t1b"), durability="sync")
    )

    assert contents(result) == [*FULL[:7], "<call-3>", "child 4", "<call-4>", "child 5", "answer"]
    assert result["tool_calls_used"] == 5


def test_fork_records_parent_and_fork_point(saver, finished):
    point = after_tool_call(saver, "t1", 3)
    saver.set_thread_settings("t1", {"max_tool_calls": 5})

    new_id = fork_thread(saver, "t1", checkpoint_id=point, new_thread_id="t1b", note="try X")

    info = saver.get_thread(new_id)
    assert (info.parent_thread_id, info.parent_checkpoint_id, info.fork_step) == ("t1", point, 3)
    assert (info.note, info.settings, info.tool_calls_used) == ("try X", {"max_tool_calls": 5}, 3)
    assert saver.latest_checkpoint_id("t1b") == point


def test_fork_history_is_the_parent_lineage(saver, finished):
    point = after_tool_call(saver, "t1", 3)

    fork_thread(saver, "t1", checkpoint_id=point, new_thread_id="t1b")

    assert saver.history("t1b") == saver.history("t1", point)


def test_fork_state_edits_apply_to_the_child_only(saver, finished):
    fork_thread(saver, "t1", checkpoint_id=after_tool_call(saver, "t1", 3), new_thread_id="t1b")
    from langchain_core.messages import HumanMessage

    finished.update_state(config("t1b"), {"messages": [HumanMessage("note", id="note")]})

    assert contents(finished.get_state(config("t1b")).values) == [*FULL[:7], "note"]
    assert contents(finished.get_state(config("t1")).values) == FULL


def test_fork_generates_a_uuid_thread_id(saver, finished):
    new_id = fork_thread(saver, "t1", checkpoint_id=after_tool_call(saver, "t1", 1))

    assert str(uuid.UUID(new_id)) == new_id  # what `langgraph dev` accepts
    assert saver.get_thread(new_id).parent_thread_id == "t1"


def test_fork_of_an_unknown_thread_raises(saver):
    with pytest.raises(ThreadNotFound, match="There is no thread 'nope'"):
        fork_thread(saver, "nope", checkpoint_id="x")


def test_fork_of_an_unknown_checkpoint_raises(saver, finished):
    with pytest.raises(InputError, match=r"^Thread 't1' has no checkpoint 'x'\.$"):
        fork_thread(saver, "t1", checkpoint_id="x")


def test_fork_into_an_existing_thread_raises(saver, finished):
    with pytest.raises(InputError, match="Thread 't1' already exists"):
        fork_thread(saver, "t1", checkpoint_id=after_tool_call(saver, "t1", 1), new_thread_id="t1")
