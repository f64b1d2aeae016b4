"""Run the real `mirograph` command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def script(tmp_path: Path) -> Path:
    return write_script(tmp_path / "script.json", calls=3)
