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
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.tools import BaseTool, StructuredTool

from mirograph.errors import ConfigError

T = TypeVar("T")
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


async def aload_mcp_tools(
    config_path: str | Path, *, tool_name_prefix: bool = False
) -> list[BaseTool]:
    """Connect to every server in the config and return its tools (async tools).

    Each tool call opens a fresh session to its server (the adapters' default), so a crashed
    server costs one failed call, not the run.
    """
    from langchain_mcp_adapters.client import MultiServerMCPClient

    connections = read_mcp_config(config_path)
    client = MultiServerMCPClient(
        connections,  # type: ignore[arg-type]
        tool_name_prefix=tool_name_prefix,
        # Raise ToolException on a failed call, like our own tools, so the executor reports
        # every tool failure the same way.
        handle_tool_errors=False,
    )
    tools: list[BaseTool] = []
    for name in connections:
        try:
            loaded = await client.get_tools(server_name=name)
            tools.extend(_with_sync_call(tool) for tool in loaded)
        except (OSError, ExceptionGroup, TimeoutError) as exc:
            raise ConfigError(
                f"MCP server {name!r} could not be started or reached ({type(exc).__name__})."
            ) from exc
    return tools


def _run_blocking(make_coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    # Inside a running loop (notebooks, async servers): a private loop in a worker thread.
    result: list[T] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(asyncio.run(make_coro()))
        except BaseException as exc:  # handed to the caller's thread below
            error.append(exc)

    thread = threading.Thread(target=worker, name="mirograph-mcp")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _with_sync_call(tool: BaseTool) -> BaseTool:
    """Give an async-only MCP tool a sync entry point, so `invoke` works like ours."""
    if isinstance(tool, StructuredTool) and tool.func is None and tool.coroutine is not None:
        coroutine = tool.coroutine

        def call_blocking(**arguments: Any) -> Any:
            return _run_blocking(lambda: coroutine(**arguments))

        tool.func = call_blocking
    return tool


def load_mcp_tools(config_path: str | Path, *, tool_name_prefix: bool = False) -> list[BaseTool]:
    """Sync wrapper of `aload_mcp_tools`; safe to call while an event loop is running."""
    return _run_blocking(lambda: aload_mcp_tools(config_path, tool_name_prefix=tool_name_prefix))
