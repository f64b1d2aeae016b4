"""Model strings to models: MiroThinker over OpenAI-compatible endpoints, retries, keys."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI

from mirograph.errors import ConfigError
from mirograph.models.mirothinker import MiroThinkerChatModel
from mirograph.models.resolve import MAX_RETRIES, PLACEHOLDER_KEY, resolve_model

LOCAL = "http://127.0.0.1:9/v1"


def test_mirothinker_wraps_an_openai_compatible_client_at_the_base_url() -> None:
    model = resolve_model("mirothinker:MiroThinker-v1.0-8B", base_url=LOCAL, env={})
    assert isinstance(model, MiroThinkerChatModel)
    assert isinstance(model.model, ChatOpenAI)
    assert model.model.model_name == "MiroThinker-v1.0-8B"
    assert model.model.openai_api_base == LOCAL


def test_a_local_server_needs_no_real_key() -> None:
    model = resolve_model("openai:test-model", base_url=LOCAL, env={})
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_key.get_secret_value() == PLACEHOLDER_KEY


def test_the_key_comes_from_the_named_variable() -> None:
    model = resolve_model(
        "openai:test-model", base_url=LOCAL, api_key_env="MY_KEY", env={"MY_KEY": "sk-local"}
    )
    assert model.openai_api_key.get_secret_value() == "sk-local"


def test_mirothinker_uses_the_recommended_sampling_by_default() -> None:
    inner = resolve_model("mirothinker:m", base_url=LOCAL, env={}).model
    assert (inner.temperature, inner.top_p, inner.max_tokens) == (1.0, 0.95, 16_384)


def test_explicit_sampling_wins_over_mirothinkers_defaults() -> None:
    inner = resolve_model(
        "mirothinker:m", base_url=LOCAL, temperature=0.6, top_p=0.9, max_tokens=4096, env={}
    ).model
    assert (inner.temperature, inner.top_p, inner.max_tokens) == (0.6, 0.9, 4096)


def test_openai_clients_retry_rate_limits_and_server_errors() -> None:
    assert resolve_model("openai:m", base_url=LOCAL, env={}).max_retries == MAX_RETRIES
    assert resolve_model("mirothinker:m", base_url=LOCAL, env={}).model.max_retries == MAX_RETRIES


def test_the_mirothinker_protocol_setting_wraps_any_provider() -> None:
    model = resolve_model("openai:m", base_url=LOCAL, tool_protocol="mirothinker", env={})
    assert isinstance(model, MiroThinkerChatModel)
    assert isinstance(model.model, ChatOpenAI)


def test_extra_body_goes_to_the_openai_compatible_client_and_mirothinkers_inner_one() -> None:
    grammar = {"grammar": 'root ::= "yes"'}
    assert resolve_model("openai:m", base_url=LOCAL, extra_body=grammar, env={}).extra_body == (
        grammar
    )
    inner = resolve_model("mirothinker:m", base_url=LOCAL, extra_body=grammar, env={}).model
    assert inner.extra_body == grammar


def test_extra_body_for_another_provider_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"^extra_body is for OpenAI-compatible servers"):
        resolve_model("anthropic:claude", extra_body={"x": 1}, env={"ANTHROPIC_API_KEY": "k"})
