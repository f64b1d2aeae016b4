"""Every provider's "prompt too long" is recognized; other errors are not."""

from __future__ import annotations

import httpx
import openai
import pytest
from langchain_core.exceptions import ContextOverflowError

from mirograph.models.overflow import is_context_overflow
from tests.models.openai_server import OVERFLOW_BODIES, VLLM_CONTEXT_ERROR


def bad_request(message: str, status: int = 400) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, request=request)
    return openai.APIStatusError(f"Error code: {status} - {message}", response=response, body={})


@pytest.mark.parametrize(
    "message",
    [
        VLLM_CONTEXT_ERROR,
        "The input (40000 tokens) is longer than the model's context length (32768 tokens).",
        "prompt is too long: 210000 tokens > 200000 maximum",
        "{'error': {'code': 'context_length_exceeded'}}",
    ],
    ids=["vllm", "sglang", "anthropic", "openai"],
)
def test_provider_wordings_are_context_overflow(message: str) -> None:
    assert is_context_overflow(bad_request(message))


@pytest.mark.parametrize("server", sorted(OVERFLOW_BODIES))
def test_each_servers_documented_error_body_is_context_overflow(server: str) -> None:
    status, body = OVERFLOW_BODIES[server]
    assert is_context_overflow(bad_request(str(body), status))


def test_langchains_own_overflow_error_counts() -> None:
    assert is_context_overflow(ContextOverflowError("too long"))


def test_other_bad_requests_do_not_count() -> None:
    assert not is_context_overflow(bad_request("temperature must be at most 2"))


def test_a_server_error_mentioning_context_does_not_count() -> None:
    assert not is_context_overflow(bad_request("maximum context length unknown", status=500))
