"""Eval outputs: `results.jsonl`, `summary.json`, and the printed table.

Summary figures follow the benchmark conventions MiroThinker reports: accuracy as avg@N
(the mean over N independent runs) with its standard deviation across runs, and the
unbiased pass@k estimator (Chen et al., 2021) for k = 1..N. Everything that depends on
timing sits under `execution`, so two evals of the same trajectories — one killed and
resumed, one not — have equal summaries apart from it.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mirograph.eval.data import Task

RESULT_FIELDS = (
    "task_id",
    "run",
    "thread_id",
    "answer",
    "ground_truth",
    "verdict",
    "correct",
    "judge",
    "judge_detail",
    "status",
    "error",
    "tool_calls",
    "tokens_in",
    "tokens_out",
    "tokens_estimated",
    "cost_usd",
    "wall_time_s",
    "resumed",
)


@dataclass
class EvalReport:
    """What an eval produced: the rows, the summary, and where they were written."""

    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    out_dir: Path

    @property
    def accuracy(self) -> float:
        return float(self.summary["accuracy"]["avg"])


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k runs drawn from n (c correct) is correct."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def summarize(
    tasks: Sequence[Task],
    rows: Sequence[dict[str, Any]],
    points: Sequence[dict[str, Any]],
    *,
    runs: int,
    model: str,
) -> dict[str, Any]:
    """The figures of `summary.json` (see the module docstring)."""
    per_run = [
        statistics.fmean(bool(r["correct"]) for r in rows if r["run"] == run)
        for run in range(1, runs + 1)
        if any(r["run"] == run for r in rows)
    ]
    by_task: dict[str, list[bool]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], []).append(bool(row["correct"]))
    calls = [int(r["tool_calls"]) for r in rows]
    costs = [r["cost_usd"] for r in rows]
    summary: dict[str, Any] = {
        "model": model,
        "tasks": len(tasks),
        "runs": runs,
        "results": len(rows),
        "accuracy": {
            "avg": _r(statistics.fmean(per_run)) if per_run else 0.0,
            "std": _r(statistics.stdev(per_run)) if len(per_run) > 1 else 0.0,
            "per_run": [_r(a) for a in per_run],
            "metric": f"avg@{runs}",
        },
        "pass_at_k": {
            str(k): _r(statistics.fmean(pass_at_k(len(v), sum(v), k) for v in by_task.values()))
            for k in range(1, runs + 1)
            if by_task
        },
        "correct": sum(bool(r["correct"]) for r in rows),
        "tool_calls": {
            "mean": _r(statistics.fmean(calls)) if calls else 0.0,
            "median": statistics.median(calls) if calls else 0,
            "max": max(calls, default=0),
            "total": sum(calls),
        },
        "tokens": {
            "in": sum(r["tokens_in"] for r in rows),
            "out": sum(r["tokens_out"] for r in rows),
            "estimated": any(r["tokens_estimated"] for r in rows),
        },
        "cost_usd": None if None in costs else _r(sum(costs), 6),
        "statuses": dict(sorted(Counter(r["status"] for r in rows).items())),
        "judged_by": dict(sorted(Counter(r["judge"] for r in rows).items())),
        "execution": {
            "wall_time_s_total": _r(sum(r["wall_time_s"] for r in rows), 3),
            "resumed_runs": sum(bool(r["resumed"]) for r in rows),
        },
    }
    if points:
        from mirograph.eval.scaling import scaling_curve

        summary["scaling"] = scaling_curve(points)
    return summary


def write_outputs(
    out: Path,
    tasks: Sequence[Task],
    rows: Sequence[dict[str, Any]],
    points: Sequence[dict[str, Any]],
    *,
    runs: int,
    model: str,
) -> EvalReport:
    """Write results.jsonl (dataset order, then run), summary.json and the scaling plot."""
    order = {task.task_id: n for n, task in enumerate(tasks)}
    ordered = sorted(rows, key=lambda r: (order.get(r["task_id"], len(order)), r["run"]))
    ordered = [{k: row.get(k) for k in RESULT_FIELDS} for row in ordered]
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for row in ordered:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = summarize(tasks, ordered, points, runs=runs, model=model)
    if points:
        from mirograph.eval.scaling import plot_scaling

        plot = plot_scaling(summary["scaling"], out / "scaling.png")
        summary["scaling"]["plot"] = str(plot) if plot else None
        if plot is None:
            summary["scaling"]["plot_skipped"] = (
                "scaling plot skipped: matplotlib is not installed "
                "(pip install 'mirograph[plot]'); the curve is in summary.json"
            )
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return EvalReport(rows=ordered, summary=summary, out_dir=out)


def summary_table(summary: dict[str, Any]) -> Table:
    """The printed table: accuracy, pass@k, tool calls, tokens, cost, failures."""
    table = Table(title=f"eval · {summary['model'] or 'model'}", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value")
    acc = summary["accuracy"]
    table.add_row("tasks × runs", f"{summary['tasks']} × {summary['runs']}")
    table.add_row(
        f"accuracy ({acc['metric']})",
        f"{acc['avg']:.1%} ± {acc['std']:.1%}  ({summary['correct']}/{summary['results']} correct)",
    )
    for k, value in summary["pass_at_k"].items():
        table.add_row(f"pass@{k}", f"{value:.1%}")
    calls = summary["tool_calls"]
    table.add_row(
        "tool calls", f"mean {calls['mean']:g} · median {calls['median']:g} · max {calls['max']}"
    )
    tokens = summary["tokens"]
    approx = " (estimated)" if tokens["estimated"] else ""
    table.add_row("tokens in / out", f"{tokens['in']:,} / {tokens['out']:,}{approx}")
    cost = summary["cost_usd"]
    table.add_row("cost", "unknown (no price)" if cost is None else f"${cost:.4f}")
    table.add_row("status", " · ".join(f"{k} {v}" for k, v in summary["statuses"].items()))
    table.add_row("judged by", " · ".join(f"{k} {v}" for k, v in summary["judged_by"].items()))
    if "scaling" in summary:
        curve = summary["scaling"]
        table.add_row(
            "scaling (budget: acc)",
            " · ".join(
                f"{b}: {a:.0%}" for b, a in zip(curve["budgets"], curve["accuracy"], strict=True)
            ),
        )
    return table


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    (console or Console()).print(summary_table(summary))


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)
