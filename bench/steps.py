"""Per-step framework overhead of a research run, with mirograph's saver and without one.

A scripted model calls an instant tool N times, then answers; the time between two
planner calls is one tool round (planner -> executor -> summarizer) of pure framework
work: routing, state updates, the context view, and (with the saver) the synchronous
checkpoint writes. Prints a table for N = 100/300/600.

    python bench/steps.py [--sizes 100,300,600] [--result-bytes 4096]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from langchain_core.tools import tool

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.checkpoints import open_checkpointer


def scripted_run(n: int, result_bytes: int, db: Path | None) -> tuple[list[float], float]:
    """Run n tool calls; return the round durations (s) and the total time (s)."""
    stamps: list[float] = []

    def policy(messages: list) -> object:
        stamps.append(time.perf_counter())
        calls = sum(1 for m in messages if m.type == "ai")
        if calls >= n:
            return "Done."
        return {"tool_calls": [{"name": "fetch", "args": {"n": calls}}]}

    @tool
    def fetch(n: int) -> str:
        """Return a page."""
        return f"page {n} " + "x" * result_bytes

    model = ScriptedChatModel(policy=policy)
    settings = ResearchContext(verify="off", max_tool_calls=n)
    config = {"configurable": {"thread_id": f"bench-{n}"}}
    start = time.perf_counter()
    if db is None:
        build_research_graph(model=model, tools=[fetch]).invoke(
            {"question": "q"}, config, context=settings
        )
    else:
        with open_checkpointer(db) as saver:
            graph = build_research_graph(model=model, tools=[fetch], checkpointer=saver)
            graph.invoke({"question": "q"}, config, context=settings, durability="sync")
    total = time.perf_counter() - start
    return [b - a for a, b in itertools.pairwise(stamps)], total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,600")
    parser.add_argument("--result-bytes", type=int, default=4096)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'tool calls':>10} | {'saver':<13} | {'ms/step (last 50)':>17} | "
        f"{'ms/step (mean)':>14} | {'total s':>7}"
    )
    print("-" * 74)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for label, db in (("none", None), ("mirograph", Path(tmp) / f"steps-{n}.sqlite")):
                rounds, total = scripted_run(n, args.result_bytes, db)
                last = statistics.mean(rounds[-50:]) * 1000
                mean = statistics.mean(rounds) * 1000
                print(f"{n:>10} | {label:<13} | {last:>17.2f} | {mean:>14.2f} | {total:>7.2f}")


if __name__ == "__main__":
    main()
