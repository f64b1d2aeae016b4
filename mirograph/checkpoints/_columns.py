"""What a checkpoint's plain listing columns hold: given to the saver, never known by it.

The saver fills a few indexed columns at `put` so `threads` and `history` never unpack a
blob. Which channel values they come from is the graph's business: a `ListingSpec` maps
each column to a function of the checkpoint's channel values, and the graph's layer
registers its spec as the default (`mirograph.state` does, for the research graph) or
passes one to `open_checkpointer(..., listing=...)`. A column a spec leaves out is NULL.

Which nodes a checkpoint triggers next (`next_nodes`) needs no spec: it is LangGraph's
own bookkeeping, read from the checkpoint (see `next_nodes`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Extract = Callable[[Mapping[str, Any]], Any]
"""A function of a checkpoint's channel values giving one column's value."""

COLUMN_TYPES: dict[str, type] = {
    "question": str,
    "status": str,
    "tool_calls_used": int,
    "activity_node": str,
    "activity_detail": str,
}
"""The listing columns a spec may fill, with the type a value must have (else NULL)."""


@dataclass(frozen=True)
class ListingSpec:
    """Column name (one of `COLUMN_TYPES`) -> function of the channel values."""

    columns: Mapping[str, Extract] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(COLUMN_TYPES)
        if unknown:
            raise ValueError(
                f"Unknown listing column(s) {', '.join(sorted(unknown))}: "
                f"choose from {', '.join(COLUMN_TYPES)}."
            )

    def row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every listing column's value for these channel values (None where unset or of
        the wrong type: a column never holds what a listing could not show)."""
        found: dict[str, Any] = dict.fromkeys(COLUMN_TYPES)
        for name, extract in self.columns.items():
            value = extract(values)
            typ = COLUMN_TYPES[name]
            if isinstance(value, typ) and not isinstance(value, bool):
                found[name] = value
        return found


NO_LISTING = ListingSpec()
_default: list[ListingSpec] = [NO_LISTING]


def register_default_listing(spec: ListingSpec) -> None:
    """Make `spec` what savers opened without a `listing=` fill their columns with."""
    _default[0] = spec


def default_listing() -> ListingSpec:
    """The registered default spec (none registered: every listing column stays NULL)."""
    return _default[0]


BRANCH_PREFIX = "branch:to:"
JOIN_PREFIX = "join:"
START = "__start__"
TASKS = "__pregel_tasks"


def next_nodes(checkpoint: Mapping[str, Any], send_node: Callable[[Any], Any]) -> list[str]:
    """The nodes this checkpoint triggers next, sorted, once each (LangGraph's
    `StateSnapshot.next` as names, before any pending write).

    As LangGraph's `prepare_next_tasks` finds them (`pregel/_algo.py: _triggers`): the
    graph API triggers node `X` by its channel `branch:to:X` (a waiting edge by
    `join:A+B:X`; the input node `__start__` by the channel of that name), when the
    channel is available and its version is newer than the one `X` last saw; and every
    pending `Send` in the tasks channel is a task of its node. `send_node` reads a Send's
    node name (a revived `Send` and plainly decoded data differ).
    """
    versions = checkpoint.get("channel_versions") or {}
    seen = checkpoint.get("versions_seen") or {}
    values = checkpoint.get("channel_values") or {}
    found: set[str] = set()
    for channel, version in versions.items():
        node = _triggered_node(channel, values)
        if node is None:
            continue
        last = (seen.get(node) or {}).get(channel)
        if last is None or version > last:
            found.add(node)
    for send in values.get(TASKS) or ():
        node = send_node(send)
        if isinstance(node, str):
            found.add(node)
    return sorted(found)


def send_node(send: Any) -> Any:
    """The node a pending `Send` goes to."""
    return getattr(send, "node", None)


def _triggered_node(channel: str, values: Mapping[str, Any]) -> str | None:
    """The node `channel` triggers if it is available now, else None."""
    if channel not in values:
        return None  # empty (or consumed): triggers nothing
    value = values[channel]
    if channel == START:
        return START
    if channel.startswith(BRANCH_PREFIX):
        if isinstance(value, (list, tuple)) and len(value) == 2:  # a deferred node's
            return channel[len(BRANCH_PREFIX) :] if value[1] else None  # (value, finished)
        return channel[len(BRANCH_PREFIX) :]
    if channel.startswith(JOIN_PREFIX):  # join:A+B:X waits for all of A, B
        _, starts, node = channel.split(":", 2)
        members = value if isinstance(value, (set, frozenset, list, tuple)) else ()
        return node if set(members) == set(starts.split("+")) else None
    return None


def encode_next(nodes: list[str]) -> str:
    """The `next_nodes` column: a JSON list (`[]`: nothing runs next, the run ended)."""
    return json.dumps(nodes, separators=(",", ":"))


def decode_next(text: str | None) -> tuple[str, ...] | None:
    """The column back as a tuple; None for a row written before the column existed."""
    return None if text is None else tuple(json.loads(text))
