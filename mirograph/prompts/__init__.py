"""Prompts are data: plain-text files, loaded once by name through the one loader here.

The research prompts live in this package; a package of its own may keep its prompts
beside it (`load_prompt("mirothinker_prompt", package="mirograph.models")`).

Keeping them out of node logic means they can be read, diffed and overridden
(`ResearchContext.system_prompt`) without touching code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str, package: str = __package__) -> str:
    """The text of `NAME.md` in `package` (default `mirograph.prompts`), without its
    trailing newline."""
    return resources.files(package).joinpath(f"{name}.md").read_text("utf-8").rstrip("\n")
