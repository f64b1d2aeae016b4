"""How fast `mirograph ui` opens a long thread, against loading the whole thread.

Builds scripted threads of 600 and 6,000 tool calls (1 KB results, mirograph's saver),
then times, in process and over a read-only connection, what the ui serves — the thread
page (its newest page of steps; first open and again), a page in the middle, the view
after the middle call, the context-size plot — next to what a viewer that loads
everything pays: the full state at the head (`graph.get_state`) and every checkpoint
deserialized (`saver.list`, as a history view over all checkpoints does).

    python bench/ui.py [--calls 600,6000] [--result-bytes 1024] [--keep DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.tools import tool
from starlette.testclient import TestClient

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.checkpoints import open_checkpointer
from mirograph.ui import create_app


def build(db: Path, calls: int, result_bytes: int) -> None:
    """One scripted thread `t` of `calls` tool calls, saved after every step."""
    payload = "x" * result_bytes

    @tool
    def fetch(n: int) -> str:
        """Return a page."""
        return f"page {n} {payload}"

    def policy(messages: list) -> object:
        made = sum(1 for m in messages if m.type == "ai")
        if made >= calls:
            return "Done."
        return {"content": f"round {made}", "tool_calls": [{"name": "fetch", "args": {"n": made}}]}

    with open_checkpointer(db) as saver:
        graph = build_research_graph(
            model=ScriptedChatModel(policy=policy), tools=[fetch], checkpointer=saver
        )
        settings = ResearchContext(verify="off", max_tool_calls=calls)
        saver.set_thread_settings("t", settings.to_dict())
        config = {"configurable": {"thread_id": "t"}, "recursion_limit": 10 * calls + 100}
        graph.invoke({"question": "q"}, config, context=settings, durability="sync")


def ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def get(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def measure(db: Path, calls: int) -> dict[str, float]:
    client = TestClient(create_app(db))
    middle = calls // 2
    row: dict[str, float] = {}
    row["ui: open thread page (first)"] = ms(lambda: get(client, "/thread?id=t"))
    row["ui: open thread page (again)"] = ms(lambda: get(client, "/thread?id=t"))
    row[f"ui: page at call {middle}"] = ms(lambda: get(client, f"/thread?id=t&call={middle}"))
    row[f"ui: view after call {middle}"] = ms(lambda: get(client, f"/view?id=t&call={middle}"))
    row["ui: context-size plot (lazy)"] = ms(lambda: get(client, "/plot?id=t"))
    with open_checkpointer(db) as saver:
        graph = build_research_graph(checkpointer=saver)
        config = {"configurable": {"thread_id": "t"}}
        row["load all: full state at head"] = ms(lambda: graph.get_state(config))
        row["load all: every checkpoint"] = ms(lambda: list(saver.list(config)))
        row["checkpoints in the thread"] = float(len(saver.history("t")))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="600,6000")
    parser.add_argument("--result-bytes", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the databases here")
    args = parser.parse_args()
    sizes = [int(c) for c in args.calls.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for calls in sizes:
            db = folder / f"ui-{calls}.sqlite"
            if not db.exists():
                start = time.perf_counter()
                build(db, calls, args.result_bytes)
                print(f"built a {calls}-call thread in {time.perf_counter() - start:.0f} s")
            results[calls] = measure(db, calls)
    labels = list(dict.fromkeys(k.replace(str(c // 2), "N/2") for c in sizes for k in results[c]))
    print(f"\n{'ms (in process, read-only)':<34} | " + " | ".join(f"{c:>8,} calls" for c in sizes))
    print("-" * (36 + 17 * len(sizes)))
    for label in labels:
        cells = []
        for c in sizes:
            value = results[c][label.replace("N/2", str(c // 2))]
            cells.append(f"{value:>14,.0f}" if "checkpoints" in label else f"{value:>14,.1f}")
        print(f"{label:<34} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
