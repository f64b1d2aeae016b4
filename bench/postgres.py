"""mirograph on PostgreSQL against the stock LangGraph Postgres savers, and the Ray engine.

Three tables, each from one run of this script on the machine's PostgreSQL
(127.0.0.1:5432, user postgres), every configuration in a database of its own:

1. one long thread: a scripted instant model calls an instant tool N times (4,000
   characters of incompressible text a result), then answers. mirograph's research graph
   on its `PostgresSaver` against the ReAct loop from LangGraph's docs (`add_messages`)
   on the stock `PostgresSaver` (which stores the whole transcript at every step, so it
   runs only the smaller N). Table bytes (indexes and TOAST included), ms per tool round,
   and the time to list the thread's history.
2. 64 threads at once, each 10 tool rounds with 50 ms of (async) model latency, on the
   async savers: mirograph's (a pool, no shared lock) against `AsyncPostgresSaver` on an
   `AsyncConnectionPool`; the same ReAct graph for both.
3. `mirograph eval` of 40 (task, run) threads (the synthetic benchmark, 500 ms a model
   call) with the local engine and with `--engine ray --workers 1/2/4`, 2 jobs in flight
   per worker, all on PostgreSQL. Ray runs inside `unshare -n` with only loopback up, and
   reaches PostgreSQL through its unix socket.

    pip install -e '.[test,bench]'   # the stock savers: langgraph-checkpoint-postgres
    python bench/postgres.py [--runs 100:4000,600:4000] [--stock-upto 100] [--skip-eval]
                              [--tables-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("MIROGRAPH_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
ALPHABET = string.ascii_letters + string.digits + " .,;:-"
DATA = REPO / "tests" / "eval" / "data"


@contextmanager
def database() -> Iterator[str]:
    name = f"mgbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(
            conn.execute(
                "SELECT COALESCE(sum(pg_total_relation_size(relid)), 0) FROM pg_stat_user_tables"
            ).fetchone()[0]
        )


def pages(count: int, chars: int) -> list[str]:
    rng = random.Random(14)
    return ["".join(rng.choices(ALPHABET, k=chars)) for _ in range(count)]


def calls_policy(calls: int):
    """A stateless policy: one `fetch` call per round until `calls` results, then answer."""

    def policy(messages: list[Any]) -> object:
        made = sum(getattr(m, "type", "") == "tool" for m in messages)
        if made >= calls:
            return "Done."
        return {"tool_calls": [{"name": "fetch", "args": {"n": made + 1}}]}

    return policy


def plain_graph(model: Any, tools: list[Any], checkpointer: Any) -> Any:
    """The ReAct loop from LangGraph's docs: model node + ToolNode + add_messages."""
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    bound = model.bind_tools(tools)

    async def aagent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    from langchain_core.runnables import RunnableLambda

    builder = StateGraph(MessagesState)
    builder.add_node("agent", RunnableLambda(agent, afunc=aagent))
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=checkpointer)


def fetch_tool(texts: list[str]) -> Any:
    from langchain_core.tools import tool

    @tool
    def fetch(n: int) -> str:
        """Return page n."""
        return texts[(n - 1) % len(texts)]

    return fetch


# -- 1. one long thread ------------------------------------------------------------------


