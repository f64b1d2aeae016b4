"""The live progress line: counters first, so a narrow terminal cuts only the last action."""

from __future__ import annotations

from mirograph._display import progress_line
from mirograph.runner import Progress


def test_progress_line_shows_budget_context_time_and_last_action():
    progress = Progress(
        "t",
        budget=600,
        window=262_144,
        tool_calls_used=12,
        view_tokens=8_100,
        node="executor",
        last_action="executor: web_search",
    )
    progress.started -= 42
    assert progress_line(progress).plain == (
        "tool calls 12/600 · context 8.1k/262.1k tokens · 00:42 · executor: web_search"
    )
