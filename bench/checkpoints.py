"""Checkpoint storage and speed over a 600-tool-call run: stock LangGraph vs mirograph.

Runs the same scripted research graph three ways in one process — no checkpointer, stock
`SqliteSaver` with an `add_messages` transcript, and mirograph's default (its saver with
the `DeltaChannel` transcript) — with `durability="sync"` and 4 KB tool results, then
prints the database size at 100/300/600 tool calls against the transcript's content bytes,
the per-step overhead at the end of the run, and the times of `mirograph history`, of
loading the latest state and of resuming to the first new step.

    python bench/checkpoints.py [--calls 600] [--result-bytes 4096] [--skip-stock]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langchain_core.tools import tool
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.message import add_messages

from mirograph import ResearchContext, ResearchState, ScriptedChatModel, build_research_graph
from mirograph.checkpoints import open_checkpointer

MARKS = (100, 300, 600)


class StockState(ResearchState):
    """The same state with the stock transcript channel (whole list in every checkpoint)."""

    messages: Annotated[list[AnyMessage], add_messages]


def db_bytes(path: Path) -> int:
    """File size after folding the WAL into the main file (what a user would copy)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size


class Run:
    """One scripted run that records round times and database sizes at the marks."""

    def __init__(self, calls: int, result_bytes: int, db: Path | None) -> None:
        self.calls, self.db = calls, db
        self.stamps: list[float] = []
        self.sizes: dict[int, int] = {}
        self.content: dict[int, int] = {}
        payload = "x" * result_bytes

        @tool
        def fetch(n: int) -> str:
            """Return a page."""
            return f"page {n} {payload}"

        self.tool = fetch

    def policy(self, messages: list) -> object:
        self.stamps.append(time.perf_counter())
        made = sum(1 for m in messages if m.type == "ai")
        if made in MARKS and self.db is not None:
            self.sizes[made] = db_bytes(self.db)
        if made >= self.calls:
            return "Done."
        return {"tool_calls": [{"name": "fetch", "args": {"n": made}}]}

    def rounds_ms(self) -> float:
        rounds = [b - a for a, b in itertools.pairwise(self.stamps)]
        return statistics.mean(rounds[-50:]) * 1000


def run_graph(run: Run, saver: Any, state_schema: type) -> None:
    """Run the scripted graph; record the transcript's content bytes at each mark."""
    graph = build_research_graph(
        model=ScriptedChatModel(policy=run.policy),
        tools=[run.tool],
        checkpointer=saver,
        state_schema=state_schema,
    )
    settings = ResearchContext(verify="off", max_tool_calls=run.calls)
    # LangGraph 1.2.24 fails on `durability` without a checkpointer: pass it only with one.
    options = {"durability": "sync"} if saver is not None else {}
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"question": "q"}, config, context=settings, **options)
    if saver is not None:
        messages = graph.get_state(config).values["messages"]
        for mark in MARKS:  # the question, then (AI call, tool result) per tool call
            run.content[mark] = sum(len(str(m.content).encode()) for m in messages[: 1 + 2 * mark])


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def mirograph_timings(db: Path, calls: int) -> dict[str, float]:
    """history / latest state / resume-to-first-step, each as a user meets it."""
    env = {**os.environ, "LANGSMITH_TRACING": "false"}
    history = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "mirograph", "history", "t", "--db", str(db), "--json"],
            check=True,
            capture_output=True,
            env=env,
        )
    )
    with open_checkpointer(db) as saver:
        graph = build_research_graph(model=ScriptedChatModel(responses=["x"]), checkpointer=saver)
        config = {"configurable": {"thread_id": "t"}}
        latest = timed(lambda: graph.get_state(config))
        listing = timed(lambda: saver.history("t"))
        steps = saver.history("t")
        # Resume from the checkpoint before the last planner call, as after a crash there.
        fork_at = next(s for s in reversed(steps) if s.tool_calls_used == calls - 1)
        first_step: list[float] = []
        model = ScriptedChatModel(
            policy=lambda m: first_step.append(time.perf_counter()) or "Done."
        )
        resumed = build_research_graph(model=model, checkpointer=saver)
        past = {"configurable": {"thread_id": "t", "checkpoint_id": fork_at.checkpoint_id}}
        start = time.perf_counter()
        resumed.invoke(None, past, context=ResearchContext(verify="off", max_tool_calls=calls))
        resume = first_step[0] - start if first_step else float("nan")
    return {"history": history, "listing": listing, "latest": latest, "resume": resume}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--result-bytes", type=int, default=4096)
    parser.add_argument("--skip-stock", action="store_true", help="the stock run takes minutes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Run(args.calls, args.result_bytes, None)
        run_graph(bare, None, ResearchState)
        runs: dict[str, Run] = {}
        if not args.skip_stock:
            stock = runs["stock SqliteSaver"] = Run(
                args.calls, args.result_bytes, Path(tmp, "stock.sqlite")
            )
            conn = sqlite3.connect(stock.db, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            run_graph(stock, SqliteSaver(conn), StockState)
            conn.close()
        ours = runs["mirograph"] = Run(args.calls, args.result_bytes, Path(tmp, "ours.sqlite"))
        with open_checkpointer(ours.db) as saver:
            run_graph(ours, saver, ResearchState)
        marks = [m for m in MARKS if m <= args.calls]
        print(
            f"{'saver':<18} | "
            + " | ".join(f"{'MB @' + str(m):>9}" for m in marks)
            + f" | {'× content':>9} | {'ms/step':>7} | {'× none':>6}"
        )
        print("-" * (50 + 12 * len(marks)))
        print(
            f"{'none':<18} | "
            + " | ".join(f"{'-':>9}" for _ in marks)
            + f" | {'-':>9} | {bare.rounds_ms():>7.2f} | {1:>6.2f}"
        )
        for label, run in runs.items():
            last = marks[-1]
            ratio = run.sizes[last] / run.content[last]
            print(
                f"{label:<18} | "
                + " | ".join(f"{run.sizes[m] / 1e6:>9.2f}" for m in marks)
                + f" | {ratio:>9.2f} | {run.rounds_ms():>7.2f} | "
                f"{run.rounds_ms() / bare.rounds_ms():>6.2f}"
            )
        print(f"\ntranscript content at {marks[-1]} calls: {ours.content[marks[-1]] / 1e6:.2f} MB")
        if "stock SqliteSaver" in runs:
            stock = runs["stock SqliteSaver"]
            print(f"stock / mirograph size: {stock.sizes[marks[-1]] / ours.sizes[marks[-1]]:.0f}×")
        times = mirograph_timings(ours.db, args.calls)
        print(f"mirograph history (CLI process, incl. start-up): {times['history'] * 1000:.0f} ms")
        print(
            f"history listing in process ({args.calls * 2}+ checkpoints): "
            f"{times['listing'] * 1000:.1f} ms"
        )
        print(f"load latest state: {times['latest'] * 1000:.1f} ms")
        print(f"resume to first new step: {times['resume'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
