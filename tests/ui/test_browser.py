"""Must show: the ui in Debian's Chromium — the thread list, a 600-step thread and the view
at step 300, the fork tree and two branches side by side, a running thread gaining steps
without a reload, an eval folder. Every page's every request stays on 127.0.0.1 (the
`page` fixture aborts and reports any other host); screenshots land in test-artifacts/."""

from __future__ import annotations

import shutil
import signal
import sqlite3
from datetime import datetime
from pathlib import Path

from tests.memory.scenario import ANSWER
from tests.ui.conftest import (
    FOLDED_CALLS,
    LONG_CALLS,
    QUESTION,
    Server,
    start_run,
    wait_for,
    write_script,
)


def test_thread_list_shows_status_question_and_calls(server, page):
    page.goto(f"{server.url}/")
    rows = page.locator("#threads tbody tr")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.thread)")) == [
        "base", "base-a", "base-b", "folded", "long", "review",
    ]  # fmt: skip
    long = page.locator('tr[data-thread="long"]')
    assert long.locator("td").nth(1).inner_text() == "done"
    assert long.locator("td").nth(2).inner_text() == QUESTION
    assert long.locator("td").nth(3).inner_text() == str(LONG_CALLS)
    page.fill("#search", "base-")
    page.click("button[type=submit]")
    shown = page.locator("#threads tbody tr").evaluate_all("rs => rs.map(r => r.dataset.thread)")
    assert sorted(shown) == ["base-a", "base-b"]


def expected_view(db: Path, tmp_path: Path, thread: str, call: int) -> list[tuple[str, str]]:
    """The view at `call`, computed the documented way on a copy of the database."""
    from mirograph import build_research_graph
    from mirograph.branching import checkpoint_for_step
    from mirograph.checkpoints import open_checkpointer
    from mirograph.checkpoints.labels import resolve_thread
    from mirograph.context import ResearchContext
    from mirograph.memory import context_view

    copy = tmp_path / "copy.sqlite"
    shutil.copy(db, copy)
    with open_checkpointer(copy) as saver:
        thread = resolve_thread(saver, thread)  # `long` is the thread's label
        checkpoint = checkpoint_for_step(saver, thread, call)
        settings = ResearchContext.from_dict(saver.get_thread(thread).settings)
        config = {"configurable": {"thread_id": thread, "checkpoint_id": checkpoint}}
        state = build_research_graph(checkpointer=saver).get_state(config)
        day = datetime.fromisoformat(state.created_at).date()
        view = context_view(state.values, settings, today=day)
    return [(m.type, m.content) for m in view]


def test_600_step_thread_jumps_to_step_300_and_shows_its_exact_view(server, page, ui_db, tmp_path):
    page.goto(f"{server.url}/thread?id=long")
    assert page.inner_text("#calls-used") == str(LONG_CALLS)
    assert "page" in page.inner_text(".pager")
    assert page.locator("#timeline tr.step").count() <= 60  # a page of steps, not all
    page.wait_for_selector("#plot svg polyline")  # the context-size plot, loaded after
    assert "tokens in" in page.inner_text("#usage")  # a scripted model costs nothing
    assert page.inner_text("#usage").endswith("cost $0.0000")
    repeats = page.locator("#timeline .result.repeat")
    assert repeats.count() > 0  # calls past 250 repeat earlier queries
    page.fill("#jump-call", "300")
    page.click("#jump-view")
    assert page.inner_text("#view-title") == "The model's view after tool call 300"
    assert shown_view(page) == expected_view(ui_db, tmp_path, "long", 300)
    assert page.locator("#view li.stubbed").count() == 300 - 5  # K = 5 results in full


def shown_view(page) -> list[tuple[str, str]]:
    """(role, text) of every message on a view page."""
    shown = page.locator("#view li.msg").evaluate_all(
        """lis => lis.map(li => [li.querySelector('.role').textContent.split(' · ')[0],
                                 (li.querySelector('pre') || {textContent: ''}).textContent])"""
    )
    return [tuple(m) for m in shown]


def test_summary_folds_and_verifier_verdicts_on_the_timeline_and_the_plot(
    server, page, ui_db, tmp_path
):
    with sqlite3.connect(f"file:{ui_db}?mode=ro", uri=True) as conn:
        (folds,) = conn.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = 'folded' "
            "AND activity_node = 'summarizer' AND activity_detail = 'summarized'"
        ).fetchone()
    assert folds > 0
    page.goto(f"{server.url}/thread?id=folded&call={FOLDED_CALLS}")  # the page of the verdicts
    page.wait_for_selector("#plot svg polyline")
    assert page.locator("#plot svg line.mark").count() == folds
    rejected = page.locator("#timeline .verdict.rejected")
    assert rejected.count() == 1 and "example.org/not-retrieved" in rejected.inner_text()
    assert page.locator("#timeline .verdict.ok").count() == 1
    assert page.locator("#answer .answer-text").inner_text() == ANSWER
    page.goto(f"{server.url}/thread?id=folded&page=0")
    assert page.locator("#timeline .fold").count() > 0
    page.goto(f"{server.url}/view?id=folded&call={FOLDED_CALLS}")
    view = shown_view(page)
    assert view == expected_view(ui_db, tmp_path, "folded", FOLDED_CALLS)
    assert any(text.startswith("Summary of the research so far") for _, text in view)


