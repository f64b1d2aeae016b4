"""Delta-channel snapshots: which seeds a checkpoint stores, and the superstep snapshots
dropped because the stored writes rebuild them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._config import DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT
from langgraph.checkpoint.base import Checkpoint
from langgraph.checkpoint.serde.types import _DeltaSnapshot

from mirograph.checkpoints._tuples import COUNTERS, full_metadata


def seed_keys(values: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    """The `value_keys` column: delta channels whose seed this checkpoint stores, as JSON.

    A delta channel is stored only as a `_DeltaSnapshot`, and its name is in the counters
    LangGraph keeps in the metadata until it snapshots. Without either, no delta channel
    is known here: NULL, so an ancestor walk unpacks the blob (a migrated plain value).
    """
    counters = metadata.get("counters_since_delta_snapshot") or {}
    seeds = {k for k, v in values.items() if isinstance(v, _DeltaSnapshot) or k in counters}
    if not seeds and not counters:
        return None
    return json.dumps(sorted(seeds), separators=(",", ":"))


def without_replayable_seeds(
    read: Callable[[], AbstractContextManager[Any]],
    config: RunnableConfig,
    checkpoint: Checkpoint,
    meta: Mapping[str, Any],
) -> Checkpoint:
    """The checkpoint without the delta-channel snapshots its ancestors' writes rebuild.

    LangGraph snapshots every delta channel (the whole transcript) at least every
    `DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT` (5,000) steps to bound its replay; this
    saver's replay walks ids, not blobs, so such a snapshot buys nothing and costs the
    transcript again (~11 MB at 6,000 calls). Dropped only where that bound alone made
    it and replay is exact: a loop step whose parent is the step before it, with its
    writes stored. A channel's own `snapshot_frequency` and the seeds of an edit
    (`update_state`) or of a run that stored no intermediate steps are kept.
    """
    values = checkpoint.get("channel_values") or {}
    seeds = [k for k, v in values.items() if isinstance(v, _DeltaSnapshot)]
    parent_id = config["configurable"].get("checkpoint_id")
    step = meta.get("step")
    if not seeds or meta.get("source") != "loop" or not parent_id or type(step) is not int:
        return checkpoint
    conf = config["configurable"]
    key = (str(conf["thread_id"]), conf.get("checkpoint_ns", ""), parent_id)
    with read() as cur:
        parent = cur.execute(
            "SELECT step, ref, metadata, counters FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            key,
        ).fetchone()
        if parent is None or parent[0] != step - 1:
            return checkpoint
        counters = full_metadata(parent[2], None, None, parent[3]).get(COUNTERS) or {}
        bound = all(
            (counters.get(ch) or (0, 0))[1] + 1 >= DELTA_MAX_SUPERSTEPS_SINCE_SNAPSHOT
            for ch in seeds
        )
        has_writes = cur.execute("SELECT 1 FROM task_writes WHERE ref = ?", (parent[1],))
        if bound and has_writes.fetchone():
            kept = {k: v for k, v in values.items() if k not in seeds}
            return {**checkpoint, "channel_values": kept}
    return checkpoint
