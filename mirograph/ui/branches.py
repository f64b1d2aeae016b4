"""The fork tree of a thread, and two branches side by side from their common step."""

from __future__ import annotations

from typing import Any

import mirograph.ui.timeline as timeline
from mirograph.checkpoints import StepInfo
from mirograph.ui.data import UiData
from mirograph.ui.pages import NotFound, thread_or_404

COMPARE_ROWS = 40


def tree_page(data: UiData, thread_id: str) -> dict[str, Any]:
    """Every thread of the family, depth-first, with what each fork changed."""
    current = thread_or_404(data, thread_id)
    family = data.family(current.thread_id)
    by_id = {t.thread_id: t for t in family}
    depth: dict[str, int] = {}
    for info in family:  # parents come before children in `family`
        parent = info.parent_thread_id
        depth[info.thread_id] = depth[parent] + 1 if parent in depth else 0
    ordered: list[Any] = []

    def visit(tid: str) -> None:
        ordered.append(by_id[tid])
        children = [t for t in family if t.parent_thread_id == tid]
        for child in sorted(children, key=lambda t: (t.name, t.thread_id)):  # as shown
            visit(child.thread_id)

    roots = [t.thread_id for t in family if t.parent_thread_id not in by_id]
    for root in roots:
        visit(root)
    rows = []
    for info in ordered:
        row = data.thread(info.thread_id)
        settings = data.settings(info)
        rows.append(
            {
                "info": info,
                "parent": by_id[parent].name
                if (parent := info.parent_thread_id) in by_id
                else parent,
                "status": row.status if row else "",
                "depth": depth.get(info.thread_id, 0),
                "budget": settings.max_tool_calls,
            }
        )
    return {"thread": current, "rows": rows}


def common_index(a: list[StepInfo], b: list[StepInfo]) -> int:
    """Index of the last step both lineages share (forks keep their parent's ids); -1: none."""
    n = -1
    for x, y in zip(a, b, strict=False):
        if x.checkpoint_id != y.checkpoint_id:
            break
        n += 1
    return n


def compare_page(data: UiData, a: str, b: str, offset: int | None) -> dict[str, Any]:
    """Both branches' steps after their common step, aligned row by row."""
    left, right = thread_or_404(data, a), thread_or_404(data, b)
    la, lb = data.lineage(left.info), data.lineage(right.info)
    common = common_index(la, lb)
    if common < 0:
        raise NotFound(f"threads {a!r} and {b!r} share no step: they are not branches of one run")
    start = common + 1 + max(0, offset or 0)
    stop = start + COMPARE_ROWS
    sides = []
    for row, lineage in ((left, la), (right, lb)):
        indices = range(start, min(stop, len(lineage)))
        wanted = [lineage[i].parent_checkpoint_id or "" for i in indices]
        rows = timeline.build_rows(lineage, indices, data.tuples(row.thread_id, wanted))
        sides.append({"thread": row, "rows": rows, "steps": len(lineage)})
    shared = la[common]
    return {
        "left": sides[0],
        "right": sides[1],
        "common": common,
        "common_step": shared,
        "common_calls": shared.tool_calls_used or 0,
        "pairs": _pairs(sides[0]["rows"], sides[1]["rows"]),
        "offset": max(0, offset or 0),
        "more": stop < max(len(la), len(lb)),
        "page_rows": COMPARE_ROWS,
    }


def _pairs(left: list[timeline.Row], right: list[timeline.Row]) -> list[tuple[Any, Any]]:
    n = max(len(left), len(right))
    return [
        (left[i] if i < len(left) else None, right[i] if i < len(right) else None) for i in range(n)
    ]