def test_jump_to_a_step_highlights_it_on_its_page(server, page):
    page.goto(f"{server.url}/thread?id=long")
    page.fill("#jump-call", "300")
    page.click("#jump-step")
    page.wait_for_selector("tr.step.target")
    target = page.locator("tr.step.target")
    assert target.count() == 1
    assert target.locator("td.node").inner_text() == "executor"
    assert target.locator("td.calls-used").inner_text() == "300"


def test_a_thread_waiting_for_review_shows_what_it_waits_for_and_the_command(server, page):
    page.goto(f"{server.url}/thread?id=review")
    assert page.inner_text("#thread-status") == "waiting for review"
    assert page.locator("#reviews li").all_inner_texts() == [
        'tool call #1: counted_lookup({"query": "q0"})'
    ]
    commands = page.locator("#reviews .cmd code").all_inner_texts()
    assert commands[0].startswith("mirograph resume review --approve --db ")


def test_tool_filter_shows_only_that_tools_steps_across_the_thread(server, page):
    page.goto(f"{server.url}/thread?id=long")
    page.click("a.tool-link")
    page.wait_for_selector("#tool-filter")
    assert set(page.locator("#timeline td.node").all_inner_texts()) == {"planner", "executor"}
    assert f"{2 * LONG_CALLS} steps of counted_lookup" in page.inner_text(".pager")


def test_fork_tree_and_two_branches_side_by_side(server, page):
    page.goto(f"{server.url}/branches?id=base")
    tree = page.locator("#tree tbody tr")
    assert tree.evaluate_all("rs => rs.map(r => r.dataset.thread)") == ["base", "base-a", "base-b"]
    a, b = page.locator('tr[data-thread="base-a"] td'), page.locator('tr[data-thread="base-b"] td')
    assert [a.nth(i).inner_text() for i in (2, 3, 4)] == ["base", "3", "Prefer the second source."]
    assert [b.nth(i).inner_text() for i in (2, 3, 5)] == ["base", "5", "6"]
    page.select_option("#compare-a", "base-a")
    page.select_option("#compare-b", "base-b")
    page.click("#compare-go")
    assert "up to tool call 3" in page.inner_text("#common")
    left, right = page.inner_text("#side-1"), page.inner_text("#side-2")
    notes = page.locator("#side-1 .note-fork-note").all_inner_texts()
    assert notes == ["fork note: Prefer the second source."]
    assert page.locator("#side-2 .note-fork-note").count() == 0
    assert page.locator("#side-2 .note-answer-now").count() == 1  # its budget ran out
    assert "exhausted" in right and "done" in left


def test_running_thread_gains_steps_without_a_reload(browser_page_factory, tmp_path):
    db = tmp_path / "live.sqlite"
    run = start_run(db, write_script(tmp_path / "s.json", 80), "live", seconds="0.25")
    try:
        wait_for(lambda: db.exists() and has_steps(db, "live", 6), "the run's first steps")
        with Server(db) as live:
            page = browser_page_factory()
            page.goto(f"{live.url}/thread?id=live")
            page.evaluate("window.__same_document = true")
            before = int(page.inner_text("#step-count"))
            page.wait_for_function(
                f"Number(document.querySelector('#step-count').textContent) > {before + 3}",
                timeout=30_000,
            )
            assert page.evaluate("window.__same_document") is True
            assert page.is_visible("#live")
            assert page.locator("#thread-status").inner_text() == "running"
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)


def has_steps(db: Path, thread: str, n: int) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            row = conn.execute(
                "SELECT count(*) FROM checkpoints c JOIN threads t USING (thread_id) "
                "WHERE t.label = ?",
                (thread,),
            ).fetchone()
        except sqlite3.OperationalError:
            return False
    return row[0] >= n


def test_eval_folder_shows_results_verdicts_threads_and_the_scaling_curve(
    eval_folder, browser_page_factory
):
    with Server(eval_folder) as ev:
        page = browser_page_factory()
        page.goto(f"{ev.url}/eval")
        assert page.locator("#results tbody tr").count() == 20
        assert "%" in page.inner_text("#accuracy")
        assert page.locator("#scaling svg polyline").count() == 1
        assert page.locator("#results tr.wrong").count() >= 1
        page.fill("#result-filter", "t16")
        assert page.locator("#results tbody tr:not(.hidden-row)").count() == 1
        page.locator("#results tbody tr:not(.hidden-row) a").click()
        assert page.locator("#calls-used").inner_text() == "4"
