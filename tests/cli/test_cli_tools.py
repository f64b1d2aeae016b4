"""Tools enabled from the command line, called by scripted runs of the real command."""

from __future__ import annotations

import http.server
import json
import sys
import threading
from pathlib import Path

import pytest

from tests.cli.conftest import mirograph, thread_values
from tests.tools.test_mcp import SERVER
from tests.tools.test_mcp_sessions import SERVER as COUNTING_SERVER
from tests.tools.test_mcp_sessions import starts


def scripted(path: Path, call: dict, answer: str) -> Path:
    path.write_text(json.dumps([{"tool_calls": [call]}, answer]))
    return path


def tool_results(db: Path, thread: str) -> list[str]:
    return [m.content for m in thread_values(db, thread)["messages"] if m.type == "tool"]


def test_an_mcp_tool_from_mcp_config_is_called_by_a_run(tmp_path):
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    config = tmp_path / "mcp.json"
    entry = {"command": sys.executable, "args": ["server.py"], "cwd": "."}
    config.write_text(json.dumps({"mcpServers": {"lab": entry}}))
    script = scripted(tmp_path / "s.json", {"name": "add", "args": {"a": 2, "b": 40}}, "42.")
    db = tmp_path / "db.sqlite"
    result = mirograph(
        "run",
        "What is 2 + 40?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        "run_python",
        "--mcp-config",
        str(config),
        "--thread",
        "t",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "42."
    assert tool_results(db, "t") == ["42"]


def test_thirty_mcp_calls_in_one_run_start_the_server_once(tmp_path):
    (tmp_path / "server.py").write_text(COUNTING_SERVER, encoding="utf-8")
    log = tmp_path / "starts.log"
    entry = {"command": sys.executable, "args": ["server.py"], "env": {"STARTS_FILE": str(log)}}
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"lab": {**entry, "cwd": "."}}}))
    calls = [{"tool_calls": [{"name": "add", "args": {"a": i, "b": 1}}]} for i in range(30)]
    script = tmp_path / "s.json"
    script.write_text(json.dumps([*calls, "Done."]))
    db = tmp_path / "db.sqlite"
    result = mirograph(
        "run",
        "Count to thirty.",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        "run_python",
        "--mcp-config",
        str(config),
        "--thread",
        "t",
        "--verify",
        "off",
    )
    assert result.returncode == 0, result.stderr
    assert tool_results(db, "t") == [str(i + 1) for i in range(30)]
    assert starts(log) == 1


@pytest.fixture
def page_server():
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = (
                b"<html><head><title>Local notes</title></head><body><article><p>"
                + b"The intranet says the launch moved to Tuesday. " * 20
                + b"</p></article></body></html>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/notes"
    server.shutdown()


@pytest.mark.parametrize("allowed", [True, False], ids=["allowed", "refused"])
def test_fetch_allow_opens_a_private_host_for_fetch_page(tmp_path, page_server, allowed):
    script = scripted(
        tmp_path / "s.json", {"name": "fetch_page", "args": {"url": page_server}}, "Tuesday."
    )
    db = tmp_path / "db.sqlite"
    extra = ["--fetch-allow", "127.0.0.1/32"] if allowed else []
    result = mirograph(
        "run",
        "When is the launch?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        "fetch_page",
        *extra,
        "--thread",
        "t",
        "--verify",
        "off",
    )
    assert result.returncode == 0, result.stderr
    (content,) = tool_results(db, "t")
    if allowed:
        assert "The intranet says the launch moved to Tuesday." in content
    else:
        assert content.startswith("Error: ")
        assert "127.0.0.1" in content
