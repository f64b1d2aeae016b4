"""Prompts are data: plain-text files in this package, loaded once by name.

Keeping them out of node logic means they can be read, diffed and overridden
(`ResearchContext.system_prompt`) without touching code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str) -> str:
    """The text of `mirograph/prompts/NAME.md`, without its trailing newline."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text("utf-8").rstrip("\n")
