"""Async-only tools (MCP's, a user's `async def` tool) called from sync code: one adapter
for the MCP loader and the executor node.

A sync graph runs its nodes in threads with no event loop; a notebook or an async server
calls sync code from inside one. `run_blocking` works in both: `asyncio.run` when no loop
is running, else a private loop in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from langchain_core.tools import BaseTool, StructuredTool

T = TypeVar("T")


def run_blocking(make_coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    # Inside a running loop (notebooks, async servers): a private loop in a worker thread.
    result: list[T] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(asyncio.run(make_coro()))
        except BaseException as exc:  # handed to the caller's thread below
            error.append(exc)

    thread = threading.Thread(target=worker, name="mirograph-async-tool")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def is_async_only(tool: BaseTool) -> bool:
    """A tool with a coroutine and no sync function (`invoke` would raise)."""
    return getattr(tool, "func", True) is None and getattr(tool, "coroutine", None) is not None


def invoke(tool: BaseTool, call: Any) -> Any:
    """`tool.invoke(call)`, for async-only tools too."""
    return run_blocking(lambda: tool.ainvoke(call)) if is_async_only(tool) else tool.invoke(call)


def with_sync_call(tool: BaseTool) -> BaseTool:
    """Give an async-only tool a sync entry point in place, so its `invoke` works."""
    if isinstance(tool, StructuredTool) and is_async_only(tool):
        coroutine = tool.coroutine
        assert coroutine is not None

        def call_blocking(**arguments: Any) -> Any:
            return run_blocking(lambda: coroutine(**arguments))

        tool.func = call_blocking
    return tool
