"""Storage and speed of `MirographSaver` over a 600-tool-call loop.

A tiny planner -> tool -> planner graph with the transcript in a `DeltaChannel`; each tool
step adds a 4 KB ToolMessage of word-like text; `durability="sync"`. Prints the database
size against the transcript's content bytes at 100/300/600 calls, per-step time, and the
time of `history()` and `get_state()` at the end.

    .venv/bin/python bench/saver_size.py [--calls 600] [--no-compress]
"""

from __future__ import annotations

import argparse
import operator
import random
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.channels import DeltaChannel
from langgraph.graph import END, START, StateGraph

from mirograph.checkpoints import MirographSaver
from mirograph.checkpoints._schema import connect
from mirograph.checkpoints._serde import COMPRESS_ABOVE, build_serde
from mirograph.state import TRANSCRIPT_SNAPSHOT_EVERY, Activity, append_messages, latest

WORDS = [
    "".join(
        random.Random(i).choices("abcdefghijklmnopqrstuvwxyz", k=random.Random(-i).randint(2, 10))
    )
    for i in range(5000)
]


class State(TypedDict):
    question: str
    messages: Annotated[
        list[AnyMessage],
        DeltaChannel(append_messages, snapshot_frequency=TRANSCRIPT_SNAPSHOT_EVERY),
    ]
    tool_calls_used: Annotated[int, operator.add]
    status: str
    activity: Annotated[Activity, latest]


def build(calls: int):
    rng = random.Random(7)

    def planner(state: State) -> dict:
        n = state.get("tool_calls_used", 0)
        if n >= calls:
            return {
                "messages": [AIMessage("done")],
                "status": "done",
                "activity": {"node": "planner", "detail": "answer"},
            }
        call = {"name": "web_search", "args": {"query": f"query {n}"}, "id": f"call_{n}"}
        return {
            "messages": [AIMessage("", tool_calls=[call])],
            "status": "researching",
            "activity": {"node": "planner", "detail": "1 tool call"},
        }

    def tool(state: State) -> dict:
        call = state["messages"][-1].tool_calls[0]
        text = " ".join(rng.choices(WORDS, k=900))[:4096]
        return {
            "messages": [ToolMessage(text, tool_call_id=call["id"])],
            "tool_calls_used": 1,
            "activity": {"node": "executor", "detail": call["name"]},
        }

    def route(state: State) -> str:
        return "tool" if state["messages"][-1].tool_calls else END

    g = StateGraph(State)
    g.add_node("planner", planner)
    g.add_node("tool", tool)
    g.add_edge(START, "planner")
    g.add_conditional_edges("planner", route, ["tool", END])
    g.add_edge("tool", "planner")
    return g


def db_bytes(path: Path, conn: sqlite3.Connection) -> int:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--no-compress", action="store_true")
    args = parser.parse_args()
    marks = {m for m in (100, 300, 600, args.calls) if m <= args.calls}
    path = Path(tempfile.mkdtemp()) / "bench.sqlite"
    rows = []
    serde = build_serde(compress_above=None if args.no_compress else COMPRESS_ABOVE)
    with closing(connect(path)) as conn:
        saver = MirographSaver(conn, serde=serde)
        graph = build(args.calls).compile(checkpointer=saver)
        config = {"configurable": {"thread_id": "bench"}, "recursion_limit": 10 * args.calls}
        content = n = 0
        step_times: list[float] = []
        last = time.perf_counter()
        inp = {"question": "q?", "messages": [HumanMessage("q?")], "tool_calls_used": 0}
        for update in graph.stream(inp, config, durability="sync", stream_mode="updates"):
            now = time.perf_counter()
            step_times.append(now - last)
            if "tool" in update:
                msg = update["tool"]["messages"][0]
                content += len(msg.content)
                n += 1
                if n in marks:
                    with saver.lock:
                        size = db_bytes(path, saver.conn)
                    recent = step_times[-20:]
                    rows.append(
                        (n, content, size, size / content, 1000 * sum(recent) / len(recent))
                    )
            last = time.perf_counter()

        t0 = time.perf_counter()
        steps = saver.history("bench")
        t_history = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = graph.get_state(config)
        t_state = time.perf_counter() - t0
    print(f"{'calls':>6} {'content MB':>11} {'db MB':>8} {'db/content':>11} {'ms/step':>8}")
    for n, c, s, ratio, ms in rows:
        print(f"{n:>6} {c / 1e6:>11.2f} {s / 1e6:>8.2f} {ratio:>11.2f} {ms:>8.2f}")
    print(f"history(): {len(steps)} steps in {1000 * t_history:.0f} ms")
    print(f"get_state(): {len(state.values['messages'])} messages in {1000 * t_state:.0f} ms")


if __name__ == "__main__":
    main()