def long_thread(kind: str, calls: int, chars: int) -> dict[str, Any]:
    from mirograph import ResearchContext, ScriptedChatModel, build_research_graph

    texts = pages(calls, chars)
    model = ScriptedChatModel(policy=calls_policy(calls))
    config: dict[str, Any] = {"configurable": {"thread_id": "t"}, "recursion_limit": 4 * calls + 20}
    with database() as url:
        if kind == "stock":
            from langgraph.checkpoint.postgres import PostgresSaver

            with PostgresSaver.from_conn_string(url) as saver:
                saver.setup()
                graph = plain_graph(model, [fetch_tool(texts)], saver)
                started = time.perf_counter()
                graph.invoke({"messages": [("user", "q")]}, config, durability="sync")
                total = time.perf_counter() - started
                t0 = time.perf_counter()
                steps = len(list(saver.list(config)))
                history = time.perf_counter() - t0
        else:
            from mirograph.checkpoints import open_checkpointer

            with open_checkpointer(url) as saver:
                graph = build_research_graph(
                    model=model, tools=[fetch_tool(texts)], checkpointer=saver
                )
                settings = ResearchContext(
                    verify="off", max_tool_calls=calls, context_window_tokens=10**9
                )
                started = time.perf_counter()
                graph.invoke({"question": "q"}, config, context=settings, durability="sync")
                total = time.perf_counter() - started
                t0 = time.perf_counter()
                steps = len(saver.history("t"))
                history = time.perf_counter() - t0
        size = table_bytes(url)
    content = calls * chars
    return {
        "saver": kind, "calls": calls, "mb": size / 1e6, "ratio": size / content,
        "ms_step": total / calls * 1000, "history_ms": history * 1000, "steps": steps,
    }  # fmt: skip


# -- 2. 64 concurrent threads ------------------------------------------------------------


def slow_model(calls: int, latency: float) -> Any:
    from mirograph import ScriptedChatModel

    class Slow(ScriptedChatModel):
        async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
            await asyncio.sleep(latency)
            return self._generate(messages, stop=stop, **kwargs)

    return Slow(policy=calls_policy(calls))


async def concurrent_threads(kind: str, threads: int, rounds: int, latency: float) -> dict:
    texts = pages(64, 1000)
    model = slow_model(rounds, latency)
    with database() as url:
        if kind == "stock":
            from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
            from psycopg.rows import dict_row
            from psycopg_pool import AsyncConnectionPool

            kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
            async with AsyncConnectionPool(url, max_size=16, kwargs=kwargs, open=False) as pool:
                saver = AsyncPostgresSaver(pool)
                await saver.setup()
                wall = await _drive(plain_graph(model, [fetch_tool(texts)], saver), threads)
        else:
            from mirograph.checkpoints import aopen_checkpointer

            async with aopen_checkpointer(url) as saver:
                wall = await _drive(plain_graph(model, [fetch_tool(texts)], saver), threads)
    ideal = (rounds + 1) * latency
    return {"saver": kind, "wall_s": wall, "ideal_s": ideal, "overhead_ms": (wall - ideal) * 1000
            / (rounds + 1)}  # fmt: skip


async def _drive(graph: Any, threads: int) -> float:
    async def one(i: int) -> None:
        config = {"configurable": {"thread_id": f"c{i}"}, "recursion_limit": 200}
        await graph.ainvoke({"messages": [("user", "q")]}, config, durability="sync")

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(threads)))
    return time.perf_counter() - started


# -- 3. eval engines ---------------------------------------------------------------------


