"""Must show 4: the interaction-scaling curve from forks of finished trajectories."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mirograph.checkpoints import StepInfo
from mirograph.eval import fork_point
from tests.eval.conftest import run_synthetic

BUDGETS = [1, 2, 3, 4, 8]


@pytest.fixture
def report(tmp_path, settings):
    return run_synthetic(tmp_path / "out", settings, concurrency=4, scaling=BUDGETS)


def test_curve_follows_the_step_where_the_agent_finds_the_answer(report):
    # 7 right at 1 call (t17 needs none; t20 is always wrong), +5 at 2, +4 at 3, +3 at 4.
    assert report.summary["scaling"]["budgets"] == BUDGETS
    assert report.summary["scaling"]["accuracy"] == [0.35, 0.6, 0.8, 0.95, 0.95]


def test_only_trajectories_longer_than_the_budget_are_forked(report):
    # Budget b forks every task needing more than b calls: 12 + 7 + 3 + 0 + 0.
    assert (report.summary["scaling"]["forks"], report.summary["scaling"]["trajectories"]) == (
        22,
        20,
    )


def test_plot_is_written_as_png(report, tmp_path):
    png = tmp_path / "out" / "scaling.png"
    assert report.summary["scaling"]["plot"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forks_answer_now_and_leave_their_parent_untouched(report, tmp_path):
    with sqlite3.connect(tmp_path / "out" / "eval.sqlite") as conn:
        fork = conn.execute(
            "SELECT parent_thread_id, tool_calls_used, status FROM threads WHERE thread_id = ?",
            ("t16.r1@b2",),
        ).fetchone()
        parent = conn.execute(
            "SELECT tool_calls_used, status FROM threads WHERE thread_id = 't16.r1'"
        ).fetchone()
    assert (fork, parent) == (("t16.r1", 2, "exhausted"), (4, "done"))


# What each node's checkpoint triggers next in the research graph (the input: __start__).
NEXT = {"": ("planner",), "planner": ("executor",), "executor": ("summarizer",),
        "summarizer": ("planner",)}  # fmt: skip


def step(n: int, node: str, calls: int | None, source: str = "loop") -> StepInfo:
    nxt = ("__start__",) if source == "input" else NEXT[node]
    return StepInfo(f"c{n}", None, n, source, calls, None, node, None, None, nxt)


def test_fork_point_is_after_the_last_round_within_the_budget():
    history = [step(-1, "", None, "input"), step(0, "", None), step(1, "planner", None),
               step(2, "executor", 3), step(3, "summarizer", 3), step(4, "planner", 3),
               step(5, "executor", 5), step(6, "summarizer", 5)]  # fmt: skip
    assert [fork_point(history, b) for b in (2, 3, 4, 5, 9)] == ["c0", "c3", "c3", "c6", "c6"]


def test_without_matplotlib_the_curve_is_written_and_the_plot_skipped(tmp_path, settings):
    import sys
    from unittest import mock

    with mock.patch.dict(sys.modules, {"matplotlib": None}):  # as if not installed
        report = run_synthetic(tmp_path / "out", settings, concurrency=4, scaling=[1, 8])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scaling"]["accuracy"] == [0.35, 0.95] == report.summary["scaling"]["accuracy"]
    assert summary["scaling"]["plot"] is None
    assert summary["scaling"]["plot_skipped"] == (
        "scaling plot skipped: matplotlib is not installed (pip install 'mirograph[plot]'); "
        "the curve is in summary.json"
    )
    assert not (tmp_path / "out" / "scaling.png").exists()
