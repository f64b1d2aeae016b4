"""Run settings: one frozen dataclass, the research graph's `context_schema`.

Every field has a type, a default and a description, so LangGraph Studio renders it as
a form. Settings are resolved once at the edge (CLI, `langgraph.json` factory, Python
caller) and injected; nodes never read the environment. Secrets never live here: API keys
are read from the environment by the model and tool clients at start-up.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from mirograph.choices import (
    CONTEXT_WINDOW_TOKENS,
    AnswerFormat,
    ReviewMode,
    SearchBackend,
    ToolProtocol,
    VerifyMode,
)
from mirograph.errors import ConfigError

__all__ = [
    "AnswerFormat",
    "ResearchContext",
    "ReviewMode",
    "SearchBackend",
    "ToolProtocol",
    "VerifyMode",
]


def _doc(title: str, description: str) -> Any:
    return Field(title=title, description=description)


@dataclass(frozen=True)
class ResearchContext:
    """Settings of one research run (LangGraph `context_schema`)."""

    model: Annotated[
        str,
        _doc(
            "Planner model",
            "provider:model (e.g. openai:gpt-4.1), mirothinker:MODEL, or scripted:PATH.",
        ),
    ] = ""
    base_url: Annotated[
        str, _doc("Base URL", "OpenAI-compatible endpoint (vLLM, SGLang, Ollama); empty: default.")
    ] = ""
    api_key_env: Annotated[
        str,
        _doc("API key variable", "Environment variable holding the API key; empty: provider's."),
    ] = ""
    summarizer_model: Annotated[
        str, _doc("Summarizer model", "Model string for summaries; empty: the planner's.")
    ] = ""
    verifier_model: Annotated[
        str, _doc("Verifier model", "Model string for LLM verification; empty: the planner's.")
    ] = ""
    tool_protocol: Annotated[
        ToolProtocol,
        _doc("Tool protocol", "native tool calling, MiroThinker text protocol, or auto."),
    ] = "auto"
    tool_choice: Annotated[
        str,
        _doc(
            "Tool choice",
            "Planner tool choice: empty (the model decides), required, or a tool name that "
            "every planner call must call; the text protocol ignores it.",
        ),
    ] = ""
    temperature: Annotated[
        float | None, _doc("Temperature", "Sampling temperature; MiroThinker recommends 1.0.")
    ] = None
    top_p: Annotated[float | None, _doc("Top-p", "Nucleus sampling; MiroThinker: 0.95.")] = None
    max_tokens: Annotated[
        int | None, _doc("Max output tokens", "Per model call; MiroThinker: 16384.")
    ] = None
    max_tool_calls: Annotated[
        int, _doc("Tool-call budget", "Most tool calls a run may make (parallel calls count).")
    ] = 600
    max_wall_seconds: Annotated[
        float,
        _doc(
            "Wall-time budget (s)",
            "Answer now this long after the run began (pauses count; forks restart it); 0: none.",
        ),
    ] = 0
    keep_tool_results: Annotated[
        int,
        _doc("Tool results kept (K)", "Only the K most recent tool results are shown; -1: all."),
    ] = 5
    max_tool_result_chars: Annotated[
        int,
        _doc(
            "Tool result limit",
            "Longer tool results are truncated with a marker; 0: from the window (the K kept "
            "results take about half of it).",
        ),
    ] = 0
    max_ai_turn_chars: Annotated[
        int,
        _doc(
            "Old AI turn limit",
            "AI turns older than the K most recent are shortened past this in the view; -1: never.",
        ),
    ] = 20_000
    context_window_tokens: Annotated[
        int, _doc("Context window", "Tokens the planner model accepts.")
    ] = CONTEXT_WINDOW_TOKENS
    summarize_at: Annotated[
        float,
        _doc("Summarize at", "Fold old turns into a summary past this fraction of the window."),
    ] = 0.8
    verify: Annotated[
        VerifyMode,
        _doc("Verification", "llm, rules, off; auto: llm for real models, rules for scripted."),
    ] = "auto"
    max_verifications: Annotated[
        int, _doc("Verification rounds", "Rejections sent back to the planner at most.")
    ] = 2
    answer_format: Annotated[
        AnswerFormat, _doc("Answer format", "short answer, \\boxed{} answer, or cited report.")
    ] = "short"
    search_backend: Annotated[
        SearchBackend,
        _doc("Search backend", "web_search backend; auto: Tavily with a key, else ddgs."),
    ] = "auto"
    tools: Annotated[
        tuple[str, ...],
        _doc("Tools", "Enabled tools by name; search_corpus needs a corpus."),
    ] = ("web_search", "fetch_page", "run_python")
    corpus: Annotated[
        str, _doc("Corpus", "Path of a corpus index built by `mirograph index`; enables it.")
    ] = ""
    fetch_allow: Annotated[
        tuple[str, ...],
        _doc("Fetch allow-list", "Private hosts or CIDRs fetch_page may reach (intranet)."),
    ] = ()
    mcp_config: Annotated[
        str, _doc("MCP config", "Path of a JSON file declaring MCP servers to load tools from.")
    ] = ""
    review: Annotated[
        ReviewMode,
        _doc("Human review", "Pause before tool execution or before the final answer."),
    ] = "none"
    system_prompt: Annotated[
        str, _doc("System prompt", "Replaces the default planner prompt; empty: default.")
    ] = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> ResearchContext:
        # Unknown names (a typo in Studio's JSON, an old script) fail here, named.
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; settings are: {', '.join(names)}")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        """Check every setting's type and choices now, so a wrong one is one clear error
        naming the field, whether it came from Python, the CLI or Studio's JSON."""
        for name, kind in _field_types(type(self)).items():
            value = _checked(name, kind, getattr(self, name))
            object.__setattr__(self, name, value)
        _check_ranges(self)

    def replace(self, **changes: Any) -> ResearchContext:
        """A copy with some settings changed (the context is frozen)."""
        return dataclasses.replace(self, **changes)

    def with_absolute_paths(self) -> ResearchContext:
        """A copy whose file paths (corpus, MCP config, `scripted:PATH` models) are
        absolute, resolved against the current folder: stored with a thread, they still
        work when it is resumed from another folder."""
        changes: dict[str, str] = {}
        for name in ("corpus", "mcp_config"):
            value = getattr(self, name)
            if value and not os.path.isabs(value):
                changes[name] = os.path.abspath(value)
        for name in ("model", "summarizer_model", "verifier_model"):
            provider, sep, path = getattr(self, name).partition(":")
            if sep and provider.strip().lower() == "scripted" and not os.path.isabs(path):
                changes[name] = f"scripted:{os.path.abspath(path)}"
        return self.replace(**changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able settings, as stored with a thread."""
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResearchContext:
        """Settings stored with a thread; unknown keys (older versions) are ignored."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


# -- validation ------------------------------------------------------------------------

# (lowest, highest, allowed text) per numeric field; None: no bound on that side.
_RANGES: dict[str, tuple[float | None, float | None, str]] = {
    "temperature": (0, None, "a number >= 0, or empty"),
    "top_p": (0, 1, "a number in (0, 1], or empty"),
    "max_tokens": (1, None, "an integer >= 1, or empty"),
    "max_tool_calls": (0, None, "an integer >= 0"),
    "max_wall_seconds": (0, None, "a number >= 0 (0: no limit)"),
    "keep_tool_results": (-1, None, "an integer >= -1 (-1: keep all)"),
    "max_tool_result_chars": (0, None, "an integer >= 0 (0: from the context window)"),
    "max_ai_turn_chars": (-1, None, "an integer >= -1 (-1: never shorten)"),
    "context_window_tokens": (1, None, "an integer >= 1"),
    "summarize_at": (0, 1, "a fraction in (0, 1]"),
    "max_verifications": (0, None, "an integer >= 0"),
}


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _describe(kind: Any) -> str:
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(kind))
    names = {str: "a string", int: "an integer", float: "a number", type(None): "empty (null)"}
    if typing.get_origin(kind) in (types.UnionType, typing.Union):
        return " or ".join(_describe(a) for a in typing.get_args(kind))
    if typing.get_origin(kind) is tuple:
        return "a list of strings"
    return names.get(kind, str(kind))


def _checked(name: str, kind: Any, value: Any) -> Any:
    """`value` as the field's type, or a `ConfigError` naming the field and what it takes."""
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        for option in typing.get_args(kind):
            try:
                return _checked(name, option, value)
            except ConfigError:
                continue
    elif origin is Literal:
        if isinstance(value, str) and value in typing.get_args(kind):
            return value
    elif origin is tuple:
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)  # JSON sends lists; tuples keep the context hashable
    elif kind is type(None):
        if value is None:
            return None
    elif kind is float:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and math.isfinite(value):
            return float(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)  # JSON numbers may arrive as 600.0
    elif isinstance(value, kind):
        return value
    raise ConfigError(f"setting {name} must be {_describe(kind)}, not {value!r}")


def _check_ranges(settings: ResearchContext) -> None:
    for name, (low, high, allowed) in _RANGES.items():
        value = getattr(settings, name)
        if value is None:
            continue
        open_low = name in ("top_p", "summarize_at")
        too_low = low is not None and (value <= low if open_low else value < low)
        if too_low or (high is not None and value > high):
            raise ConfigError(f"setting {name} must be {allowed}, not {value!r}")
