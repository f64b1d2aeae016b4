"""Terminal output of the CLI: the live progress line and the printed results.

Progress goes to stderr (stdout stays clean for `--json`), and only to a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from mirograph.runner import Progress

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def tool_calls(n: int) -> str:
    """`1 tool call`, `12 tool calls`."""
    return f"{n} tool call" if n == 1 else f"{n} tool calls"


def progress_line(p: Progress) -> Text:
    """`tool calls 12/600 · context 8.1k/262.1k tokens · 00:42 · executor: web_search`."""
    minutes, seconds = divmod(int(p.elapsed), 60)
    line = Text()
    line.append(f"tool calls {p.tool_calls_used}/{p.budget}", style="bold cyan")
    line.append(f" · context {_k(p.view_tokens)}/{_k(p.window)} tokens")
    line.append(f" · {minutes:02d}:{seconds:02d}")
    # The last action goes last: a narrow terminal cuts it, not the counters.
    line.append(f" · {p.last_action or p.node}", style="magenta")
    return line


@contextmanager
def live_progress(enabled: bool) -> Iterator[Any]:
    """Yield a callback that redraws the progress line (a no-op when not on a terminal)."""
    if not enabled or not err.is_terminal:
        yield lambda p: None
        return
    from rich.live import Live

    with Live(console=err, refresh_per_second=8, transient=True) as live:
        yield lambda p: live.update(progress_line(p))


def print_json(data: Any) -> None:
    """Plain JSON on stdout: fast for long listings, and what pipes and `jq` expect."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_result(result: dict[str, Any], *, as_json: bool) -> None:
    """The end of a run: one JSON object, or the answer with its counters."""
    if as_json:
        print_json(result)
        return
    from rich.markdown import Markdown

    answer = result.get("answer") or "(no answer)"
    out.print(Markdown(answer) if "\n" in answer else Text(answer, style="bold"))
    err.print(
        f"[dim]thread {thread_name(result['thread_id'], result.get('label'))} · "
        f"{result['status']} · "
        f"{tool_calls(result['tool_calls_used'])}[/dim]"
    )


def thread_name(thread_id: str, label: str | None) -> str:
    """`first (5d6e3c1a-…)` for a labelled thread, the id alone otherwise."""
    return f"{label} ({thread_id})" if label else thread_id


def threads_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("thread", "label", "question", "status", "tool calls", "parent", "updated")
    labels = {row["thread_id"]: row.get("label") for row in rows}
    for row in rows:
        parent = row.get("parent_thread_id") or ""
        parent = labels.get(parent) or parent  # a parent by the name it was given
        if parent and row.get("fork_step") is not None:
            parent = f"{parent} @ step {row['fork_step']}"
        table.add_row(
            row["thread_id"],
            row.get("label") or "",
            _short(row.get("question") or ""),
            row.get("status") or "",
            str(row.get("tool_calls_used") or 0),
            parent,
            row.get("updated_at") or "",
        )
    return table


HISTORY_HEADER = (
    f"{'#':>5}  {'tool calls':>10}  {'node':<10}  {'detail':<40}  {'status':<10}  checkpoint"
)


def print_history(rows: Iterable[tuple[int, Any]]) -> None:
    """Plain rows as they come, full checkpoint ids (thousands of steps in a blink)."""
    write = sys.stdout.write
    write(HISTORY_HEADER + "\n")
    batch: list[str] = []
    for n, step in rows:
        batch.append(
            f"{n:>5}  {step.tool_calls_used or 0:>10}  {step.node or step.source or '':<10}  "
            f"{_short(step.detail or '', 40):<40}  {step.status or '':<10}  {step.checkpoint_id}"
        )
        if len(batch) >= 1000:
            write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        write("\n".join(batch) + "\n")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)
