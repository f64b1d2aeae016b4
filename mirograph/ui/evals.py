"""An `eval` output folder: per-task results, judge verdicts, the scaling curve.

The folder's `results.jsonl` and `summary.json` are what `mirograph eval` wrote; without
the folder, the rows come from the eval tables of the database (read-only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mirograph.ui.data import UiData
from mirograph.ui.pages import NotFound
from mirograph.ui.plot import Series, line_plot


def eval_page(data: UiData, folder: Path | None) -> dict[str, Any]:
    rows, summary = _read_folder(folder) if folder else _read_tables(data)
    if not rows and not summary:
        raise NotFound("this database holds no eval results (open an eval folder with --db DIR)")
    known = {row.thread_id for row in data.threads()}
    for row in rows:
        row["thread_known"] = row.get("thread_id") in known
    scaling = summary.get("scaling") or _curve(data)
    return {
        "rows": rows,
        "summary": summary,
        "folder": str(folder) if folder else "",
        "scaling": scaling,
        "scaling_svg": _scaling_svg(scaling) if scaling else "",
    }


def _read_folder(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    results, summary = folder / "results.jsonl", folder / "summary.json"
    rows = []
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows, json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}


def _read_tables(data: UiData) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not data.has_eval:
        return [], {}
    rows = [
        json.loads(row)
        for (row,) in data.query("SELECT row FROM eval_results ORDER BY task_id, run")
    ]
    return rows, {}


def _curve(data: UiData) -> dict[str, Any]:
    if not data.has_eval:
        return {}
    from mirograph.eval.scaling import scaling_curve

    points = [json.loads(r) for (r,) in data.query("SELECT row FROM eval_scaling")]
    return scaling_curve(points) if points else {}


def _scaling_svg(curve: dict[str, Any]) -> str:
    points = [
        (float(b), 100.0 * float(a))
        for b, a in zip(curve["budgets"], curve["accuracy"], strict=True)
    ]
    return line_plot(
        [Series("accuracy (%)", points, "s-view")],
        x_label="tool-call budget",
        y_label="accuracy %",
        y_max=100.0,
        title="interaction scaling",
    )
