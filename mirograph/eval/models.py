"""Model strings for evals: everything `resolve_model` takes, plus `python:MODULE:ATTR`.

Benchmarks are often run with an in-house agent model or judge that is not a LangChain
provider (a policy, a local wrapper); `python:pkg.mod:attr` imports a chat model object or
a zero-argument factory returning one, so such models work from the command line too.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.rate_limiters import InMemoryRateLimiter

from mirograph.context import ResearchContext
from mirograph.errors import ConfigError
from mirograph.loading import load_attribute
from mirograph.models.resolve import resolve_model


def resolve_eval_model(spec: str, settings: ResearchContext | None = None) -> BaseChatModel:
    """The chat model a string names; raises `ConfigError` before any work starts."""
    settings = settings or ResearchContext()
    if spec.startswith("python:"):
        return import_model(spec.removeprefix("python:"))
    return resolve_model(
        spec,
        base_url=settings.base_url,
        api_key_env=settings.api_key_env,
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_tokens=settings.max_tokens,
    )


def import_model(target: str) -> BaseChatModel:
    """`module:attribute`: a chat model, or a callable that returns one."""
    try:
        value = load_attribute(target)
    except ValueError:
        raise ConfigError(f"python model {target!r} is not MODULE:ATTRIBUTE") from None
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load model python:{target}: {exc}") from None
    if not isinstance(value, BaseChatModel) and callable(value):
        value = value()
    if not isinstance(value, BaseChatModel):
        raise ConfigError(f"python:{target} is not a LangChain chat model")
    return value


def rate_limited(model: BaseChatModel, requests_per_second: float | None) -> BaseChatModel:
    """A copy of `model` whose calls share one token bucket (all tasks of the eval)."""
    if not requests_per_second:
        return model
    limiter = InMemoryRateLimiter(
        requests_per_second=requests_per_second,
        check_every_n_seconds=min(0.1, 1 / requests_per_second),
        max_bucket_size=max(1.0, requests_per_second),
    )
    return model.model_copy(update={"rate_limiter": limiter})
