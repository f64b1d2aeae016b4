"""Cost per tool round up to 6,000 calls: mirograph against a plain LangGraph ReAct loop.

A scripted instant model calls an instant tool N times, then answers. The time between
two model calls (from one call's reply to the next call's start) is one tool round of pure
framework work, measured as process CPU time (the machine is shared: wall time would
measure the neighbours). The model calls themselves are timed apart (`model ms`): LangChain's
`BaseChatModel.invoke` walks its whole input several times, so their cost follows the size
of the view, not the framework. Side by side, in one run:

- `langgraph`: the loop a user writes by hand — a model node, `ToolNode`, `add_messages`
  (`MessagesState`), `tools_condition`; with the stock `SqliteSaver` only for small N
  (it stores the whole transcript in every checkpoint: quadratic);
- `mirograph`: the research graph (planner <-> executor; the summarizer only once the view
  passes `summarize_at`), with no checkpointer and with its SQLite saver
  (`durability="sync"`).

Tool results are low-redundancy text (seeded random characters), so the database size is
compared with content that compression cannot hide. Each configuration runs in its own
process, so peak RSS is that run's alone. For the largest saved mirograph run it also
times `mirograph history` (every step) and `mirograph show` as a user meets them.

    python bench/steps.py [--runs 100:4000,600:4000,6000:1000] [--stock-upto 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ALPHABET = string.ascii_letters + string.digits + " .,;:-"
RUN_KEYS = ("r51_100", "last50", "model_last50", "total", "cpu", "rss_mb", "db_mb", "content_mb")


def payloads(count: int, chars: int, seed: int = 14) -> list[str]:
    """`count` distinct low-redundancy strings of `chars` characters."""
    rng = random.Random(seed)
    return ["".join(rng.choices(ALPHABET, k=chars)) for _ in range(count)]


class Script:
    """The scripted model's policy: N tool calls, then an answer; the model stamps the
    start and the end of every call (`timed_model`)."""

    def __init__(self, calls: int) -> None:
        self.calls, self.made = calls, 0
        self.starts: list[float] = []
        self.ends: list[float] = []

    def __call__(self, messages: list[Any]) -> object:
        if self.made >= self.calls:
            return "Done."
        self.made += 1
        return {"tool_calls": [{"name": "fetch", "args": {"n": self.made}}]}

    def rounds(self) -> list[float]:
        """Framework time of each tool round: a reply to the next model call."""
        return [start - end for end, start in zip(self.ends, self.starts[1:], strict=False)]

    def model_calls(self) -> list[float]:
        """Time inside each model call (LangChain's handling of its input included)."""
        return [end - start for start, end in zip(self.starts, self.ends, strict=False)]


def timed_model(script: Script) -> Any:
    """A `ScriptedChatModel` following `script` that stamps each call's start and end."""
    from mirograph import ScriptedChatModel

    class TimedChatModel(ScriptedChatModel):
        def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
            script.starts.append(time.process_time())
            try:
                return super().invoke(input, config, **kwargs)
            finally:
                script.ends.append(time.process_time())

    return TimedChatModel(policy=script)


def plain_graph(model: Any, tools: list[Any], checkpointer: Any) -> Any:
    """The ReAct loop from LangGraph's docs: model node + ToolNode + add_messages."""
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    bound = model.bind_tools(tools)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=checkpointer)


def one_run(loop: str, saver: str, calls: int, chars: int, db: Path) -> dict[str, float]:
    """Run one configuration in this process; return its measurements."""
    from langchain_core.tools import tool

    from mirograph import ResearchContext, build_research_graph

    pages = payloads(calls, chars)

    @tool
    def fetch(n: int) -> str:
        """Return page n."""
        return pages[(n - 1) % len(pages)]

    script = Script(calls)
    model = timed_model(script)
    config: dict[str, Any] = {"configurable": {"thread_id": "t"}, "recursion_limit": 4 * calls + 20}
    options: dict[str, Any] = {"durability": "sync"} if saver != "none" else {}
    started = time.perf_counter()
    with opened_saver(saver, db) as checkpointer:
        if loop == "langgraph":
            graph = plain_graph(model, [fetch], checkpointer)
            graph.invoke({"messages": [("user", "q")]}, config, **options)
        else:
            graph = build_research_graph(model=model, tools=[fetch], checkpointer=checkpointer)
            settings = ResearchContext(
                verify="off", max_tool_calls=calls, context_window_tokens=10**9
            )
            graph.invoke({"question": "q"}, config, context=settings, **options)
        total = time.perf_counter() - started
        cpu = time.process_time() - script.starts[0]
    rounds, model_calls = script.rounds(), script.model_calls()
    return {
        "r51_100": statistics.mean(rounds[50:100]) * 1000,
        "last50": statistics.mean(rounds[-50:]) * 1000,
        "model_last50": statistics.mean(model_calls[-51:-1]) * 1000,
        "total": total,
        "cpu": cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_bytes(db) / 1e6 if saver != "none" else 0.0,
        "content_mb": (calls * chars + 1) / 1e6,
    }


