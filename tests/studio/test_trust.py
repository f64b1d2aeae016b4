"""A served graph trusts its deployment, not its requests (a real `langgraph dev`).

The server here is deployed with an endpoint and a key (`MIROGRAPH_BASE_URL`,
`MIROGRAPH_API_KEY_ENV`), and holds a second secret in its environment. Two capture
servers run in its network namespace: the deployed endpoint and an attacker's. A request
that sets a deployment setting is refused before anything is imported, started or sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mirograph.deployment import RUN_SETTINGS
from tests.fixtures.capture import read_log
from tests.studio.conftest import REPO, Studio, can_isolate, free_port, serve

SECRET = "sk-server-secret-7f3a"
DEPLOYED_KEY = "sk-deployed-key-1c9e"
REAL_MODEL = "openai:gpt-4.1-mini"


@dataclass
class Served:
    server: Studio
    deployed_log: Path
    """Requests that reached the deployed endpoint."""
    attacker_url: str
    attacker_log: Path
    mark: Path
    """Written when `tests.fixtures.imported` is imported, or the MCP command runs."""

    def refused(self, path: str, body: dict[str, object]) -> str:
        """POST `body` to the API; the refusal's one sentence (HTTP 422)."""
        response = httpx.post(f"{self.server.url}{path}", json=body, timeout=30)
        assert response.status_code == 422, response.text
        return response.json()["detail"]

    def refused_run(self, context: dict[str, object]) -> str:
        thread = self.server.client().threads.create()["thread_id"]
        body = {"assistant_id": "research", "input": {"question": "Q?"}, "context": context}
        return self.refused(f"/threads/{thread}/runs/wait", body)

    def run(self, context: dict[str, object]) -> dict[str, object]:
        client = self.server.client()
        thread = client.threads.create()["thread_id"]
        return client.runs.wait(
            thread,
            "research",
            input={"question": "What is it?"},
            context={"verify": "rules", "tools": [], **context},
            raise_error=False,
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    deployed_port, attacker_port = free_port(), free_port()
    logs = tmp / "deployed.jsonl", tmp / "attacker.jsonl"
    capture = [sys.executable, "-m", "tests.fixtures.capture"]
    env = {
        "MIROGRAPH_BASE_URL": f"http://127.0.0.1:{deployed_port}/v1",
        "MIROGRAPH_API_KEY_ENV": "DEPLOYED_KEY",
        "DEPLOYED_KEY": DEPLOYED_KEY,
        "SERVER_SECRET": SECRET,
        "MIROGRAPH_MODELS": f"openai:*,scripted:{tmp}/*",
        "MIROGRAPH_TEST_IMPORT_MARK": str(tmp / "mark.txt"),
    }
    sidecars = (
        [*capture, str(deployed_port), str(logs[0])],
        [*capture, str(attacker_port), str(logs[1])],
    )
    with serve(tmp, isolated=can_isolate(), extra_env=env, sidecars=sidecars) as server:
        yield Served(
            server, logs[0], f"http://127.0.0.1:{attacker_port}/v1", logs[1], tmp / "mark.txt"
        )


def error_of(output: dict[str, object]) -> str:
    error = output.get("__error__")
    assert isinstance(error, dict), output
    return f"{error['error']}: {error['message']}"


def test_the_deployed_endpoint_gets_the_deployed_key(served: Served):
    """The control: capture servers are reachable, so an empty log below means nothing
    was sent, not that nothing could be."""
    before = len(read_log(served.deployed_log))
    served.run({"model": REAL_MODEL})
    sent = read_log(served.deployed_log)[before:]
    assert [(r["method"], r["path"]) for r in sent][:1] == [("POST", "/v1/chat/completions")]
    headers = {k.lower(): v for k, v in sent[0]["headers"].items()}  # type: ignore[attr-defined]
    assert headers["authorization"] == f"Bearer {DEPLOYED_KEY}"


def test_a_request_cannot_send_a_server_secret_to_its_own_endpoint(served: Served):
    before = len(read_log(served.deployed_log))
    reason = served.refused_run(
        {"model": REAL_MODEL, "base_url": served.attacker_url, "api_key_env": "SERVER_SECRET"}
    )
    assert reason.startswith(
        "setting base_url belongs to the deployment, not to a run: set MIROGRAPH_BASE_URL "
        "where the server runs (a run may set: model, summarizer_model, "
    )
    assert read_log(served.attacker_log) == []
    assert len(read_log(served.deployed_log)) == before


def test_a_request_cannot_choose_the_key_variable(served: Served):
    before = len(read_log(served.deployed_log))
    reason = served.refused_run({"model": REAL_MODEL, "api_key_env": "SERVER_SECRET"})
    assert reason.startswith("setting api_key_env belongs to the deployment")
    assert len(read_log(served.deployed_log)) == before


def test_an_assistant_or_old_style_configurable_cannot_either(served: Served):
    context = {"model": REAL_MODEL, "base_url": served.attacker_url}
    assistant = {"graph_id": "research", "context": context}
    assert served.refused("/assistants", assistant).startswith("setting base_url belongs")
    thread = served.server.client().threads.create()["thread_id"]
    run = {"assistant_id": "research", "input": {"question": "Q?"},
           "config": {"configurable": context}}  # fmt: skip
    assert served.refused(f"/threads/{thread}/runs", run).startswith("setting base_url")
    assert read_log(served.attacker_log) == []


def test_a_request_cannot_import_code(served: Served):
    reason = served.refused_run({"model": REAL_MODEL, "tools": ["tests.fixtures.imported:marked"]})
    assert reason == (
        "setting tools names tools, it cannot import code "
        "('tests.fixtures.imported:marked'): the deployment imports tools with MIROGRAPH_TOOLS"
    )
    assert not served.mark.exists()


def test_the_import_mark_works(tmp_path: Path):
    """The control for the test above: importing the module does leave the mark."""
    mark = tmp_path / "mark.txt"
    subprocess.run(
        [sys.executable, "-c", "import tests.fixtures.imported"],
        env={"MIROGRAPH_TEST_IMPORT_MARK": str(mark), "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        check=True,
    )
    assert mark.read_text().startswith("imported by ")


def test_a_request_cannot_start_an_mcp_command(served: Served):
    config = served.server.tmp / "mcp.json"
    command = {"command": "sh", "args": ["-c", f"echo ran > {served.mark}"], "transport": "stdio"}
    config.write_text(json.dumps({"mcpServers": {"evil": command}}))
    reason = served.refused_run({"model": REAL_MODEL, "mcp_config": str(config)})
    assert reason.startswith("setting mcp_config belongs to the deployment")
    assert not served.mark.exists()


@pytest.mark.parametrize("field", ["corpus", "fetch_allow"])
def test_a_request_cannot_set_paths_or_private_hosts(served: Served, field: str):
    value = ["10.0.0.0/8"] if field == "fetch_allow" else "/etc/passwd"
    reason = served.refused_run({"model": REAL_MODEL, field: value})
    assert reason.startswith(f"setting {field} belongs to the deployment")


def test_a_request_cannot_read_a_script_outside_the_deployed_folder(served: Served):
    assert served.refused_run({"model": "scripted:/etc/hostname"}) == (
        "setting model 'scripted:/etc/hostname' is not deployed here; choose "
        f"one of openai:*, scripted:{served.server.tmp}/*"
    )


def test_the_form_shows_run_settings_only(served: Served):
    client = served.server.client()
    [assistant] = client.assistants.search(graph_id="research")
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    assert list(schemas["context_schema"]["properties"]) == list(RUN_SETTINGS)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://evil.example", None),
        ("https://smith.langchain.com", "https://smith.langchain.com"),
        ("http://localhost:5173", "http://localhost:5173"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_only_studio_and_local_pages_may_drive_the_server(studio: Studio, origin, allowed):
    preflight = httpx.options(
        f"{studio.url}/threads",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") == allowed
    simple = httpx.get(f"{studio.url}/ok", headers={"Origin": origin}, timeout=10)
    assert simple.headers.get("access-control-allow-origin") == allowed


def test_a_wrong_run_setting_is_one_clear_refusal(served: Served):
    assert served.refused_run({"answer_format": "md", "max_tool_calls": 5}) == (
        "setting answer_format must be one of short, boxed, report, not 'md'"
    )
    assert served.refused_run({"max_tool_calls": "600"}) == (
        "setting max_tool_calls must be an integer, not '600'"
    )
