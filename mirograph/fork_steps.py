"""Which `fork --step N` lands on which checkpoint: the tool-call count `history` shows.

A tool round ends at the first checkpoint that triggers the round-entry node (the
planner; or the finalizer, when the view no longer fits) with more tool calls made than
at the previous round's end: the results are applied, the next model call has not been
made. `step=N` forks at the end of the round holding call N; `step=0` at the first
checkpoint that triggers the planner (before its first call). Which node wrote the
checkpoint does not matter, so a renamed or replaced summarizer changes nothing.

A pure function of the lineage's plain rows (the saver records each checkpoint's next
nodes), so `history` can print it without loading the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from mirograph.graphs import ROUND_ENDS

if TYPE_CHECKING:
    from mirograph.checkpoints import StepInfo


def fork_steps(
    lineage: Iterable[StepInfo], ends: Sequence[str] = ROUND_ENDS
) -> Iterator[tuple[StepInfo, int | None]]:
    """Each checkpoint of a lineage (oldest first) with the `--step` that forks there,
    or None for checkpoints inside a tool round, which no step number reaches."""
    reached = -1
    for info in lineage:
        number = None
        calls = info.tool_calls_used or 0
        if calls > reached and ends_a_round(info, ends):
            number = reached = calls
        yield info, number


def ends_a_round(info: StepInfo, ends: Sequence[str] = ROUND_ENDS) -> bool:
    """Whether this checkpoint hands over to the round-entry (or answer) node."""
    return any(node in ends for node in info.next_nodes or ())


def round_ends(lineage: Iterable[StepInfo]) -> list[tuple[StepInfo, int]]:
    """The checkpoints that end a tool round (step 0 first), with their step numbers."""
    return [(info, n) for info, n in fork_steps(lineage) if n is not None]
