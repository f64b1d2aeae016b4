"""Eval throughput: the synthetic benchmark at --concurrency 1 and 8.

The scripted hop agent sleeps 200 ms per model call (a stand-in for provider latency),
so the wall time is dominated by waiting, which concurrent runs overlap. Each (task, run)
is a checkpointed thread in the eval's SQLite file (`durability="sync"`), as in real evals.
Prints a table; the target is a speed-up of at least 5x at concurrency 8.

    python bench/eval.py [--delay 0.2] [--concurrency 1,8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the scripted agent lives with the tests

from mirograph.context import ResearchContext  # noqa: E402
from mirograph.eval import load_tasks, run_eval  # noqa: E402
from mirograph.tools import index_corpus, make_search_corpus  # noqa: E402
from tests.eval.agents import hop_agent, rule_judge  # noqa: E402

DATA = REPO / "tests" / "eval" / "data"


def timed_eval(workdir: Path, concurrency: int, delay: float) -> tuple[float, int, float]:
    """(wall seconds, model calls, accuracy) of one eval of the synthetic set."""
    model = hop_agent(delay=delay)
    started = time.perf_counter()
    report = run_eval(
        load_tasks(DATA / "synthetic.jsonl"),
        out_dir=workdir / f"c{concurrency}",
        settings=ResearchContext(model="scripted:hop-agent", verify="rules"),
        model=model,
        tools=[make_search_corpus(workdir / "corpus.sqlite")],
        judge_model=rule_judge(),
        concurrency=concurrency,
    )
    return time.perf_counter() - started, model.calls, report.accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per model call")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated levels")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        index_corpus(DATA / "corpus", workdir / "corpus.sqlite")
        results = {c: timed_eval(workdir, c, args.delay) for c in levels}
    base = results[levels[0]][0]
    print(f"synthetic benchmark: 20 tasks, scripted agent, {args.delay * 1000:.0f} ms per call")
    print(f"{'concurrency':>11}  {'wall (s)':>8}  {'model calls':>11}  {'accuracy':>8}  speed-up")
    for level, (wall, calls, accuracy) in results.items():
        print(f"{level:>11}  {wall:>8.2f}  {calls:>11}  {accuracy:>8.0%}  {base / wall:>7.1f}x")


if __name__ == "__main__":
    main()
