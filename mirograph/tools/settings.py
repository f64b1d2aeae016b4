"""Build the run's tools from its settings — the edge where environment is read.

`tools_from_settings(ctx, env=os.environ)` is called once by the CLI or the langgraph.json
factory; the tools it returns never look at the environment again. Settings that cannot
work raise `ConfigError` before any research starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from langchain_core.tools import BaseTool

from mirograph.context import ResearchContext
from mirograph.errors import ConfigError
from mirograph.tools.corpus import make_search_corpus
from mirograph.tools.fetch import make_fetch_page
from mirograph.tools.mcp import aload_mcp_tools, load_mcp_tools
from mirograph.tools.python_sandbox import make_run_python
from mirograph.tools.search import make_web_search
from mirograph.tools.ssrf import AllowList

BUILTIN_TOOLS = ("web_search", "search_corpus", "fetch_page", "run_python")


def _builtin_tools(ctx: ResearchContext, env: Mapping[str, str]) -> list[BaseTool]:
    unknown = [name for name in ctx.tools if name not in BUILTIN_TOOLS]
    if unknown:
        raise ConfigError(f"Unknown tool {unknown[0]!r}; choose from {', '.join(BUILTIN_TOOLS)}.")
    names = list(dict.fromkeys(ctx.tools))
    if ctx.corpus and "search_corpus" not in names:
        names.append("search_corpus")
    if "search_corpus" in names and not ctx.corpus:
        raise ConfigError("The search_corpus tool needs a corpus: pass --corpus PATH.")
    if ctx.mcp_config and not Path(ctx.mcp_config).is_file():
        raise ConfigError(f"MCP config {ctx.mcp_config!r} does not exist.")
    try:
        AllowList(ctx.fetch_allow)
    except ValueError as exc:
        raise ConfigError(f"Bad fetch allow-list entry: {exc}.") from None

    tools: list[BaseTool] = []
    for name in names:
        if name == "web_search":
            if ctx.search_backend == "none":
                continue
            key = env.get("TAVILY_API_KEY") or None
            if ctx.search_backend == "ddgs":
                key = None
            tools.append(make_web_search(ctx.search_backend, api_key=key))
        elif name == "search_corpus":
            tools.append(make_search_corpus(ctx.corpus))
        elif name == "fetch_page":
            tools.append(make_fetch_page(allow=ctx.fetch_allow))
        elif name == "run_python":
            tools.append(make_run_python())
    return tools


def tools_from_settings(ctx: ResearchContext, *, env: Mapping[str, str]) -> list[BaseTool]:
    """The enabled tools, MCP tools included; raises `ConfigError` for impossible settings.

    `search_backend="tavily"` needs `TAVILY_API_KEY` in `env`; `"auto"` uses Tavily when the
    key is there and ddgs otherwise; `"none"` drops web_search. A corpus enables search_corpus.
    """
    tools = _builtin_tools(ctx, env)
    if ctx.mcp_config:
        tools.extend(load_mcp_tools(ctx.mcp_config))
    _check_unique(tools)
    return tools


async def atools_from_settings(ctx: ResearchContext, *, env: Mapping[str, str]) -> list[BaseTool]:
    """`tools_from_settings` for async callers (loads MCP servers on the caller's loop)."""
    tools = _builtin_tools(ctx, env)
    if ctx.mcp_config:
        tools.extend(await aload_mcp_tools(ctx.mcp_config))
    _check_unique(tools)
    return tools


def _check_unique(tools: list[BaseTool]) -> None:
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            raise ConfigError(
                f"Two tools are named {tool.name!r}; rename the MCP server's tool or disable ours."
            )
        seen.add(tool.name)
