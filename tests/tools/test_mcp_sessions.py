"""MCP sessions live as long as the run: real stdio and HTTP servers, starts counted."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.tools import ToolException

from mirograph.errors import ConfigError
from mirograph.tools import aload_mcp_tools, close_tools, load_mcp_tools

# Every start appends a line to STARTS_FILE; `whoami` names the session serving the call.
SERVER = '''
import os
import sys

from mcp.server.fastmcp import Context, FastMCP

with open(os.environ["STARTS_FILE"], "a", encoding="utf-8") as starts:
    starts.write(f"{os.getpid()}\\n")

mcp = FastMCP("lab", port=int(os.environ.get("PORT", "0")) or 8000)


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool()
def whoami(ctx: Context) -> str:
    """The process and session serving this call."""
    return f"{os.getpid()}/{id(ctx.session)}"


@mcp.tool()
def die() -> str:
    """End the server process at once."""
    os._exit(1)


if __name__ == "__main__":
    mcp.run(sys.argv[1] if len(sys.argv) > 1 else "stdio")
'''


def starts(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def wait_until_dead(pid: int) -> None:
    """Until the process is a zombie or gone (event-based: its /proc state); fails after 10 s."""
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(1000):
        if not stat.exists() or stat.read_text().split(") ", 1)[1].startswith(("Z", "X")):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} is still running")


def _text(result: object) -> str:
    if isinstance(result, str):
        return result
    return "".join(block["text"] for block in result if block.get("type") == "text")


@pytest.fixture
def lab(tmp_path: Path) -> tuple[Path, Path]:
    """(config path, starts file) of one stdio server."""
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    log = tmp_path / "starts.log"
    entry = {
        "command": sys.executable,
        "args": ["server.py"],
        "cwd": ".",
        "env": {"STARTS_FILE": str(log)},
    }
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"lab": entry}}), encoding="utf-8")
    return config, log


def test_listing_and_thirty_sync_calls_start_the_server_once(lab):
    config, log = lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    try:
        results = [_text(tools["add"].invoke({"a": i, "b": 1})) for i in range(30)]
        whoami = {_text(tools["whoami"].invoke({})) for _ in range(3)}
    finally:
        close_tools(tools.values())
    assert results == [str(i + 1) for i in range(30)]
    assert len(whoami) == 1
    assert starts(log) == 1


async def test_parallel_first_calls_share_one_start(lab):
    config, log = lab
    tools = {tool.name: tool for tool in await aload_mcp_tools(config)}
    close_tools(tools.values())  # no session now: the parallel calls below race to open it
    try:
        # From threads (as LangGraph runs sync tasks) and from this loop, all at once.
        in_threads = [asyncio.to_thread(tools["whoami"].invoke, {}) for _ in range(4)]
        on_loop = [tools["whoami"].ainvoke({}) for _ in range(4)]
        served = {_text(r) for r in await asyncio.gather(*in_threads, *on_loop)}
    finally:
        close_tools(tools.values())
    assert len(served) == 1
    assert starts(log) == 2  # the listing's session, then one shared by all eight calls


def test_a_server_killed_between_calls_is_restarted_and_the_call_answered(lab):
    config, log = lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    try:
        before = _text(tools["whoami"].invoke({}))
        pid = int(before.split("/")[0])
        os.kill(pid, signal.SIGKILL)
        wait_until_dead(pid)
        after = _text(tools["add"].invoke({"a": 2, "b": 2}))
        again = _text(tools["whoami"].invoke({}))
    finally:
        close_tools(tools.values())
    assert (after, again != before) == ("4", True)
    assert starts(log) == 2


def test_a_call_the_server_dies_during_is_reported_not_repeated(lab):
    config, log = lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    try:
        with pytest.raises(ToolException) as caught:
            tools["die"].invoke({})
        after = _text(tools["add"].invoke({"a": 1, "b": 1}))
    finally:
        close_tools(tools.values())
    assert str(caught.value) == (
        "MCP server 'lab' exited during the call to die; it is restarted for the next call"
    )
    assert after == "2"
    assert starts(log) == 2


def test_closed_sessions_stop_the_server_process(lab):
    config, log = lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    pid = int(_text(tools["whoami"].invoke({})).split("/")[0])
    close_tools(tools.values())
    with pytest.raises(ProcessLookupError):
        for _ in range(200):  # the SDK waits for the process; it is gone when close returns
            os.kill(pid, 0)
            time.sleep(0.05)
    assert starts(log) == 1


def test_a_server_that_cannot_start_is_one_error_naming_it(tmp_path):
    config = tmp_path / "mcp.json"
    entry = {"command": str(tmp_path / "no-such-server"), "args": []}
    config.write_text(json.dumps({"mcpServers": {"ghost": entry}}))
    with pytest.raises(ConfigError) as caught:
        load_mcp_tools(config)
    assert str(caught.value).startswith("MCP server 'ghost' could not be started or reached (")
    assert "\n" not in str(caught.value)


def test_a_server_that_exits_at_once_is_one_error_naming_it(tmp_path):
    config = tmp_path / "mcp.json"
    entry = {"command": sys.executable, "args": ["-c", "raise SystemExit(3)"]}
    config.write_text(json.dumps({"mcpServers": {"quitter": entry}}))
    with pytest.raises(ConfigError, match=r"^MCP server 'quitter' could not be started"):
        load_mcp_tools(config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HttpServer:
    """A streamable-HTTP server process on a fixed free loopback port; restartable."""

    def __init__(self, folder: Path) -> None:
        (folder / "server.py").write_text(SERVER, encoding="utf-8")
        self.folder, self.log, self.port = folder, folder / "starts.log", _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "STARTS_FILE": str(self.log), "PORT": str(self.port)}
        self.process = subprocess.Popen(
            [sys.executable, "server.py", "streamable-http"],
            cwd=self.folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):  # until the port accepts connections; fail if it never does
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the HTTP MCP server never listened")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def http_lab(tmp_path: Path):
    """(config path, server) of one streamable-HTTP server on a free loopback port."""
    server = HttpServer(tmp_path)
    config = tmp_path / "mcp.json"
    entry = {"url": f"http://127.0.0.1:{server.port}/mcp", "transport": "streamable_http"}
    config.write_text(json.dumps({"mcpServers": {"wiki": entry}}))
    server.start()
    try:
        yield config, server
    finally:
        server.stop()


def test_http_server_calls_share_one_session(http_lab):
    config, _server = http_lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    try:
        sums = [_text(tools["add"].invoke({"a": i, "b": i})) for i in range(10)]
        served = {_text(tools["whoami"].invoke({})) for _ in range(5)}
    finally:
        close_tools(tools.values())
    assert sums == [str(2 * i) for i in range(10)]
    assert len(served) == 1


def test_a_restarted_http_server_gets_a_new_session_and_the_call_answered(http_lab):
    config, server = http_lab
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    try:
        before = _text(tools["whoami"].invoke({}))
        server.stop()
        server.start()  # forgets every session: the next call is refused with a 404
        after = _text(tools["add"].invoke({"a": 3, "b": 4}))
        again = _text(tools["whoami"].invoke({}))
    finally:
        close_tools(tools.values())
    assert (after, again != before) == ("7", True)
    assert starts(server.log) == 2
