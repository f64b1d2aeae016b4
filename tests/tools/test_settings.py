"""tools_from_settings: the run's tools from its ResearchContext, read at the edge."""

from __future__ import annotations

import json
import sys

import pytest

from mirograph.context import ResearchContext
from mirograph.errors import ConfigError
from mirograph.tools import atools_from_settings, index_corpus, tools_from_settings
from tests.tools.test_mcp import SERVER


def names(tools) -> list[str]:
    return [tool.name for tool in tools]


def test_defaults_give_keyless_search_fetch_and_python():
    tools = tools_from_settings(ResearchContext(), env={})
    assert names(tools) == ["web_search", "fetch_page", "run_python"]
    assert tools[0].metadata == {"backend": "ddgs"}


def test_auto_backend_uses_tavily_when_the_key_is_in_env():
    tools = tools_from_settings(ResearchContext(), env={"TAVILY_API_KEY": "tvly-x"})
    assert tools[0].metadata == {"backend": "tavily"}


def test_ddgs_backend_ignores_a_present_key():
    ctx = ResearchContext(search_backend="ddgs")
    assert tools_from_settings(ctx, env={"TAVILY_API_KEY": "k"})[0].metadata == {"backend": "ddgs"}


def test_tavily_backend_without_a_key_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^The tavily search backend needs TAVILY_API_KEY"):
        tools_from_settings(ResearchContext(search_backend="tavily"), env={})


def test_none_backend_drops_web_search():
    ctx = ResearchContext(search_backend="none")
    assert names(tools_from_settings(ctx, env={})) == ["fetch_page", "run_python"]


def test_unknown_tool_name_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^Unknown tool 'browse'; choose from web_search"):
        tools_from_settings(ResearchContext(tools=("browse",)), env={})


def test_corpus_setting_adds_search_corpus(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nalpha")
    index_corpus(tmp_path / "docs", tmp_path / "c.db")
    ctx = ResearchContext(tools=("fetch_page",), corpus=str(tmp_path / "c.db"))
    assert names(tools_from_settings(ctx, env={})) == ["fetch_page", "search_corpus"]


def test_search_corpus_without_a_corpus_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^The search_corpus tool needs a corpus"):
        tools_from_settings(ResearchContext(tools=("search_corpus",)), env={})


def test_missing_corpus_path_is_a_config_error(tmp_path):
    ctx = ResearchContext(corpus=str(tmp_path / "absent.db"))
    with pytest.raises(ConfigError, match=r"does not exist; build it with"):
        tools_from_settings(ctx, env={})


def test_fetch_allow_list_opens_the_local_server(web_server):
    ctx = ResearchContext(tools=("fetch_page",), fetch_allow=("127.0.0.1/32",))
    (fetch_page,) = tools_from_settings(ctx, env={})
    assert "You can download Python 3.6.0 here" in fetch_page.invoke(
        {"url": web_server.url("/pages/blog.python.org.html")}
    )


async def test_mcp_config_adds_the_servers_tools(tmp_path):
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    config = tmp_path / "mcp.json"
    entry = {"command": sys.executable, "args": [str(tmp_path / "server.py")]}
    config.write_text(json.dumps({"mcpServers": {"lab": entry}}))
    ctx = ResearchContext(tools=("run_python",), mcp_config=str(config))
    tools = await atools_from_settings(ctx, env={})
    assert names(tools) == ["run_python", "add", "getenv", "explode"]


def test_missing_mcp_config_is_a_config_error(tmp_path):
    ctx = ResearchContext(mcp_config=str(tmp_path / "absent.json"))
    with pytest.raises(ConfigError, match=r"^MCP config '.*absent.json' does not exist\.$"):
        tools_from_settings(ctx, env={})
