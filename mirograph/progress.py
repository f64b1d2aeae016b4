"""Compact progress events that nodes send on LangGraph's `custom` stream.

State updates arrive only when a node finishes; these events arrive when it *starts* a slow
step (a model call, a summary), so a live display can say what the run is doing now.
They are tagged, because tools may write their own custom events on the same stream.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.runtime import Runtime

EVENT_TAG = "mirograph.progress"


class ProgressEvent(TypedDict):
    """One event: which node, the tool calls used so far, the view's tokens, what it does."""

    event: str
    node: str
    tool_calls_used: int
    view_tokens: int
    last_action: str


def progress_event(
    node: str, *, tool_calls_used: int, view_tokens: int, last_action: str
) -> ProgressEvent:
    """Build an event; `event` carries the tag consumers filter on."""
    return {
        "event": EVENT_TAG,
        "node": node,
        "tool_calls_used": tool_calls_used,
        "view_tokens": view_tokens,
        "last_action": last_action,
    }


def is_progress_event(chunk: Any) -> bool:
    """Whether a `custom` stream chunk is one of ours."""
    return isinstance(chunk, dict) and chunk.get("event") == EVENT_TAG


def emit_progress(
    runtime: Runtime[Any],
    state: dict[str, Any] | Any,
    node: str,
    last_action: str,
    *,
    view_tokens: int | None = None,
) -> None:
    """Write an event for `node` from its state; a no-op unless `custom` is being streamed."""
    runtime.stream_writer(
        progress_event(
            node,
            tool_calls_used=state.get("tool_calls_used", 0),
            view_tokens=state.get("view_tokens", 0) if view_tokens is None else view_tokens,
            last_action=last_action,
        )
    )
