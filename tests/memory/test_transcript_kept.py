"""Summaries shrink the view, never the saved transcript (real SQLite checkpointer)."""

from __future__ import annotations

import sqlite3

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.sqlite import SqliteSaver

from .scenario import Scenario, settings

STEPS = 40


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("db") / "runs.sqlite"
    scenario = Scenario(STEPS)
    config = {"configurable": {"thread_id": "t"}, "recursion_limit": 500}
    with sqlite3.connect(path, check_same_thread=False) as conn:
        graph = scenario.graph(checkpointer=SqliteSaver(conn))
        graph.invoke({"question": "Which record?"}, config, context=settings(8_000, STEPS))
    with sqlite3.connect(path, check_same_thread=False) as conn:  # a fresh reader
        return dict(Scenario(STEPS).graph(checkpointer=SqliteSaver(conn)).get_state(config).values)


def test_the_run_was_summarized(saved):
    assert saved["summary_upto"] > 1


def test_every_tool_result_is_saved_in_full(saved):
    results = [m for m in saved["messages"] if isinstance(m, ToolMessage)]
    assert [m.content for m in results] == [
        f"record {n} " + "x" * 4090 for n in range(1, STEPS + 1)
    ]


def test_every_ai_turn_is_saved(saved):
    turns = [m.content for m in saved["messages"] if isinstance(m, AIMessage)]
    assert turns == [f"Checking record {n}." for n in range(1, STEPS + 1)] + [
        "Record 7 settles it."
    ]


def test_the_task_is_still_the_first_message(saved):
    assert saved["messages"][0].content == "Which record?"
