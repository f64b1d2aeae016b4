"""The async half of `MirographSaver`: each method runs its sync twin in a worker thread.

One SQLite connection behind one lock serves both `invoke` and `ainvoke`; SQLite work is
short, so a thread hop per call costs less than a second (aiosqlite) connection would in
consistency: both paths see the same transactions in the same order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)

from mirograph.checkpoints._records import StepInfo, ThreadInfo

T = TypeVar("T")


class AsyncFromSync:
    """Mixin placed before `SqliteSaver`, whose async methods only raise."""

    async def _offload(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run `fn(*args)` off the event loop (a backend may use its own threads)."""
        return await asyncio.to_thread(fn, *args)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self._offload(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        tuples = await self._offload(
            lambda: list(self.list(config, filter=filter, before=before, limit=limit))
        )
        for item in tuples:
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await self._offload(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self._offload(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self._offload(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self._offload(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._offload(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self._offload(lambda: self.prune(thread_ids, strategy=strategy))

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self._offload(
            lambda: self.get_delta_channel_history(config=config, channels=channels)
        )

    async def alatest_checkpoint_id(self, thread_id: str) -> str | None:
        return await self._offload(self.latest_checkpoint_id, thread_id)

    async def alist_threads(self) -> list[ThreadInfo]:
        return await self._offload(self.list_threads)

    async def aget_thread(self, thread_id: str) -> ThreadInfo | None:
        return await self._offload(self.get_thread, thread_id)

    async def aset_thread_settings(self, thread_id: str, settings: dict[str, Any]) -> None:
        await self._offload(self.set_thread_settings, thread_id, settings)

    async def ahistory(self, thread_id: str, checkpoint_id: str | None = None) -> list[StepInfo]:
        return await self._offload(self.history, thread_id, checkpoint_id)
