"""A tiny research-like loop (planner -> tool -> planner) over a real database.

`db_path` (and so `saver`) is parametrized: each test runs on a SQLite file and on a
PostgreSQL database of its own; `db_path` is then the file's path or the database's URL.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.channels import DeltaChannel
from langgraph.graph import END, START, StateGraph

from mirograph.checkpoints import MirographSaver, open_checkpointer
from mirograph.checkpoints._sql import to_pyformat
from mirograph.state import TRANSCRIPT_SNAPSHOT_EVERY, Activity, append_messages, latest
from tests.postgres import fresh_database, query


class LoopState(TypedDict):
    question: str
    messages: Annotated[
        list[AnyMessage],
        DeltaChannel(append_messages, snapshot_frequency=TRANSCRIPT_SNAPSHOT_EVERY),
    ]
    tool_calls_used: Annotated[int, operator.add]
    status: str
    activity: Annotated[Activity, latest]


def build_loop(budget: int, *, prefix: str = "result"):
    """Each planner call asks for one tool until `budget` calls are used, then answers."""

    def planner(state: LoopState) -> dict[str, Any]:
        n = state["tool_calls_used"]
        if n >= budget:
            return {
                "messages": [AIMessage("answer", id=f"ai-final-{n}")],
                "status": "done",
                "activity": {"node": "planner", "detail": "answer"},
            }
        call = {"name": "web_search", "args": {"query": f"q{n}"}, "id": f"call-{n}"}
        return {
            "messages": [AIMessage("", tool_calls=[call], id=f"ai-{n}")],
            "status": "researching",
            "activity": {"node": "planner", "detail": "1 tool call"},
        }

    def tool(state: LoopState) -> dict[str, Any]:
        call = state["messages"][-1].tool_calls[0]
        n = state["tool_calls_used"] + 1
        return {
            "messages": [ToolMessage(f"{prefix} {n}", tool_call_id=call["id"], id=f"tool-{n}")],
            "tool_calls_used": 1,
            "activity": {"node": "tool", "detail": call["name"]},
        }

    def route(state: LoopState) -> str:
        return "tool" if state["messages"][-1].tool_calls else END

    graph = StateGraph(LoopState)
    graph.add_node("planner", planner)
    graph.add_node("tool", tool)
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", route, ["tool", END])
    graph.add_edge("tool", "planner")
    return graph


def start(question: str = "why?") -> dict[str, Any]:
    return {
        "question": question,
        "messages": [HumanMessage(question, id="h0")],
        "tool_calls_used": 0,
    }


def config(thread_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    conf: dict[str, Any] = {"thread_id": thread_id}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def contents(state_values: dict[str, Any]) -> list[str]:
    return [
        m.content if m.content else f"<{m.tool_calls[0]['id']}>" for m in state_values["messages"]
    ]


def execute(db: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One statement (SQLite placeholders) on its own connection, outside the saver."""
    if isinstance(db, str):
        return query(db, to_pyformat(sql) if params else sql, params)
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def checkpoint_rows(db: Path | str, thread_id: str) -> list[tuple[Any, ...]]:
    """Every stored byte of a thread, for before/after comparisons."""
    where = "WHERE thread_id = ? ORDER BY"
    return [
        *execute(db, f"SELECT * FROM checkpoints {where} 1, 2, 3", (thread_id,)),
        *execute(
            db,
            "SELECT w.* FROM task_writes w JOIN checkpoints c ON c.ref = w.ref "
            "WHERE c.thread_id = ? ORDER BY 1, 2, 3",
            (thread_id,),
        ),
    ]


@pytest.fixture(params=["sqlite", "postgres"])
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """A SQLite file's path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield tmp_path / "runs.sqlite"
        return
    with fresh_database() as url:
        yield url


@pytest.fixture
def saver(db_path: Path) -> Iterator[MirographSaver]:
    with open_checkpointer(db_path) as opened:
        yield opened


@pytest.fixture
def finished(saver: MirographSaver):
    """Thread t1: a finished 5-tool-call run; returns the compiled graph."""
    graph = build_loop(5).compile(checkpointer=saver)
    graph.invoke(start(), config("t1"), durability="sync")
    return graph
