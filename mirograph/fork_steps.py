"""Which `fork --step N` lands on which checkpoint: the tool-call count `history` shows.

`step=N` forks right after the N-th tool call's result, at the summarizer checkpoint that
ends the tool round holding call N (0: before the first planner call). A pure function
of the lineage's plain rows, so `history` can print it without loading the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mirograph.checkpoints import StepInfo


def fork_steps(lineage: Iterable[StepInfo]) -> Iterator[tuple[StepInfo, int | None]]:
    """Each checkpoint of a lineage (oldest first) with the `--step` that forks there,
    or None for checkpoints inside a tool round, which no step number reaches."""
    reached = -1
    for info in lineage:
        number = None
        if info.source == "loop" and reached < 0:
            number = reached = 0
        elif info.node == "summarizer" and (info.tool_calls_used or 0) > reached:
            number = reached = info.tool_calls_used or 0
        yield info, number
