"""Tools from MCP servers declared in a local config file, via langchain-mcp-adapters.

The config is the common `mcpServers` JSON (Claude Desktop, Cursor):

```json
{"mcpServers": {
  "files": {"command": "uvx", "args": ["mcp-server-filesystem", "/data"], "env": {"X": "1"}},
  "wiki":  {"url": "http://127.0.0.1:8000/mcp", "transport": "streamable_http",
            "headers": {"Authorization": "Bearer ..."}}
}}
```

Configs come only from files the user names (`--mcp-config PATH`, the `mcp_config`
setting) — never from model output or the network — because a stdio entry runs a command.
Stdio servers get only the MCP SDK's minimal environment plus the entry's `env`, so our API
keys are not passed on. Errors in the file are the user's: `ConfigError`, one sentence.

Each server has one session for the whole run (`mcp_sessions.McpSessions`): listing its
tools opens it, every call reuses it, `close_tools` ends it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import Field

from mirograph.errors import ConfigError
from mirograph.tools.blocking import run_blocking, with_sync_call

if TYPE_CHECKING:  # the MCP SDK loads only when a config is used
    from mcp.types import CallToolResult

    from mirograph.tools.mcp_sessions import McpSessions

_HTTP_TRANSPORTS = {"streamable_http": "streamable_http", "http": "streamable_http", "sse": "sse"}


def _connection(name: str, entry: Any, base: Path) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ConfigError(f"MCP server {name!r} must be a JSON object.")
    if "command" in entry:
        args = entry.get("args", [])
        env = entry.get("env")
        if not isinstance(entry["command"], str) or not isinstance(args, list):
            raise ConfigError(f"MCP server {name!r}: command must be a string, args a list.")
        if env is not None and not isinstance(env, dict):
            raise ConfigError(f"MCP server {name!r}: env must be an object of strings.")
        connection: dict[str, Any] = {
            "transport": "stdio",
            "command": entry["command"],
            "args": [str(arg) for arg in args],
            "env": {str(k): str(v) for k, v in env.items()} if env else None,
        }
        if entry.get("cwd"):
            connection["cwd"] = str(base / entry["cwd"])
        return connection
    if "url" in entry:
        transport = _HTTP_TRANSPORTS.get(entry.get("transport", "streamable_http"))
        if transport is None:
            raise ConfigError(
                f"MCP server {name!r}: transport must be streamable_http, http or sse."
            )
        connection = {"transport": transport, "url": str(entry["url"])}
        if entry.get("headers"):
            connection["headers"] = {str(k): str(v) for k, v in entry["headers"].items()}
        return connection
    raise ConfigError(f"MCP server {name!r} needs either a command (stdio) or a url (HTTP).")


def read_mcp_config(config_path: str | Path) -> dict[str, dict[str, Any]]:
    """Server name -> langchain-mcp-adapters connection, from a local JSON file."""
    path = Path(config_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"MCP config {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"MCP config {str(path)!r} cannot be read: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"MCP config {str(path)!r} is not valid JSON ({exc.msg}).") from None
    servers = data.get("mcpServers", data.get("servers")) if isinstance(data, dict) else None
    if not isinstance(servers, dict) or not servers:
        raise ConfigError(f'MCP config {str(path)!r} has no "mcpServers" object.')
    base = path.resolve().parent
    return {str(name): _connection(str(name), entry, base) for name, entry in servers.items()}


class McpTool(StructuredTool):
    """A tool of an MCP server, called over the run-long session of `sessions`."""

    sessions: Any = Field(exclude=True)
    """The `McpSessions` this tool's calls go through."""


class _ServerSession:
    """What the adapters call a session: calls go to the server's shared live session."""

    def __init__(self, sessions: McpSessions, server: str) -> None:
        self.sessions = sessions
        self.server = server

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, **_options: Any
    ) -> CallToolResult:
        return await self.sessions.call_tool(self.server, name, arguments)


async def aload_mcp_tools(
    config_path: str | Path, *, tool_name_prefix: bool = False
) -> list[BaseTool]:
    """Connect to every server in the config and return its tools.

    Listing a server's tools opens its session, and every call reuses it (see
    `mcp_sessions`); `close_tools(tools)` ends the sessions, and a later call reopens one.
    A server that cannot be started is a `ConfigError` naming it.
    """
    from langchain_mcp_adapters.tools import convert_mcp_tool_to_langchain_tool

    from mirograph.tools.mcp_sessions import McpSessions, ServerUnavailable

    sessions = McpSessions(read_mcp_config(config_path))
    tools: list[BaseTool] = []
    try:
        for name in sessions.connections:
            for listed in await sessions.list_tools(name):
                converted = convert_mcp_tool_to_langchain_tool(
                    _ServerSession(sessions, name),  # type: ignore[arg-type]
                    listed,
                    server_name=name,
                    tool_name_prefix=tool_name_prefix,
                    # Raise ToolException on a failed call, like our own tools, so the
                    # executor reports every tool failure the same way.
                    handle_tool_errors=False,
                )
                fields = {key: getattr(converted, key) for key in StructuredTool.model_fields}
                tools.append(with_sync_call(McpTool(**fields, sessions=sessions)))
    except ServerUnavailable as exc:
        sessions.close()
        raise ConfigError(f"{exc}.") from exc
    return tools


def close_tools(tools: Iterable[BaseTool]) -> None:
    """End the MCP sessions behind `tools` (servers exit); other tools are left alone."""
    pools = {id(t.sessions): t.sessions for t in tools if isinstance(t, McpTool)}
    for pool in pools.values():
        pool.close()


def load_mcp_tools(config_path: str | Path, *, tool_name_prefix: bool = False) -> list[BaseTool]:
    """Sync wrapper of `aload_mcp_tools`; safe to call while an event loop is running."""
    return run_blocking(lambda: aload_mcp_tools(config_path, tool_name_prefix=tool_name_prefix))