def eval_runs(delay: float) -> list[dict[str, Any]]:
    """Each configuration as a real `mirograph eval` inside one loopback-only namespace."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_AUTH_MODE": "disabled", "LANGSMITH_TRACING": "false"}  # fmt: skip
    inner = shlex.join([sys.executable, __file__, "--eval-inside", str(delay)])
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {inner}"],
        env=env, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"eval part failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_eval(
    tmp: Path, corpus: Path, engine: str, workers: int, delay: float, limit: int | None = None
) -> tuple[float, dict[str, Any]]:
    """One `mirograph eval` (20 tasks x 2 runs, or `limit` tasks x 1) in a fresh database."""
    name = f"mgbench_{uuid.uuid4().hex[:10]}"
    admin = "dbname=postgres user=postgres host=/var/run/postgresql"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@/{name}?host=/var/run/postgresql"
    out = tmp / name
    size = ["--limit", str(limit), "--runs", "1"] if limit else ["--runs", "2"]
    args = [
        sys.executable, "-m", "mirograph", "eval", str(DATA / "synthetic.jsonl"),
        "--out", str(out), "--db", url, "--files", str(DATA), *size,
        "--model", "python:tests.eval.agents:hop_agent",
        "--judge-model", "python:tests.eval.agents:rule_judge",
        "--corpus", str(corpus), "--verify", "rules", "--concurrency", "2",
        "--engine", engine, "--workers", str(workers),
    ]  # fmt: skip
    env = {**os.environ, "MIROGRAPH_EVAL_MODEL_DELAY": str(delay)}
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - started
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return wall, json.loads((out / "summary.json").read_text())


def eval_inside(delay: float) -> None:
    """(Inside the namespace.) Databases are made over the unix socket."""
    from mirograph.tools import index_corpus

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.sqlite"
        index_corpus(DATA / "corpus", corpus)
        for engine, workers in [("local", 1), ("ray", 1), ("ray", 2), ("ray", 4)]:
            startup, _ = one_eval(Path(tmp), corpus, engine, workers, delay, limit=1)
            wall, summary = one_eval(Path(tmp), corpus, engine, workers, delay)
            rows.append({"engine": engine, "workers": workers, "wall_s": wall,
                         "startup_s": startup, "results": summary["results"],
                         "accuracy": summary["accuracy"]["avg"]})  # fmt: skip
    print(json.dumps(rows))


# -- printing ----------------------------------------------------------------------------


def main() -> None:
    if sys.argv[1:2] == ["--eval-inside"]:
        eval_inside(float(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="100:4000,600:4000", help="CALLS:CHARS,...")
    parser.add_argument("--stock-upto", type=int, default=100)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--tables-only", action="store_true", help="only table 1")
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per model call (eval)")
    args = parser.parse_args()

    print("## 1. one thread, N tool calls of CHARS incompressible characters (PostgreSQL)\n")
    print("| saver | calls | chars | tables MB | tables / content | ms / tool round | history ms "
          "| steps |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for calls, chars in [tuple(int(x) for x in run.split(":")) for run in args.runs.split(",")]:
        kinds = ["stock", "mirograph"] if calls <= args.stock_upto else ["mirograph"]
        for kind in kinds:
            r = long_thread(kind, calls, chars)
            label = "stock PostgresSaver + add_messages" if kind == "stock" else "mirograph"
            cells = [label, calls, chars, f"{r['mb']:.2f}", f"{r['ratio']:.2f}",
                     f"{r['ms_step']:.1f}", f"{r['history_ms']:.1f}", r["steps"]]  # fmt: skip
            print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
    if args.tables_only:
        return

    print(f"\n## 2. {args.threads} threads at once, 10 rounds, 50 ms model latency (async)\n")
    print("| saver | wall s | ideal s | overhead ms / round |")
    print("|---|---:|---:|---:|")
    for kind in ("stock", "mirograph"):
        r = asyncio.run(concurrent_threads(kind, args.threads, 10, 0.05))
        label = "stock AsyncPostgresSaver (pool)" if kind == "stock" else "mirograph PostgresSaver"
        print(f"| {label} | {r['wall_s']:.2f} | {r['ideal_s']:.2f} | {r['overhead_ms']:.0f} |",
              flush=True)  # fmt: skip

    if args.skip_eval:
        return
    ms = args.delay * 1000
    print(f"\n## 3. eval of 40 (task, run) threads, {ms:.0f} ms a model call, 2 jobs per worker\n")
    print("| engine | workers | wall s | 1-task eval s (start-up) | wall - start-up s | results "
          "| accuracy |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in eval_runs(args.delay):
        work = r["wall_s"] - r["startup_s"]
        cells = [r["engine"], r["workers"], f"{r['wall_s']:.1f}", f"{r['startup_s']:.1f}",
                 f"{work:.1f}", r["results"], f"{r['accuracy']:.3f}"]  # fmt: skip
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
