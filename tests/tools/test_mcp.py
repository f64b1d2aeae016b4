"""Tools from a tiny stdio MCP server written here with the `mcp` package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from langchain_core.tools import ToolException

from mirograph.errors import ConfigError
from mirograph.tools import aload_mcp_tools, load_mcp_tools, read_mcp_config

SERVER = '''
import os
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("lab")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool()
def getenv(name: str) -> str:
    """The server's value of an environment variable ('' when unset)."""
    return os.environ.get(name, "")


@mcp.tool()
def explode() -> str:
    """Always fails."""
    raise ValueError("the reactor is offline")


if __name__ == "__main__":
    mcp.run()
'''


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    path = tmp_path / "mcp.json"
    entry = {"command": sys.executable, "args": ["server.py"], "cwd": "."}
    path.write_text(json.dumps({"mcpServers": {"lab": entry}}), encoding="utf-8")
    return path


async def test_stdio_server_tools_are_loaded_and_called(config):
    tools = {tool.name: tool for tool in await aload_mcp_tools(config)}
    assert sorted(tools) == ["add", "explode", "getenv"]
    assert _text(await tools["add"].ainvoke({"a": 2, "b": 40})) == "42"


def _text(result: object) -> str:
    """The text of an MCP tool result (a string or a list of content blocks)."""
    if isinstance(result, str):
        return result
    return "".join(block["text"] for block in result if block.get("type") == "text")


def test_sync_loader_returns_tools_callable_from_sync_code(config):
    tools = {tool.name: tool for tool in load_mcp_tools(config)}
    assert _text(tools["add"].invoke({"a": 1, "b": 2})) == "3"


async def test_parent_secrets_are_not_passed_to_stdio_servers(config, monkeypatch):
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-planted-secret")
    tools = {tool.name: tool for tool in await aload_mcp_tools(config)}
    assert _text(await tools["getenv"].ainvoke({"name": "TAVILY_API_KEY"})) == ""


async def test_failing_mcp_tool_raises_tool_exception(config):
    tools = {tool.name: tool for tool in await aload_mcp_tools(config)}
    with pytest.raises(ToolException, match="the reactor is offline"):
        await tools["explode"].ainvoke({})


def test_http_entry_becomes_a_streamable_http_connection(tmp_path):
    path = tmp_path / "mcp.json"
    entry = {"url": "http://127.0.0.1:9/mcp", "headers": {"X-Team": "lab"}}
    path.write_text(json.dumps({"mcpServers": {"wiki": entry}}))
    assert read_mcp_config(path) == {
        "wiki": {
            "transport": "streamable_http",
            "url": "http://127.0.0.1:9/mcp",
            "headers": {"X-Team": "lab"},
        }
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"is not valid JSON"),
        ('{"servers": []}', r'has no "mcpServers" object'),
        ('{"mcpServers": {"x": {"args": []}}}', r"needs either a command \(stdio\) or a url"),
        ('{"mcpServers": {"x": {"url": "http://h/", "transport": "ws"}}}', r"transport must be"),
    ],
)
def test_bad_config_is_a_config_error(tmp_path, text, message):
    path = tmp_path / "mcp.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_mcp_config(path)


def test_missing_config_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist\.$"):
        read_mcp_config(tmp_path / "absent.json")
