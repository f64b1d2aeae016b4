"""A tiny research-like loop (planner -> tool -> planner) over a real SQLite file."""

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
from mirograph.state import TRANSCRIPT_SNAPSHOT_EVERY, Activity, append_messages, latest


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


def checkpoint_rows(path: Path, thread_id: str) -> list[tuple[Any, ...]]:
    """Every stored byte of a thread, for before/after comparisons."""
    with sqlite3.connect(path) as conn:
        return [
            *conn.execute(
                "SELECT * FROM checkpoints WHERE thread_id = ? ORDER BY 1, 2, 3", (thread_id,)
            ),
            *conn.execute(
                "SELECT * FROM writes WHERE thread_id = ? ORDER BY 1, 2, 3, 4, 6", (thread_id,)
            ),
        ]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "runs.sqlite"


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
