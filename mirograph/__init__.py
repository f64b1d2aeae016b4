"""mirograph: long-horizon research agents on LangGraph.

A research run is a LangGraph state machine (planner, executor, summarizer, verifier,
finalizer) that makes hundreds of tool calls inside a bounded context and is checkpointed
to SQLite after every step, so it can pause, resume after a crash, or branch.

Names are imported on first use, so `mirograph threads` and `history` start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ResearchContext": "mirograph.context",
    "ConfigError": "mirograph.errors",
    "DatabaseError": "mirograph.errors",
    "InputError": "mirograph.errors",
    "MirographError": "mirograph.errors",
    "ThreadBusy": "mirograph.errors",
    "ThreadNotFound": "mirograph.errors",
    "build_research_graph": "mirograph.graphs.research",
    "context_view": "mirograph.memory",
    "Resources": "mirograph.resources",
    "RunControl": "mirograph.runner",
    "RunResult": "mirograph.runner",
    "run_thread": "mirograph.runner",
    "InputState": "mirograph.state",
    "OutputState": "mirograph.state",
    "ResearchState": "mirograph.state",
    "Source": "mirograph.state",
    "ScriptedChatModel": "mirograph.testing",
}
__all__ = [
    "ConfigError",
    "DatabaseError",
    "InputError",
    "InputState",
    "MirographError",
    "OutputState",
    "ResearchContext",
    "ResearchState",
    "Resources",
    "RunControl",
    "RunResult",
    "ScriptedChatModel",
    "Source",
    "ThreadBusy",
    "ThreadNotFound",
    "build_research_graph",
    "context_view",
    "run_thread",
]

if TYPE_CHECKING:
    from mirograph.context import ResearchContext
    from mirograph.errors import (
        ConfigError,
        DatabaseError,
        InputError,
        MirographError,
        ThreadBusy,
        ThreadNotFound,
    )
    from mirograph.graphs.research import build_research_graph
    from mirograph.memory import context_view
    from mirograph.resources import Resources
    from mirograph.runner import RunControl, RunResult, run_thread
    from mirograph.state import InputState, OutputState, ResearchState, Source
    from mirograph.testing import ScriptedChatModel


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mirograph' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
