"""mirograph: long-horizon research agents on LangGraph.

A research run is a LangGraph state machine (planner, executor, summarizer, verifier,
finalizer) that makes hundreds of tool calls inside a bounded context and is checkpointed
to SQLite after every step, so it can pause, resume after a crash, or branch.
"""

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
