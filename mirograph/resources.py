"""The objects a run works with: models and tools, given or resolved from settings.

Python callers hand model and tool objects to `build_research_graph`; Studio and the CLI
name them in `ResearchContext` by string. `Resources` serves both: nodes ask it for the
planner model or the tools of *this run's* settings, and it resolves strings once per
distinct setting (cached), so nodes never read the environment or build clients.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool

from mirograph.context import ResearchContext
from mirograph.deployment import Deployment
from mirograph.errors import ConfigError
from mirograph.loading import load_attribute
from mirograph.memory.tokens import TokenCounter, estimate_tokens
from mirograph.models.resolve import resolve_model

Role = Literal["planner", "summarizer", "verifier"]
ToolFactory = Callable[[ResearchContext], Sequence[BaseTool]]


def default_tool_factory(
    settings: ResearchContext, env: Mapping[str, str] | None = None
) -> Sequence[BaseTool]:
    """The tools the settings enable: built-in names, plus `module:attribute` imports.

    `env` holds the keys tools read (e.g. `TAVILY_API_KEY`); `Resources` passes the
    environment it captured when it was built, at the edge, never a node's `os.environ`.
    """
    from mirograph.tools import tools_from_settings

    imported = [name for name in settings.tools if ":" in name]
    builtin = settings.replace(tools=tuple(n for n in settings.tools if ":" not in n))
    return [
        *tools_from_settings(builtin, env=os.environ if env is None else env),
        *(tool for spec in imported for tool in import_tools(spec)),
    ]


def import_tools(spec: str) -> list[BaseTool]:
    """Load `package.module:attribute`: a tool, a list of tools, or a function returning them
    (found as `mirograph.loading` finds modules: `sys.path`, then the current folder)."""
    try:
        value = load_attribute(spec)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"cannot load tool {spec!r}: {exc} (run from the folder holding the module, "
            "or add its folder to PYTHONPATH)"
        ) from None
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"cannot load tool {spec!r}: {exc}") from None
    if callable(value) and not isinstance(value, BaseTool):
        value = value()
    tools = [value] if isinstance(value, BaseTool) else list(value)
    if not all(isinstance(t, BaseTool) for t in tools):
        raise ConfigError(f"{spec!r} is not a LangChain tool or a list of tools")
    return tools


def operator_settings(settings: ResearchContext, deployment: Deployment) -> ResearchContext:
    """A served run's settings continued by the operator (the CLI resuming a Studio thread):
    the deployment's settings filled in, deployed tools named by their `module:attr`."""
    names = list(settings.tools)
    for spec in deployment.tools:
        provided = {t.name for t in import_tools(spec)}
        if provided & set(names):
            names = [n for n in names if n not in provided] + [spec]
    return deployment.fill(settings).replace(tools=tuple(names))


@dataclass
class Resources:
    """Models and tools for runs of one compiled graph."""

    model: BaseChatModel | None = None
    summarizer_model: BaseChatModel | None = None
    verifier_model: BaseChatModel | None = None
    tools: Sequence[BaseTool] | None = None
    tool_factory: ToolFactory | None = None
    """Tools from settings; None: `default_tool_factory` with `env`."""
    env: Mapping[str, str] | None = None
    """The environment models and tools read keys from; None: a copy of `os.environ` taken
    when the resources are built (the edge), so nodes never read the environment."""
    token_counter: TokenCounter | None = None
    """An exact tokenizer for the planner model; None: the offline estimate."""
    deployment: Deployment | None = None
    """Set for a served graph: runs' settings are requests, admitted by the deployment
    (see `mirograph.deployment`); None: the caller is the operator and sets everything."""
    _cache: dict[object, object] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        if self.env is None:
            self.env = dict(os.environ)
        if self.tool_factory is None:
            env = self.env
            self.tool_factory = lambda settings: default_tool_factory(settings, env)

    def chat_model(self, settings: ResearchContext, role: Role = "planner") -> BaseChatModel:
        """The model for a role: its own object or string, else the planner's."""
        own_object = {
            "planner": self.model,
            "summarizer": self.summarizer_model,
            "verifier": self.verifier_model,
        }[role]
        own_spec = {
            "planner": settings.model,
            "summarizer": settings.summarizer_model,
            "verifier": settings.verifier_model,
        }[role]
        if own_object is not None:
            return own_object
        settings = self.admitted(settings)
        if role != "planner" and not own_spec and self.model is not None:
            return self.model
        spec = own_spec or settings.model
        options = {
            "base_url": settings.base_url,
            "api_key_env": settings.api_key_env,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "max_tokens": settings.max_tokens,
            "tool_protocol": settings.tool_protocol,
        }
        return self._cached(
            (spec, *options.values()),
            lambda: resolve_model(spec, env=self.env, **options),  # type: ignore[arg-type]
        )

    def count_tokens(self, messages: Sequence[BaseMessage]) -> int:
        """Tokens of a model input: exact when a counter was given, else estimated offline."""
        return (self.token_counter or estimate_tokens)(messages)

    def tools_for(self, settings: ResearchContext) -> dict[str, BaseTool]:
        """The run's tools by name: the objects given, else those the settings enable."""
        if self.tools is not None:
            return {t.name: t for t in self.tools}
        settings = self.admitted(settings)
        if self.deployment is not None:
            return self._cached(("tools", settings), lambda: self._deployed_tools(settings))
        return self._cached(
            ("tools", settings),
            lambda: {t.name: t for t in self.tool_factory(settings)},
        )

    def admitted(self, settings: ResearchContext) -> ResearchContext:
        """The settings a run works with: as given, or admitted by the deployment (which
        raises `ConfigError` before anything is imported, started or sent)."""
        if self.deployment is None:
            return settings
        deployment = self.deployment
        return self._cached(("admitted", settings), lambda: deployment.admit(settings))  # type: ignore[return-value]

    def _deployed_tools(self, settings: ResearchContext) -> dict[str, BaseTool]:
        """Built-in tools by name, plus the deployment's imported tools the run names."""
        assert self.deployment is not None
        specs = self.deployment.tools
        imported = self._cached(
            ("deployed",), lambda: {t.name: t for spec in specs for t in import_tools(spec)}
        )
        builtin = settings.replace(tools=tuple(n for n in settings.tools if n not in imported))
        own = [imported[n] for n in settings.tools if n in imported]  # type: ignore[index]
        return {t.name: t for t in [*self.tool_factory(builtin), *own]}

    def _cached(self, key: object, build: Callable[[], object]):  # type: ignore[no-untyped-def]
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]
