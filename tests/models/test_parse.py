"""The MiroThinker text protocol parser and `\\boxed{}` extraction, on real-shaped replies."""

from __future__ import annotations

import pytest

from mirograph.models.mirothinker import ToolCallParseError, extract_boxed, parse_tool_calls


def block(args: str, name: str = "web_search", server: str = "tools") -> str:
    return (
        f"<use_mcp_tool>\n<server_name>{server}</server_name>\n<tool_name>{name}</tool_name>\n"
        f"<arguments>\n{args}\n</arguments>\n</use_mcp_tool>"
    )


SERVERS = {"web_search": "tools", "fetch_page": "tools", "run_python": "sandbox"}

PARSES = {
    "one block": (
        "I need the population first.\n\n" + block('{"query": "population of Lyon 2024"}'),
        [{"server": "tools", "name": "web_search", "args": {"query": "population of Lyon 2024"}}],
    ),
    "several blocks in order": (
        block('{"query": "a"}') + "\n" + block('{"url": "https://x.org/b"}', "fetch_page"),
        [
            {"server": "tools", "name": "web_search", "args": {"query": "a"}},
            {"server": "tools", "name": "fetch_page", "args": {"url": "https://x.org/b"}},
        ],
    ),
    "escaped quotes": (
        block('{"query": "the \\"Bourbaki\\" group founding year"}'),
        [
            {
                "server": "tools",
                "name": "web_search",
                "args": {"query": 'the "Bourbaki" group founding year'},
            }
        ],
    ),
    "escaped and literal newlines": (
        block('{"code": "x = 1\\nprint(x)\n"}', "run_python", "sandbox"),
        [{"server": "sandbox", "name": "run_python", "args": {"code": "x = 1\nprint(x)\n"}}],
    ),
    "nested objects and lists": (
        block('{"query": "q", "filters": {"site": ["a.org", "b.org"], "year": {"gte": 2020}}}'),
        [
            {
                "server": "tools",
                "name": "web_search",
                "args": {
                    "query": "q",
                    "filters": {"site": ["a.org", "b.org"], "year": {"gte": 2020}},
                },
            }
        ],
    ),
    "broken JSON repaired (missing brace, trailing comma)": (
        block('{"query": "Nobel prize 1921 physics", "max_results": 5,'),
        [
            {
                "server": "tools",
                "name": "web_search",
                "args": {"query": "Nobel prize 1921 physics", "max_results": 5},
            }
        ],
    ),
    "broken JSON repaired (single quotes, unquoted key)": (
        block("{query: 'Einstein photoelectric'}"),
        [{"server": "tools", "name": "web_search", "args": {"query": "Einstein photoelectric"}}],
    ),
    "wrong server name corrected from the tool name": (
        block('{"code": "1+1"}', "run_python", "tool-python"),
        [{"server": "sandbox", "name": "run_python", "args": {"code": "1+1"}}],
    ),
    "text after the block": (
        block('{"query": "q"}') + "\n\nI will wait for the result.",
        [{"server": "tools", "name": "web_search", "args": {"query": "q"}}],
    ),
    "block inside <think> ignored": (
        "<think>Maybe "
        + block('{"query": "draft"}')
        + " no, better:</think>\n"
        + block('{"query": "final"}'),
        [{"server": "tools", "name": "web_search", "args": {"query": "final"}}],
    ),
    "block before an orphan </think> ignored (template opened the thought)": (
        "Let me try " + block('{"query": "draft"}') + "</think>\nThe answer is \\boxed{4}.",
        [],
    ),
    "no block at all: a final answer": (
        "<think>Everything checks out.</think>\nThe capital is Paris.\n\n\\boxed{Paris}",
        [],
    ),
    "empty arguments": (block(""), [{"server": "tools", "name": "web_search", "args": {}}]),
    "arguments in a code fence": (
        block('```json\n{"query": "q"}\n```'),
        [{"server": "tools", "name": "web_search", "args": {"query": "q"}}],
    ),
}


@pytest.mark.parametrize("text, expected", PARSES.values(), ids=PARSES.keys())
def test_parse_tool_calls(text: str, expected: list[dict]) -> None:
    assert parse_tool_calls(text, SERVERS) == expected


def test_without_known_tools_the_server_name_is_kept_as_written() -> None:
    assert parse_tool_calls(block('{"code": "1"}', "run_python", "tool-python")) == [
        {"server": "tool-python", "name": "run_python", "args": {"code": "1"}}
    ]


FAILURES = {
    "arguments beyond repair": (block("search for the capital of France"), "not a JSON object"),
    "a list instead of an object": (block('["a", "b"]'), "not a JSON object"),
    "no tool name": (
        "<use_mcp_tool><server_name>tools</server_name><arguments>{}</arguments></use_mcp_tool>",
        "no <tool_name>",
    ),
    "unknown tool": (block("{}", "web_browse"), "unknown tool 'web_browse'"),
    "unclosed block (reply cut off)": (
        "<use_mcp_tool>\n<server_name>tools</server_name>\n<tool_name>web_search</tool_name>\n"
        '<arguments>\n{"query": "q',
        "not closed",
    ),
}


@pytest.mark.parametrize("text, message", FAILURES.values(), ids=FAILURES.keys())
def test_unparseable_blocks_raise(text: str, message: str) -> None:
    with pytest.raises(ToolCallParseError, match=message):
        parse_tool_calls(text, SERVERS)


BOXED = {
    "simple": ("The answer is \\boxed{42}.", "42"),
    "nested braces": ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
    "several boxes: the last wins": ("First \\boxed{3}, corrected: \\boxed{5}", "5"),
    "unclosed box runs to the end": ("So \\boxed{Marie Curie", "Marie Curie"),
    "set with braces": ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
    "placeholder ?": ("\\boxed{?}", None),
    "placeholder ...": ("\\boxed{...}", None),
    "placeholder unknown": ("\\boxed{Unknown}", None),
    "no box": ("The answer is 42.", None),
}


@pytest.mark.parametrize("text, expected", BOXED.values(), ids=BOXED.keys())
def test_extract_boxed(text: str, expected: str | None) -> None:
    assert extract_boxed(text) == expected
