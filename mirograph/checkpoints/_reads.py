"""Reading checkpoints back: `get_tuple`, `list` and DeltaChannel replay data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    CheckpointTuple,
    DeltaChannelHistory,
    get_checkpoint_id,
)
from langgraph.checkpoint.sqlite.utils import search_where

import mirograph.checkpoints._versions as _versions
from mirograph.checkpoints._delta import delta_history
from mirograph.checkpoints._tuples import CHECKPOINT_ROW, DEFAULT_METADATA, TupleRow, load_tuples


class CheckpointReads:
    """The read half of `BaseCheckpointSaver` (a mixin of `SaverCore`, over its `_read`)."""

    def _where(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
    ) -> tuple[str, Sequence[Any]]:
        """`WHERE ...` of `list`; SQLite reads metadata with `json_extract` (over the
        metadata column with `step` and `source` put back, see `_tuples.compact_metadata`)."""
        where, params = search_where(config, filter, before)
        full = (
            f"json_set(COALESCE(metadata, '{DEFAULT_METADATA}'), '$.step', step, "
            "'$.source', source, '$.counters_since_delta_snapshot', json(counters))"
        )
        return where.replace("CAST(metadata AS TEXT)", full), params

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The addressed checkpoint, or the thread's branch head when no id is given."""
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        checkpoint_ns = conf.get("checkpoint_ns", "")
        checkpoint_id = get_checkpoint_id(config)
        with self._read() as cur:
            if checkpoint_id is None:
                checkpoint_id = self._head(cur, thread_id, checkpoint_ns)
                if checkpoint_id is None:
                    return None
            rows: list[TupleRow] = cur.execute(
                f"SELECT {self._checkpoint_row()} FROM checkpoints "
                "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                (thread_id, checkpoint_ns, checkpoint_id),
            ).fetchall()
            tuples = self._load_tuples(cur, rows)
        tuples = _versions.for_reader(self, tuples)
        return tuples[0] if tuples else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Checkpoints newest first; pending writes fetched in one query, not one per row.

        Rows are read before yielding, so a caller may use the saver while iterating.
        """
        where, params = self._where(config, filter, before)
        query = f"SELECT {self._checkpoint_row()} FROM checkpoints {where} "
        query += "ORDER BY checkpoint_id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params = (*params, limit)
        with self._read() as cur:
            rows = cur.execute(query, params).fetchall()
            tuples = self._load_tuples(cur, rows)
        yield from _versions.for_reader(self, tuples)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """DeltaChannel replay data, walking parent links without unpacking ancestors."""
        if not channels:
            return {}
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        checkpoint_ns = conf.get("checkpoint_ns", "")
        with self._read() as cur:
            checkpoint_id = get_checkpoint_id(config) or self._head(cur, thread_id, checkpoint_ns)
            if checkpoint_id is None:
                return {ch: {"writes": []} for ch in channels}
            return delta_history(
                cur,
                self.serde,
                thread_id=thread_id,
                checkpoint_ns=checkpoint_ns,
                checkpoint_id=checkpoint_id,
                channels=list(channels),
                has_ref=self.layout.has_ref,
                legacy=self.layout.legacy,
                has_task_path=self.layout.has_task_path,
            )

    def _checkpoint_row(self) -> str:
        return CHECKPOINT_ROW.format(
            ref="ref" if self.layout.has_ref else "NULL",
            counters="counters" if self.layout.has_counters else "NULL",
        )

    def _load_tuples(self, cur: Any, rows: list[TupleRow]) -> list[CheckpointTuple]:
        return load_tuples(
            cur,
            rows,
            self.serde,
            legacy=self.layout.legacy,
            has_task_path=self.layout.has_task_path,
        )
