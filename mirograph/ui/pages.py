"""What each page shows, as plain dicts for the templates (no HTTP here)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from langchain_core.messages import BaseMessage

import mirograph.ui.timeline as timeline
from mirograph.checkpoints import StepInfo, ThreadInfo
from mirograph.fork_steps import round_ends
from mirograph.memory import context_view, estimate_tokens
from mirograph.ui.data import UiData
from mirograph.ui.plot import Series, line_plot

PAGE_SIZE = 60
PLOT_POINTS = 400
_CITE = re.compile(r"\[(\d+)\]")


class NotFound(LookupError):
    """The page asks for a thread or step that is not there (404, one sentence)."""


@dataclass(frozen=True)
class Commands:
    """The CLI lines a page offers to copy: actions stay in the CLI."""

    db: str

    def __call__(self, *parts: Any) -> str:
        return " ".join(["mirograph", *(str(p) for p in parts), "--db", self.db])


def thread_or_404(data: UiData, thread_id: str):
    row = data.thread(thread_id)
    if row is None:
        raise NotFound(f"no thread {thread_id!r} in this database")
    return row


def thread_page(
    data: UiData, thread_id: str, page: int | None, call: int | None, tool: str = ""
) -> dict:
    """A page of the timeline (newest page by default; only `tool`'s steps if given)."""
    row = thread_or_404(data, thread_id)
    thread_id = row.thread_id  # the id, whether the URL named it by label, id or prefix
    lineage = data.lineage(row.info)
    key = (thread_id, row.info.head_checkpoint_id or "")
    target = None
    if call is not None:
        target = timeline.tool_call_index(lineage, call)
        if target is None:
            raise NotFound(f"thread {thread_id!r} has no tool call {call}")
        tool = ""  # a jump shows the step among all the others
    shown = [i for i, s in enumerate(lineage) if tool in timeline.tool_names(s)] if tool else None
    count = len(lineage) if shown is None else len(shown)
    pages = max(1, -(-count // PAGE_SIZE))
    if target is not None:
        page = target // PAGE_SIZE
    page = pages - 1 if page is None else min(max(0, page), pages - 1)
    start, stop = page * PAGE_SIZE, min(count, (page + 1) * PAGE_SIZE)
    indices = range(start, stop) if shown is None else shown[start:stop]
    wanted = [lineage[i].parent_checkpoint_id or "" for i in indices]
    rows = timeline.build_rows(lineage, indices, data.tuples(thread_id, wanted))
    return {
        "thread": row,
        "settings": data.settings(row.info),
        "rows": rows,
        "page": page,
        "pages": pages,
        "steps": len(lineage),
        "shown": count,
        "tool": tool,
        "target": target,
        **data.cached(("facts", *key), lambda: lineage_facts(lineage)),
        "outputs": outputs(data, row.info),
        "reviews": pending_reviews(data, row.info) if row.status == "waiting for review" else [],
        "children": [t for t in data.family(thread_id) if t.parent_thread_id == thread_id],
    }


def lineage_facts(lineage: list[StepInfo]) -> dict[str, Any]:
    """Whole-thread facts from the listing columns (computed once per branch head)."""
    return {
        "tools": tool_counts(lineage),
        "folds": len(timeline.fold_indexes(lineage)),
        "slowest": slowest(lineage),
    }


def tool_counts(lineage: list[StepInfo]) -> list[tuple[str, int]]:
    """Calls per tool over the whole thread, from the planner's listing column."""
    counts: Counter[str] = Counter()
    for step, after in pairwise(lineage):
        if step.node == "planner" and after.node == "executor":
            counts.update(timeline.tool_names(step))
    return counts.most_common()


def slowest(lineage: list[StepInfo], n: int = 5) -> list[tuple[int, str, float]]:
    """The `n` longest steps (index, node, seconds): where the run stalled."""
    spans = []
    for i in range(1, len(lineage)):
        seconds = timeline.seconds_between(lineage[i - 1].created_at, lineage[i].created_at)
        if seconds is not None:
            spans.append((i, timeline.node_of(lineage[i]), seconds))
    return sorted(spans, key=lambda s: -s[2])[:n]


def outputs(data: UiData, info) -> dict[str, Any]:
    """Answer, report and sources from the head checkpoint (no transcript replay)."""
    if not info.head_checkpoint_id:
        return {}
    head = data.tuples(info.thread_id, [info.head_checkpoint_id]).get(info.head_checkpoint_id)
    values = head.checkpoint.get("channel_values", {}) if head else {}
    sources = values.get("sources") or []
    numbers = {int(s["n"]) for s in sources}
    text = values.get("report") or values.get("answer") or ""
    return {
        "answer": values.get("answer", ""),
        "text": text,
        "cited": sorted({int(n) for n in _CITE.findall(text)} & numbers),
        "unresolved": sorted({int(n) for n in _CITE.findall(text)} - numbers),
        "sources": sources,
        "verified": values.get("verified"),
        "summary": values.get("summary", ""),
    }


def pending_reviews(data: UiData, info: ThreadInfo) -> list[str]:
    """One line per review the thread waits for (the head's unanswered interrupts)."""
    from mirograph._review_prompt import describe

    head = data.tuples(info.thread_id, [info.head_checkpoint_id or ""])
    saved = head.get(info.head_checkpoint_id or "")
    if saved is None:
        return []
    answered = {w[0] for w in saved.pending_writes or () if w[1] == "__resume__"}
    return [
        describe(item)
        for task, channel, value in saved.pending_writes or ()
        if channel == "__interrupt__" and task not in answered
        for item in (value if isinstance(value, list | tuple) else [value])
    ]


def view_page(data: UiData, thread_id: str, checkpoint: str | None, call: int | None) -> dict:
    """The exact context view the planner was given at one checkpoint."""
    row = thread_or_404(data, thread_id)
    thread_id = row.thread_id
    lineage = data.lineage(row.info)
    if call is not None:
        index = timeline.tool_call_index(lineage, call)
    else:
        index = next((i for i, s in enumerate(lineage) if s.checkpoint_id == checkpoint), None)
    if index is None:
        raise NotFound(f"thread {thread_id!r} has no such step")
    step = lineage[index]
    settings = data.settings(row.info)
    state = data.state_at(thread_id, step.checkpoint_id)
    view = context_view(state, settings, today=_day(step.created_at))  # type: ignore[arg-type]
    return {
        "thread": row,
        "step": step,
        "index": index,
        "page": index // PAGE_SIZE,
        "messages": view,
        "tokens": estimate_tokens(view),
        "transcript": len(state.get("messages", [])),
        "summary_upto": state.get("summary_upto", 0),
        "keep": settings.keep_tool_results,
        "calls": step.tool_calls_used or 0,
    }


def _day(stamp: str | None) -> date | None:
    try:
        return datetime.fromisoformat(stamp).date() if stamp else None
    except ValueError:
        return None


def context_plot(data: UiData, thread_id: str) -> str:
    """The view's size after each tool round against the whole transcript's, with folds."""
    row = thread_or_404(data, thread_id)
    key = ("plot", row.thread_id, row.info.head_checkpoint_id or "")
    return data.cached(key, lambda: _context_plot(data, row))


def _context_plot(data: UiData, row) -> str:
    thread_id = row.thread_id
    lineage = data.lineage(row.info)
    settings = data.settings(row.info)
    rounds = [s for s, n in round_ends(lineage) if n > 0]
    folds = [lineage[i] for i in timeline.fold_indexes(lineage)]
    every = max(1, len(rounds) // PLOT_POINTS)
    sampled = {s.checkpoint_id: s for s in [*rounds[::every], *rounds[-1:], *folds]}
    tuples = data.tuples(thread_id, sampled)
    view = sorted(
        (sampled[cid].tool_calls_used or 0, t.checkpoint["channel_values"].get("view_tokens"))
        for cid, t in tuples.items()
    )
    view_points = [(float(x), float(y)) for x, y in view if isinstance(y, int)]
    transcript, messages = transcript_points(data, row.info, every)
    if view_points and transcript and view_points[0][0] == transcript[0][0]:
        # Same prompt for both lines: at the first round nothing is stubbed or folded yet.
        offset = view_points[0][1] - transcript[0][1]
        transcript = [(x, y + offset) for x, y in transcript]
    top = max([y for _, y in view_points + transcript] or [1.0])
    threshold = settings.summarize_at * settings.context_window_tokens
    levels = [
        (float(v), label)
        for v, label in (
            (threshold, f"summarize at {threshold:,.0f}"),
            (settings.context_window_tokens, f"window {settings.context_window_tokens:,}"),
        )
        if v <= 1.5 * top
    ]
    keep = "all" if settings.keep_tool_results < 0 else settings.keep_tool_results
    return usage_line(messages, settings.model) + line_plot(
        [
            Series(f"view (K = {keep} results in full)", view_points, "s-view"),
            Series("without retention: every result in full", transcript, "s-full"),
        ],
        x_label="tool calls",
        y_label="tokens",
        marks=[(float(s.tool_calls_used or 0), "summary fold") for s in folds],
        levels=levels,
        title="context size per tool round",
    )


def transcript_points(
    data: UiData, info: ThreadInfo, every: int
) -> tuple[list[tuple[float, float]], list[BaseMessage]]:
    """Estimated tokens of the whole transcript after each tool result (one replay), and
    the transcript."""
    if not info.head_checkpoint_id:
        return [], []
    messages = data.state_at(info.thread_id, info.head_checkpoint_id).get("messages", [])
    points, total, calls = [], 0, 0
    for message in messages:
        total += estimate_tokens([message])
        if message.type == "tool":
            calls += 1
            if calls % every == 0 or calls == 1:
                points.append((float(calls), float(total)))
    return points, messages


def usage_line(messages: list[BaseMessage], model: str) -> str:
    """Where the tokens went: every model call's tokens and their cost, as `eval` counts."""
    from mirograph.eval.usage import DEFAULT_PRICES, cost_usd, transcript_usage

    used = transcript_usage(messages)
    cost = cost_usd(model, used.tokens_in, used.tokens_out, DEFAULT_PRICES)
    approx = " (estimated: the provider reported none)" if used.estimated else ""
    price = "unknown (no price for the model)" if cost is None else f"${cost:.4f}"
    return (
        f'<p class="usage" id="usage">planner calls: {used.tokens_in:,} tokens in, '
        f"{used.tokens_out:,} out{approx} · cost {price}</p>"
    )


def cite_html(text: str, numbers: set[int]) -> str:
    """The answer as HTML with `[n]` linked to its source entry."""
    from html import escape

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n in numbers:
            return f'<a class="cite" href="#source-{n}">[{n}]</a>'
        return f'<span class="cite unresolved" title="no such source">[{n}]</span>'

    return _CITE.sub(link, escape(text))
