"""A tool for CLI tests (`--tool tests.verify.tools:lookup_note`): corpus-style sources."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool


@tool(response_format="content_and_artifact")
def lookup_note(topic: str) -> tuple[str, dict[str, Any]]:
    """Look up a note about a topic in the local notes."""
    uri = f"corpus://notes/{topic}.md"
    return f"{uri}\nNotes on {topic}: the answer is 42.", {
        "sources": [{"url": uri, "title": f"Notes on {topic}"}]
    }
