"""A deterministic tool for end-to-end runs (`--tool tests.models.fixtures:lookup`)."""

from __future__ import annotations

from langchain_core.tools import tool

FACTS = {
    "capital of france": "Paris is the capital of France.",
    "tallest mountain": "Mount Everest (8,849 m) is the tallest mountain above sea level.",
}

# A question, the fact `lookup` returns for it, and MiroThinker turns calling it.
QUESTION = "What is the capital of France?"
FACT = "Paris is the capital of France."
CALL = (
    "<use_mcp_tool>\n<server_name>tools</server_name>\n<tool_name>lookup</tool_name>\n"
    '<arguments>\n{"query": "capital of France"}\n</arguments>\n</use_mcp_tool>'
)
BROKEN = (
    "<use_mcp_tool>\n<server_name>tools</server_name>\n<tool_name>lookup</tool_name>\n"
    "<arguments>\nthe capital of France please\n</arguments>\n</use_mcp_tool>"
)


@tool
def lookup(query: str) -> str:
    """Look up a short fact by its topic, e.g. "capital of France"."""
    return FACTS.get(query.strip().lower(), f"No entry for {query!r}.")
