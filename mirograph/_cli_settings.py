"""Run settings that `resume` and `fork` may change for the rest of a thread or a branch.

Each option defaults to None: "keep what the thread stored". What is given replaces the
stored setting and is stored with the thread (resume) or the new branch (fork), so a
later plain `mirograph resume` keeps it. Paths are made absolute before they are stored.
`MIROGRAPH_MODEL` fills in the model only for a thread that stored none (a thread made in
Python with a model object); it never replaces a stored model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mirograph.choices import AnswerFormat, SearchBackend, ToolProtocol, VerifyMode

if TYPE_CHECKING:
    from mirograph.context import ResearchContext

_PANEL = "Run settings (default: as stored with the thread)"


def _opt(*names: str, help: str, **extra: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=_PANEL, **extra)


Model = Annotated[str | None, _opt("--model", help="PROVIDER:MODEL or scripted:PATH.")]
BaseUrl = Annotated[str | None, _opt("--base-url", help="OpenAI-compatible endpoint.")]
ApiKeyEnv = Annotated[
    str | None, _opt("--api-key-env", help="Environment variable holding the API key.")
]
Protocol = Annotated[ToolProtocol | None, _opt("--protocol", help="native, mirothinker or auto.")]
MaxToolCalls = Annotated[int | None, _opt("--max-tool-calls", min=0, help="Tool-call budget.")]
KeepToolResults = Annotated[
    int | None, _opt("--keep-tool-results", min=-1, help="Tool results shown in full; -1: all.")
]
Corpus = Annotated[Path | None, _opt("--corpus", help="Corpus index (from `mirograph index`).")]
Tools = Annotated[
    list[str] | None,
    _opt("--tool", help="Tools by name or module:attribute (repeatable; replaces the list)."),
]
Verify = Annotated[VerifyMode | None, _opt("--verify", help="Answer verification.")]
Format = Annotated[AnswerFormat | None, _opt("--format", help="short, boxed or report.")]
Search = Annotated[SearchBackend | None, _opt("--search-backend", help="web_search backend.")]
McpConfig = Annotated[Path | None, _opt("--mcp-config", help="JSON file of MCP servers.")]
ContextWindow = Annotated[
    int | None, _opt("--context-window", min=1, help="Tokens the model accepts.")
]
Temperature = Annotated[float | None, _opt("--temperature", help="Sampling temperature.")]
TopP = Annotated[float | None, _opt("--top-p", help="Nucleus sampling.")]
MaxTokens = Annotated[int | None, _opt("--max-tokens", help="Max output tokens per call.")]


def changed_settings(
    stored: ResearchContext,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    protocol: str | None = None,
    max_tool_calls: int | None = None,
    keep_tool_results: int | None = None,
    corpus: Path | None = None,
    tool: list[str] | None = None,
    verify: str | None = None,
    answer_format: str | None = None,
    search_backend: str | None = None,
    mcp_config: Path | None = None,
    context_window: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
) -> ResearchContext:
    """The stored settings with the given options applied, paths made absolute."""
    changes = {
        "model": model,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "tool_protocol": protocol,
        "max_tool_calls": max_tool_calls,
        "keep_tool_results": keep_tool_results,
        "corpus": str(corpus) if corpus is not None else None,
        "tools": tuple(tool) if tool else None,
        "verify": verify,
        "answer_format": answer_format,
        "search_backend": search_backend,
        "mcp_config": str(mcp_config) if mcp_config is not None else None,
        "context_window_tokens": context_window,
        "temperature": temperature,
        "top_p": top_p,
        "max_tokens": max_tokens,
    }
    given = {key: value for key, value in changes.items() if value is not None}
    if not stored.model and "model" not in given and os.environ.get("MIROGRAPH_MODEL"):
        given["model"] = os.environ["MIROGRAPH_MODEL"]
    return stored.replace(**given).with_absolute_paths()