class opened_saver:
    """The checkpointer of a configuration, closed on exit (None for "none")."""

    def __init__(self, saver: str, db: Path) -> None:
        self.saver, self.db, self.conn = saver, db, None

    def __enter__(self) -> Any:
        if self.saver == "stock":
            from langgraph.checkpoint.sqlite import SqliteSaver

            self.conn = sqlite3.connect(self.db, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            return SqliteSaver(self.conn)
        if self.saver == "mirograph":
            from mirograph.checkpoints import open_checkpointer

            self.cm = open_checkpointer(self.db)
            return self.cm.__enter__()
        return None

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
        elif self.saver == "mirograph":
            self.cm.__exit__(*exc)


def db_bytes(path: Path) -> int:
    """File size after folding the WAL into the main file (what a user would copy)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size


def spawn(loop: str, saver: str, calls: int, chars: int, db: Path) -> dict[str, float]:
    """One configuration in a fresh process (so its peak RSS is its own)."""
    argv = [sys.executable, __file__, "--one", loop, saver, str(calls), str(chars), str(db)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True, env=bench_env())
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_env() -> dict[str, str]:
    return {**os.environ, "LANGSMITH_TRACING": "false"}


def best_of(argv: list[str], times: int = 5) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of `times` runs of a command."""
    wall = cpu = float("inf")
    for _ in range(times):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=bench_env())
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def cli_times(db: Path) -> dict[str, tuple[float, float]]:
    """CLI commands on the saved thread, best of 5, beyond a bare `python -c pass`."""
    cli = [sys.executable, "-m", "mirograph"]
    bare = best_of([sys.executable, "-c", "pass"])
    commands = {
        "--help": ["--help"],
        "threads": ["threads", "--db", str(db)],
        "history": ["history", "t", "--db", str(db)],
        "history --tool-calls-only": ["history", "t", "--db", str(db), "--tool-calls-only"],
        "show": ["show", "t", "--db", str(db)],
    }
    times = {}
    for name, args in commands.items():
        wall, cpu = best_of([*cli, *args])
        times[name] = (wall - bare[0], cpu - bare[1])
    return times


def print_cli_times(calls: int, times: dict[str, tuple[float, float]]) -> None:
    print(f"\n{calls}-call thread: CLI beyond `python -c pass`, best of 5 (wall s / cpu s)")
    for name, (wall, cpu) in times.items():
        print(f"  mirograph {name:<26} {wall:>6.2f} / {cpu:>5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="100:4000,600:4000,6000:1000", help="CALLS:CHARS,...")
    parser.add_argument("--stock-upto", type=int, default=100, help="largest N for SqliteSaver")
    parser.add_argument("--one", nargs=5, metavar=("LOOP", "SAVER", "N", "CHARS", "DB"))
    args = parser.parse_args()
    if args.one:
        loop, saver, calls, chars, db = args.one
        print(json.dumps(one_run(loop, saver, int(calls), int(chars), Path(db))))
        return
    specs = [tuple(int(x) for x in part.split(":")) for part in args.runs.split(",")]
    header = (
        f"{'calls':>5} | {'chars':>5} | {'loop':<9} | {'saver':<9} | {'ms 51-100':>9} | "
        f"{'ms last50':>9} | {'growth':>6} | {'vs loop':>7} | {'model ms':>8} | {'wall s':>7} | "
        f"{'cpu s':>6} | "
        f"{'RSS MB':>6} | {'DB MB':>6} | {'DB/content':>10}"
    )
    print(header)
    print("-" * len(header))
    saved: dict[int, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for calls, chars in specs:
            loop_last = None
            configs = [("langgraph", "none"), ("mirograph", "none"), ("mirograph", "mirograph")]
            if calls <= args.stock_upto:
                configs.insert(1, ("langgraph", "stock"))
            for loop, saver in configs:
                db = Path(tmp, f"{loop}-{saver}-{calls}.sqlite")
                r = spawn(loop, saver, calls, chars, db)
                if (loop, saver) == ("langgraph", "none"):
                    loop_last = r["last50"]
                if saver == "mirograph":
                    saved[calls] = db
                vs = r["last50"] / loop_last if loop_last else float("nan")
                stored = saver != "none"
                ratio = f"{r['db_mb'] / r['content_mb']:>10.2f}" if stored else "-".rjust(10)
                db_mb = f"{r['db_mb']:>6.1f}" if stored else "-".rjust(6)
                print(
                    f"{calls:>5} | {chars:>5} | {loop:<9} | {saver:<9} | {r['r51_100']:>9.2f} | "
                    f"{r['last50']:>9.2f} | {r['last50'] / r['r51_100']:>5.2f}× | {vs:>6.2f}× | "
                    f"{r['model_last50']:>8.2f} | {r['total']:>7.1f} | {r['cpu']:>6.1f} | "
                    f"{r['rss_mb']:>6.0f} | {db_mb} | {ratio}",
                    flush=True,
                )
        for calls in sorted(saved)[-2:]:
            print_cli_times(calls, cli_times(saved[calls]))


if __name__ == "__main__":
    main()
