"""The live progress bar of an eval: done/total, running, accuracy so far, tokens.

Drawn on stderr (stdout keeps the results table), and only on a terminal; elsewhere
it stays silent so logs and captured output hold just the results.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


class EvalProgress:
    """Counts finished and running (task, run) jobs and redraws one bar."""

    def __init__(
        self,
        total: int,
        *,
        label: str = "eval",
        enabled: bool = True,
        done: int = 0,
        correct: int = 0,
        tokens: int = 0,
        console: Console | None = None,
    ) -> None:
        self.total, self.done, self.correct, self.tokens = total, done, correct, tokens
        self.running = 0
        console = console or Console(stderr=True)
        self._bar: Progress | None = None
        if enabled and console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[stats]}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )
            self._task = self._bar.add_task(label, total=total, completed=done, stats="")
            self._bar.start()
            self._redraw()

    def started(self) -> None:
        self.running += 1
        self._redraw()

    def finished(self, row: dict[str, Any]) -> None:
        self.running -= 1
        self.done += 1
        self.correct += bool(row.get("correct"))
        self.tokens += int(row.get("tokens_in", 0)) + int(row.get("tokens_out", 0))
        self._redraw()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def stats(self) -> str:
        accuracy = f"{self.correct / self.done:.1%}" if self.done else "–"
        return f"running {self.running} · accuracy {accuracy} · tokens {_k(self.tokens)}"

    def _redraw(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, stats=self.stats())


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)
