"""Run the real `mirograph` command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = "tests.fixtures.tools:counted_lookup"


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PYTHONPATH=str(REPO), LANGSMITH_TRACING="false", COLUMNS="200", **extra)
    return env


def mirograph(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """`mirograph ARGS` as a user would type it; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "mirograph", *args],
        capture_output=True,
        text=True,
        env=env or cli_env(),
        timeout=timeout,
        cwd=REPO,
    )


def write_script(path: Path, calls: int, answer: str = "The answer is 42.") -> Path:
    """A scripted model: `calls` single tool calls, then the answer."""
    script = [
        {"tool_calls": [{"name": "counted_lookup", "args": {"query": f"q{i}"}}]}
        for i in range(calls)
    ]
    path.write_text(json.dumps([*script, answer]))
    return path


def run_args(db: Path, script: Path, thread: str = "t", *extra: str) -> list[str]:
    """`mirograph run` of the scripted question with the counting tool."""
    return [
        "run",
        "What is the answer?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        TOOL,
        "--thread",
        thread,
        "--verify",
        "rules",
        *extra,
    ]


def thread_id(db: Path | str, name: str) -> str:
    """The id of the thread `run --thread NAME` made (NAME is its label)."""
    from mirograph.checkpoints import open_checkpointer
    from mirograph.checkpoints.labels import resolve_thread

    with open_checkpointer(db) as saver:
        return resolve_thread(saver, name)


def thread_values(db: Path | str, thread: str) -> dict[str, Any]:
    """The saved state of a thread (by id or label), read as a Python user would."""
    from mirograph import build_research_graph
    from mirograph.checkpoints import open_checkpointer
    from mirograph.checkpoints.labels import resolve_thread

    with open_checkpointer(db) as saver:
        graph = build_research_graph(checkpointer=saver)
        config = {"configurable": {"thread_id": resolve_thread(saver, thread)}}
        return dict(graph.get_state(config).values)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    return write_script(tmp_path / "script.json", calls=3)
