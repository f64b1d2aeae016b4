"""The README cannot rot: its diagram, settings table and quickstart are checked here."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

from mirograph.context import ResearchContext
from mirograph.studio import graph

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def fenced(language: str) -> list[str]:
    blocks = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.DOTALL)
    return [body for lang, body in blocks if lang == language]


def test_the_diagram_is_the_graph():
    drawn = graph.get_graph().draw_mermaid()
    body = drawn[drawn.index("graph TD;") :]
    assert body in fenced("mermaid")


def test_every_setting_is_documented_with_its_default():
    hints = get_type_hints(ResearchContext, include_extras=True)
    for field in dataclasses.fields(ResearchContext):
        description = hints[field.name].__metadata__[0].description
        row = f"| `{field.name}` | `{field.default!r}` | {description} |"
        assert row in README, row


def test_every_command_of_the_cli_reference_exists():
    result = subprocess.run(
        [sys.executable, "-m", "mirograph", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    )
    reference = next(b for b in fenced("") if b.startswith("mirograph run"))
    documented = set(re.findall(r"^mirograph (\w+)", reference, flags=re.MULTILINE))
    listed = set(re.findall(r"│ (\w+)\s{2,}", result.stdout))
    assert documented == listed


def test_quickstart_commands_run_verbatim_offline(tmp_path):
    """Everything after the install line, as typed, against this environment's install.

    The install line itself is what `make test` and CI run to create the environment.
    """
    install, *commands = fenced("bash")[1].replace("\\\n", " ").strip().splitlines()
    assert install.startswith("python3 -m venv .venv")
    (tmp_path / ".venv").symlink_to(sys.prefix)
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    result = subprocess.run(
        ["bash", "-e", "-c", "\n".join(commands)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "MiroThinker v1.0 makes up to 600 tool calls per task" in result.stdout
    assert "corpus://mirothinker.md" in result.stdout


def test_python_quickstart_runs(tmp_path):
    (code,) = fenced("python")[:1]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The answer is 42. done 1"


def test_python_quickstart_run_twice_is_refused_with_one_clear_error(tmp_path):
    (code,) = fenced("python")[:1]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, timeout=120)
    assert first.returncode == 0
    second = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == (
        "mirograph.errors.InputError: thread 't1' already exists (done): continue it with "
        "question=None, ask it a follow-up with follow_up=QUESTION, or use a new thread_id"
    )
