"""What mirograph knows about models: providers it builds itself, and model capabilities.

- **Providers**: a model string `PREFIX:NAME` whose prefix is registered here is built by
  its factory (`scripted:PATH` reads a scripted model from a file; `mirothinker:MODEL` is
  registered by `resolve`); every other prefix goes to LangChain's `init_chat_model`.
- **Capabilities** are looked up by a model's `_llm_type`, so nodes ask what a model can
  do ("may `verify="auto"` ask it for a verdict?") without knowing any model class. A
  scripted model replays a script: its verdict would mean nothing.

This module and `mirograph.testing` are the only ones that know the test doubles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

__all__ = [
    "Capabilities",
    "ModelOptions",
    "capabilities",
    "provider_factory",
    "register_capabilities",
    "register_provider",
]


@dataclass(frozen=True)
class Capabilities:
    """What a kind of model can be asked to do."""

    judges_answers: bool = True
    """Whether `verify="auto"` runs the LLM check with it (else rule checks only)."""


@dataclass(frozen=True)
class ModelOptions:
    """The settings a provider factory builds a model with."""

    base_url: str = ""
    api_key_env: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    tool_protocol: str = "auto"
    env: Mapping[str, str] | None = None
    extra_body: Mapping[str, object] | None = None


ProviderFactory = Callable[[str, ModelOptions], BaseChatModel]
"""Builds the model a `PREFIX:NAME` string names, from NAME and the options."""

_PROVIDERS: dict[str, ProviderFactory] = {}
_CAPABILITIES: dict[str, Capabilities] = {}


def register_provider(prefix: str, factory: ProviderFactory) -> None:
    """Build `prefix:NAME` model strings with `factory` instead of LangChain."""
    _PROVIDERS[prefix.lower()] = factory


def provider_factory(prefix: str) -> ProviderFactory | None:
    """The registered factory of a model-string prefix, if any."""
    return _PROVIDERS.get(prefix.lower())


def register_capabilities(llm_type: str, caps: Capabilities) -> None:
    """Declare what models whose `_llm_type` is `llm_type` can do."""
    _CAPABILITIES[llm_type] = caps


def capabilities(model: BaseChatModel) -> Capabilities:
    """What `model` can do; models nobody declared can do everything."""
    return _CAPABILITIES.get(getattr(model, "_llm_type", ""), Capabilities())


def _scripted(name: str, options: ModelOptions) -> BaseChatModel:
    from mirograph.testing import ScriptedChatModel

    return ScriptedChatModel.from_file(name)


register_provider("scripted", _scripted)
register_capabilities("scripted", Capabilities(judges_answers=False))
