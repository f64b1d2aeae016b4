"""Context-view size over a scripted 600-tool-call run with 4 KB tool results.

Prints the planner's input (estimated tokens) at steps 10/100/300/600 for K = 5 and for
K = -1 (keep every result), and the largest planner input of each run. With K = 5 the view
grows only by the AI turns (thoughts and calls); with K = -1 it grows by every result, until
the summarizer folds old turns once the view passes 80 % of the window.

    .venv/bin/python bench/context.py [--steps 600]
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable

from langchain_core.messages import BaseMessage
from langchain_core.tools import tool

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.memory import estimate_tokens
from mirograph.runner import recursion_limit

RESULT_CHARS = 4096
MARKS = (10, 100, 300, 600)


@tool
def fetch_record(n: int) -> str:
    """Fetch record number n of the archive."""
    seed = hashlib.sha256(str(n).encode()).hexdigest()
    return (f"record {n}: {seed} " * (RESULT_CHARS // 80 + 1))[:RESULT_CHARS]


def planner_policy(steps: int, sizes: dict[int, int]) -> Callable[[list[BaseMessage]], object]:
    """One tool call per turn until `steps` calls were made, then an answer."""
    calls = 0

    def policy(messages: list[BaseMessage]) -> object:
        nonlocal calls
        sizes[calls] = estimate_tokens(messages)
        if calls >= steps:
            return "The archive holds the answer: 42."
        calls += 1
        return {
            "content": f"Record {calls - 1} did not settle it; checking record {calls} next.",
            "tool_calls": [{"name": "fetch_record", "args": {"n": calls}}],
        }

    return policy


def run(steps: int, keep: int, window: int) -> tuple[dict[int, int], int, int]:
    """Planner input sizes by tool calls made, the summarizer's call count, and the status."""
    sizes: dict[int, int] = {}
    summarizer = ScriptedChatModel(
        keep_inputs=True, policy=lambda m: "Records so far did not settle it."
    )
    graph = build_research_graph(
        model=ScriptedChatModel(keep_inputs=True, policy=planner_policy(steps, sizes)),
        summarizer_model=summarizer,
        tools=[fetch_record],
    )
    settings = ResearchContext(
        verify="rules",
        max_tool_calls=steps,
        keep_tool_results=keep,
        context_window_tokens=window,
    )
    result = graph.invoke(
        {"question": "Which record settles it?"},
        {"recursion_limit": recursion_limit(settings)},
        context=settings,
    )
    assert result["tool_calls_used"] == steps, result
    return sizes, len(summarizer.inputs), result["status"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    default_window = ResearchContext().context_window_tokens
    runs = {
        "K=5": run(args.steps, 5, default_window),
        "K=-1 (no window limit)": run(args.steps, -1, 10**9),
        f"K=-1 ({default_window // 1024}K window)": run(args.steps, -1, default_window),
    }
    marks = [m for m in MARKS if m <= args.steps]
    names = list(runs)
    header = ["step", *names]
    rows = [[str(m), *(f"{runs[n][0][m]:,}" for n in names)] for m in marks]
    rows.append(["largest input", *(f"{max(runs[n][0].values()):,}" for n in names)])
    rows.append(["summarizer calls", *(str(runs[n][1]) for n in names)])
    rows.append(["status", *(runs[n][2] for n in names)])
    k5 = runs["K=5"][0]
    growth = (k5[marks[-1]] - k5[marks[0]]) / (marks[-1] - marks[0])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("planner input, estimated tokens, by tool calls made (4 KB results)")
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"\nK=5 growth per step: {growth:.1f} tokens (one AI turn + one result stub)")


if __name__ == "__main__":
    main()
