"""Two full `mirograph run` processes against the scripted OpenAI-compatible server:
native tool calling, and MiroThinker's text protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.models.fixtures import CALL, FACT, QUESTION
from tests.models.openai_server import OpenAIServer

REPO = Path(__file__).resolve().parents[2]
MIROGRAPH = Path(sys.executable).with_name("mirograph")


def mirograph_run(server: OpenAIServer, tmp_path: Path, spec: str, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env |= {"PYTHONPATH": str(REPO), "LANGSMITH_TRACING": "false", "NO_COLOR": "1"}
    done = subprocess.run(
        [
            str(MIROGRAPH),
            "run",
            QUESTION,
            "--db",
            str(tmp_path / "runs.sqlite"),
            "--model",
            spec,
            "--base-url",
            server.url,
            "--tool",
            "tests.models.fixtures:lookup",
            "--verify",
            "rules",
            "--json",
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_native_run_sends_tools_natively_and_results_as_tool_messages(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.reply(
        {"tool_calls": [{"name": "lookup", "args": {"query": "capital of France"}}]},
        {"content": "Paris."},
    )
    result = mirograph_run(openai_server, tmp_path, "openai:test-model")
    assert (result["status"], result["answer"], result["tool_calls_used"]) == ("done", "Paris.", 1)
    first, second = openai_server.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["lookup"]
    assert second["messages"][-2]["tool_calls"] == [
        {
            "id": "call_1_0",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"query": "capital of France"}'},
        }
    ]
    assert second["messages"][-1] == {"content": FACT, "role": "tool", "tool_call_id": "call_1_0"}


def test_mirothinker_run_renders_tools_in_the_prompt_and_results_as_a_user_message(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    said = "I will look it up.\n" + CALL
    openai_server.reply({"content": said}, {"content": "It is Paris.\n\\boxed{Paris}"})
    result = mirograph_run(openai_server, tmp_path, "mirothinker:test-model", "--format", "boxed")
    assert (result["status"], result["answer"], result["tool_calls_used"]) == ("done", "Paris", 1)
    first, second = openai_server.requests
    assert "tools" not in first and "tools" not in second
    system = first["messages"][0]
    assert system["role"] == "system"
    assert "## Server name: tools\n### Tool name: lookup\n" in system["content"]
    assert second["messages"][-2:] == [
        {"content": said, "role": "assistant"},
        {"content": FACT, "role": "user"},
    ]
