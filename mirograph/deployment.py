"""Deployment settings vs run settings: what a server's operator decides, and what a
request may choose.

A served graph (`langgraph dev`, LangGraph Platform) takes a run's `context` from any
request that reaches its port, so a request is not trusted like the deployment. These
settings belong to the deployment, read once from the server's environment:

| setting | variable | why a request may not set it |
|---|---|---|
| `base_url` | `MIROGRAPH_BASE_URL` | the server would send its API key there |
| `api_key_env` | `MIROGRAPH_API_KEY_ENV` | any variable would be sent as a bearer token |
| `corpus` | `MIROGRAPH_CORPUS` | a path the server reads |
| `fetch_allow` | `MIROGRAPH_FETCH_ALLOW` | opens the server's private network to fetch_page |
| `mcp_config` | `MIROGRAPH_MCP_CONFIG` | starts the commands the file names |
| `tools` entries `module:attr` | `MIROGRAPH_TOOLS` | imports and calls code |
| models (`scripted:PATH`, any model) | `MIROGRAPH_MODELS` | which models (and files) runs may use |

Everything else in `ResearchContext` is a run setting: the model (among those deployed),
budgets, window, retention, verification, answer format, review, system prompt, and
tools by name. The CLI and Python callers keep every option: the operator is the user there.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.json_schema import SkipJsonSchema

from mirograph.context import ResearchContext
from mirograph.errors import ConfigError

DEPLOYMENT_VARIABLES: dict[str, str] = {
    "base_url": "MIROGRAPH_BASE_URL",
    "api_key_env": "MIROGRAPH_API_KEY_ENV",
    "corpus": "MIROGRAPH_CORPUS",
    "fetch_allow": "MIROGRAPH_FETCH_ALLOW",
    "mcp_config": "MIROGRAPH_MCP_CONFIG",
}
"""`ResearchContext` fields only the deployment sets, and the variable each comes from."""
DEPLOYMENT_SETTINGS = tuple(DEPLOYMENT_VARIABLES)
RUN_SETTINGS = tuple(
    f.name for f in dataclasses.fields(ResearchContext) if f.name not in DEPLOYMENT_VARIABLES
)
"""What a request may choose (Studio's form shows exactly these)."""
MODEL_ROLES = ("model", "summarizer_model", "verifier_model")
_FILE_PROVIDERS = ("scripted",)  # model strings that name a file on the server


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Deployment:
    """What the operator of a served graph decides; runs cannot change it."""

    base_url: str = ""
    api_key_env: str = ""
    corpus: str = ""
    fetch_allow: tuple[str, ...] = ()
    mcp_config: str = ""
    tools: tuple[str, ...] = ()
    """`package.module:attribute` tools to import; runs enable them by tool name."""
    models: tuple[str, ...] = ()
    """Model strings runs may choose: exact, `provider:*`, or `scripted:DIR/*` (script files
    inside DIR). Empty: any `provider:model` that names no file."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Deployment:
        """Read the deployment from the server's environment (an edge: `langgraph.json`)."""
        return cls(
            base_url=env.get("MIROGRAPH_BASE_URL", ""),
            api_key_env=env.get("MIROGRAPH_API_KEY_ENV", ""),
            corpus=env.get("MIROGRAPH_CORPUS", ""),
            fetch_allow=_split(env.get("MIROGRAPH_FETCH_ALLOW", "")),
            mcp_config=env.get("MIROGRAPH_MCP_CONFIG", ""),
            tools=_split(env.get("MIROGRAPH_TOOLS", "")),
            models=_split(env.get("MIROGRAPH_MODELS", "")),
        )

    def admit(self, settings: ResearchContext) -> ResearchContext:
        """A request's settings with this deployment's filled in; `ConfigError` when the
        request sets a deployment setting or chooses a model that is not deployed."""
        refuse_deployment_settings(settings)
        for role in MODEL_ROLES:
            spec = getattr(settings, role)
            if spec:
                self._check_model(role, spec)
        return self.fill(settings)

    def check_request(self, values: Mapping[str, Any]) -> None:
        """`ConfigError` for a raw request map (JSON) that sets a deployment setting or
        chooses a model that is not deployed."""
        refuse_deployment_settings(values)
        for role in MODEL_ROLES:
            spec = values.get(role)
            if isinstance(spec, str) and spec:
                self._check_model(role, spec)

    def fill(self, settings: ResearchContext) -> ResearchContext:
        """`settings` with this deployment's settings in place (unchecked: the operator's)."""
        values = {**settings.to_dict(), **{k: getattr(self, k) for k in DEPLOYMENT_SETTINGS}}
        return ResearchContext.from_dict(values)

    def _check_model(self, role: str, spec: str) -> None:
        provider, _, name = spec.strip().partition(":")
        provider = provider.lower()
        for allowed in self.models:
            if allowed == spec.strip() or allowed == f"{provider}:*":
                return
            folder = allowed.removeprefix(f"{provider}:").removesuffix("/*")
            names_a_folder = allowed.startswith(f"{provider}:") and allowed.endswith("/*")
            if provider in _FILE_PROVIDERS and names_a_folder and _inside(Path(name), Path(folder)):
                return
        if not self.models and provider not in _FILE_PROVIDERS:
            return
        if not self.models:
            raise ConfigError(
                f"setting {role} {spec!r} names a file on the server; the deployment allows "
                "such models with MIROGRAPH_MODELS=scripted:DIR/*"
            )
        raise ConfigError(
            f"setting {role} {spec!r} is not deployed here; choose one of {', '.join(self.models)}"
        )


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def refuse_deployment_settings(settings: ResearchContext | Mapping[str, Any]) -> None:
    """`ConfigError` naming the first deployment setting a request sets (nothing else is
    looked at, imported or started before this passes). Takes settings or the raw map a
    request sent."""
    values = settings if isinstance(settings, Mapping) else dataclasses.asdict(settings)
    for name, variable in DEPLOYMENT_VARIABLES.items():
        value = values.get(name, _DEFAULTS[name])
        if value not in (None, _DEFAULTS[name], [], ""):
            raise ConfigError(
                f"setting {name} belongs to the deployment, not to a run: set {variable} "
                f"where the server runs (a run may set: {', '.join(RUN_SETTINGS)})"
            )
    tools = values.get("tools") or ()
    for entry in tools if isinstance(tools, (list, tuple)) else ():
        if isinstance(entry, str) and ":" in entry:
            raise ConfigError(
                f"setting tools names tools, it cannot import code ({entry!r}): the "
                "deployment imports tools with MIROGRAPH_TOOLS"
            )


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(ResearchContext)}


def _run_context_class() -> type[ResearchContext]:
    """`ResearchContext` with the deployment settings hidden from the JSON schema (so
    Studio's form shows run settings) and refused when a request sets them."""
    hints = typing.get_type_hints(ResearchContext, include_extras=True)
    hidden = [
        (name, SkipJsonSchema[hints[name]], dataclasses.field(default=_DEFAULTS[name]))
        for name in DEPLOYMENT_VARIABLES
    ]

    def __post_init__(self: ResearchContext) -> None:
        ResearchContext.__post_init__(self)
        refuse_deployment_settings(self)

    return dataclasses.make_dataclass(
        "RunContext",
        hidden,
        bases=(ResearchContext,),
        frozen=True,
        namespace={
            "__post_init__": __post_init__,
            "__doc__": "Run settings a request may choose (the served graph's context_schema).",
            "__module__": __name__,
        },
    )


RunContext = _run_context_class()
