"""Model strings to chat models, resolved once at the edge.

`provider:model` goes through LangChain's `init_chat_model`; a base URL points an
OpenAI-compatible server (vLLM, SGLang, Ollama, LM Studio) at it; prefixes registered in
`mirograph.models.registry` have their own factory (`scripted:PATH` loads a scripted model
from a JSON/JSONL file); `mirothinker:MODEL` wraps an OpenAI-compatible
endpoint in MiroThinker's text tool protocol (`MiroThinkerChatModel`), with MiroThinker's
recommended sampling unless set otherwise. Every mistake becomes a `ConfigError` or
`InputError` with one sentence, before any work starts.

`openai:MODEL` with a base URL is a `CompatChatOpenAI` (`mirograph.models.compat`), which
smooths the known differences of OpenAI-compatible servers. `extra_body` adds fields of a
server's own to every request of an OpenAI-compatible model (llama.cpp's GBNF `grammar`,
vLLM's `chat_template_kwargs` or `repetition_penalty`); other providers refuse it.

Rate limits (429) and server errors (5xx) are retried by the provider clients with
exponential backoff (honouring `Retry-After`); `MAX_RETRIES` sets how often, high enough
to ride out a busy shared server during a run of hundreds of calls.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from langchain_core.language_models import BaseChatModel

from mirograph.errors import ConfigError
from mirograph.models.registry import ModelOptions, provider_factory, register_provider

# The environment variable each provider's client reads its key from.
API_KEY_VARS: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "together": "TOGETHER_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "perplexity": "PPLX_API_KEY",
    "cohere": "COHERE_API_KEY",
}
# A local OpenAI-compatible server ignores the key, but the client insists on one.
PLACEHOLDER_KEY = "EMPTY"
# Retries on 429/5xx/timeouts; with the OpenAI client's backoff (0.5 s doubling to 8 s) six
# retries wait about 25 s in all before the error reaches the run.
MAX_RETRIES = 6
# Providers whose LangChain class takes `max_retries` (the others keep their own policy).
RETRYING_PROVIDERS = frozenset(
    {
        "openai",
        "azure_openai",
        "anthropic",
        "deepseek",
        "xai",
        "groq",
        "mistralai",
        "fireworks",
        "together",
    }
)
# MiroThinker's recommended sampling (model card / MiroFlow configs).
MIROTHINKER_SAMPLING: dict[str, float | int] = {
    "temperature": 1.0,
    "top_p": 0.95,
    "max_tokens": 16_384,
}


def parse_model_string(spec: str) -> tuple[str, str]:
    """Split `provider:model`; a bare name is an error (guessing providers hides typos)."""
    provider, sep, name = spec.strip().partition(":")
    if not spec.strip():
        raise ConfigError("no model configured: pass --model PROVIDER:MODEL (or scripted:PATH)")
    if not sep or not provider or not name:
        raise ConfigError(
            f"model {spec!r} is not PROVIDER:MODEL (e.g. openai:gpt-4.1, scripted:script.json)"
        )
    return provider.lower(), name


def resolve_model(
    spec: str,
    *,
    base_url: str = "",
    api_key_env: str = "",
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    tool_protocol: str = "auto",
    env: Mapping[str, str] | None = None,
    extra_body: Mapping[str, object] | None = None,
) -> BaseChatModel:
    """Build the chat model a model string names; raises ConfigError/InputError.

    `tool_protocol="mirothinker"` wraps any provider's model in the text protocol (as the
    `mirothinker:` prefix does for OpenAI-compatible endpoints); "native" and "auto" use
    the provider's tool calling, except that `mirothinker:` always means the protocol.
    """
    env = os.environ if env is None else env
    provider, name = parse_model_string(spec)
    factory = provider_factory(provider)
    if factory is not None:
        options = ModelOptions(
            base_url, api_key_env, temperature, top_p, max_tokens, tool_protocol, env, extra_body
        )
        return factory(name, options)
    if extra_body and provider != "openai":
        raise ConfigError(
            f"extra_body is for OpenAI-compatible servers (openai: or mirothinker:), "
            f"not {provider}:"
        )
    extra = {"extra_body": dict(extra_body)} if extra_body else {}
    model = _init(
        provider,
        name,
        base_url,
        api_key_env,
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        env=env,
        **extra,
    )
    return _mirothinker(model) if tool_protocol == "mirothinker" else model


def _mirothinker_provider(name: str, options: ModelOptions) -> BaseChatModel:
    """`mirothinker:MODEL`: an OpenAI-compatible endpoint in the text protocol, with
    MiroThinker's recommended sampling where the settings leave it open."""
    chosen = {"temperature": options.temperature, "top_p": options.top_p}
    chosen["max_tokens"] = options.max_tokens
    sampling = {k: MIROTHINKER_SAMPLING[k] if v is None else v for k, v in chosen.items()}
    extra = {"extra_body": dict(options.extra_body)} if options.extra_body else {}
    # Streaming keeps long generations (up to 16K tokens) from hitting idle timeouts.
    inner = _init(
        "openai",
        name,
        options.base_url,
        options.api_key_env,
        env=options.env if options.env is not None else os.environ,
        streaming=True,
        stream_usage=True,
        **sampling,
        **extra,
    )
    return _mirothinker(inner)


register_provider("mirothinker", _mirothinker_provider)


def _mirothinker(model: BaseChatModel) -> BaseChatModel:
    from mirograph.models.mirothinker import MiroThinkerChatModel

    return MiroThinkerChatModel(model=model)


def _init(
    provider: str,
    name: str,
    base_url: str,
    api_key_env: str,
    *,
    temperature: float | None,
    top_p: float | None,
    max_tokens: int | None,
    env: Mapping[str, str],
    **extra: object,
) -> BaseChatModel:
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, object] = dict(extra)
    if provider in RETRYING_PROVIDERS:
        kwargs["max_retries"] = MAX_RETRIES
    key_var = api_key_env or API_KEY_VARS.get(provider, "")
    if key_var and env.get(key_var):
        kwargs["api_key"] = env[key_var]
    elif base_url:
        kwargs["api_key"] = PLACEHOLDER_KEY
    elif key_var:
        raise ConfigError(f"model {provider}:{name} needs an API key: set {key_var}")
    if base_url:
        kwargs["base_url"] = base_url
    for key, value in (("temperature", temperature), ("top_p", top_p), ("max_tokens", max_tokens)):
        if value is not None:
            kwargs[key] = value
    if provider == "openai" and base_url:  # an OpenAI-compatible server: smooth its quirks
        from mirograph.models.compat import CompatChatOpenAI

        # Streaming keeps long local generations from hitting idle timeouts.
        kwargs.setdefault("streaming", True)
        kwargs.setdefault("stream_usage", True)
        return CompatChatOpenAI(model=name, **kwargs)  # type: ignore[arg-type]
    try:
        return init_chat_model(name, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise ConfigError(f"model provider {provider!r} needs a package: {exc}") from None
    except ValueError as exc:
        if "Unsupported" not in str(exc):
            raise
        raise ConfigError(
            f"unknown model provider {provider!r} (use e.g. openai:, anthropic:, ollama:, "
            "mirothinker: or scripted:)"
        ) from None
