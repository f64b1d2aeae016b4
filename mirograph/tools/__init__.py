"""The agent's tools: web search, local corpus, page fetching, a Python sandbox, MCP.

Stable tool names: `web_search`, `search_corpus`, `fetch_page`, `run_python`. The instances
exported here use default settings (web_search is the keyless ddgs backend, fetch_page has
an empty allow-list); factories build configured ones, and `tools_from_settings` builds a
run's tools from its `ResearchContext` (reading `TAVILY_API_KEY` there, at the edge).
There is no default `search_corpus`: it needs a corpus (`make_search_corpus(path)`).

Your own tools report their sources (what the verifier lets an answer cite) in one of two
ways (`mirograph.answers.sources`):

```python
@tool
def lookup(query: str) -> str:  # plain text: every URL / corpus:// URI in it counts
    return f"{query}: 42, says https://example.org/answer"

@tool(response_format="content_and_artifact")
def titled_lookup(query: str) -> tuple[str, dict]:  # declared: titles; text not scanned
    return "42", {"sources": [{"url": "https://example.org/answer", "title": "The answer"}]}
```
The built-in tools declare their sources, so the links inside a fetched page never count
as retrieved; an error result reports none.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "mirograph.tools._retry": ("RateLimiter", "RetryPolicy", "shared_rate_limiter"),
    "mirograph.tools.corpus": ("IndexReport", "index_corpus", "make_search_corpus"),
    "mirograph.tools.fetch": ("make_fetch_page",),
    "mirograph.tools.mcp": ("aload_mcp_tools", "close_tools", "load_mcp_tools", "read_mcp_config"),
    "mirograph.tools.python_sandbox": ("make_run_python", "probe_sandbox"),
    "mirograph.tools.search": ("make_web_search",),
    "mirograph.tools.settings": ("BUILTIN_TOOLS", "atools_from_settings", "tools_from_settings"),
    "mirograph.tools.ssrf": ("AllowList", "BlockedURL", "check_url"),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}
_DEFAULT_TOOLS = {
    "web_search": ("make_web_search", ("ddgs",)),
    "fetch_page": ("make_fetch_page", ()),
    "run_python": ("make_run_python", ()),
}


def __getattr__(name: str) -> Any:
    """Import on first use (PEP 562): importing one tool module, as the executor imports
    `tools.blocking`, must not load trafilatura, pypdf and every backend."""
    if name in _DEFAULT_TOOLS:
        factory, args = _DEFAULT_TOOLS[name]
        value = __getattr__(factory)(*args)
    elif name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BUILTIN_TOOLS",
    "AllowList",
    "BlockedURL",
    "IndexReport",
    "RateLimiter",
    "RetryPolicy",
    "aload_mcp_tools",
    "atools_from_settings",
    "check_url",
    "close_tools",
    "fetch_page",
    "index_corpus",
    "load_mcp_tools",
    "make_fetch_page",
    "make_run_python",
    "make_search_corpus",
    "make_web_search",
    "probe_sandbox",
    "read_mcp_config",
    "run_python",
    "shared_rate_limiter",
    "tools_from_settings",
    "web_search",
]
