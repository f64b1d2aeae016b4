"""Research runs in-process against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from mirograph import ResearchContext, build_research_graph
from mirograph.memory.context_window import OMITTED
from mirograph.models.resolve import resolve_model
from tests.models.fixtures import BROKEN, CALL, FACT, QUESTION, lookup
from tests.models.openai_server import OVERFLOW_BODIES, VLLM_CONTEXT_ERROR, OpenAIServer


def model(server: OpenAIServer, spec: str) -> BaseChatModel:
    return resolve_model(spec, base_url=server.url, env={})


def research(chat_model: BaseChatModel, **settings: Any) -> dict[str, Any]:
    graph = build_research_graph(model=chat_model, tools=[lookup])
    return graph.invoke({"question": QUESTION}, context=ResearchContext(verify="rules", **settings))


def test_native_tool_calls_over_http(openai_server: OpenAIServer) -> None:
    openai_server.reply(
        {"tool_calls": [{"name": "lookup", "args": {"query": "capital of France"}}]},
        {"content": "Paris."},
    )
    result = research(model(openai_server, "openai:test-model"))
    assert (result["status"], result["answer"]) == ("done", "Paris.")
    first, second = openai_server.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["lookup"]
    assert second["messages"][-1] == {"content": FACT, "role": "tool", "tool_call_id": "call_1_0"}


def test_mirothinker_protocol_over_http(openai_server: OpenAIServer) -> None:
    said = "<think>I should look it up.</think>\nLooking it up.\n" + CALL
    openai_server.reply({"content": said}, {"content": "It is Paris.\n\\boxed{Paris}"})
    result = research(model(openai_server, "mirothinker:test-model"), answer_format="boxed")
    assert (result["status"], result["answer"]) == ("done", "Paris")
    first, second = openai_server.requests
    assert "tools" not in first
    assert first["stream"] is True
    assert first["messages"][0]["role"] == "system"
    assert "### Tool name: lookup" in first["messages"][0]["content"]
    assert second["messages"][-2:] == [
        {"content": said, "role": "assistant"},
        {"content": FACT, "role": "user"},
    ]


def test_five_broken_blocks_are_reported_to_the_model_and_the_run_goes_on(
    openai_server: OpenAIServer,
) -> None:
    openai_server.reply(*[{"content": BROKEN}] * 5, {"content": "\\boxed{Paris}"})
    result = research(model(openai_server, "mirothinker:test-model"), answer_format="boxed")
    assert (result["status"], result["answer"]) == ("done", "Paris")
    assert len(openai_server.requests) == 6
    assert openai_server.requests[5]["messages"][-1] == {
        "role": "user",
        "content": "Error: invalid arguments for lookup: tool call 1: the <arguments> of lookup "
        "are not a JSON object, even after repair: the capital of France please. "
        "Write the call again in the <use_mcp_tool> format.",
    }


@pytest.mark.parametrize("spec", ["openai:test-model", "mirothinker:test-model"])
def test_a_rate_limit_is_retried(openai_server: OpenAIServer, spec: str) -> None:
    openai_server.reply(
        {"status": 429, "message": "slow down", "headers": {"retry-after-ms": "10"}},
        {"content": "Paris."},
    )
    reply = model(openai_server, spec).invoke([HumanMessage(content=QUESTION)])
    assert reply.content == "Paris."
    assert len(openai_server.requests) == 2


def test_a_full_context_window_routes_to_answer_now(openai_server: OpenAIServer) -> None:
    openai_server.reply(
        {"tool_calls": [{"name": "lookup", "args": {"query": "capital of France"}}]},
        {"status": 400, "message": VLLM_CONTEXT_ERROR},
        {"content": "Paris, from what I found."},
    )
    result = research(model(openai_server, "openai:test-model"))
    assert (result["status"], result["answer"]) == ("exhausted", "Paris, from what I found.")
    last = openai_server.requests[-1]["messages"][-1]["content"]
    assert last.startswith("You must answer now: the context window is full.")


def test_answer_now_that_overflows_too_stubs_every_tool_result(
    openai_server: OpenAIServer,
) -> None:
    openai_server.reply(
        {"tool_calls": [{"name": "lookup", "args": {"query": "capital of France"}}]},
        {"status": 400, "message": VLLM_CONTEXT_ERROR},
        {"status": 400, "message": VLLM_CONTEXT_ERROR},
        {"content": "Paris."},
    )
    result = research(model(openai_server, "openai:test-model"))
    assert (result["status"], result["answer"]) == ("exhausted", "Paris.")
    results = [m for m in openai_server.requests[-1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in results] == [OMITTED]


@pytest.mark.parametrize("server", sorted(OVERFLOW_BODIES))
def test_each_servers_documented_context_error_routes_to_answer_now(
    openai_server: OpenAIServer, server: str
) -> None:
    status, body = OVERFLOW_BODIES[server]
    openai_server.reply(
        {"tool_calls": [{"name": "lookup", "args": {"query": "capital of France"}}]},
        {"status": status, "body": body},
        {"content": "Paris, from what I found."},
    )
    result = research(model(openai_server, "openai:test-model"))
    assert (result["status"], result["answer"]) == ("exhausted", "Paris, from what I found.")
    assert len(openai_server.requests) == 3  # an overflow is never retried as it is


def test_answer_now_binds_the_tools_with_choice_none_and_a_server_refusing_it_is_asked_bare(
    openai_server: OpenAIServer,
) -> None:
    call = {"name": "lookup", "args": {"query": "capital of France"}}
    refused = {"error": {"message": "tool_choice 'none' is not supported", "code": 400}}
    openai_server.reply(
        {"tool_calls": [call]},
        {"tool_calls": [{**call, "args": {"query": "capital city of France"}}]},
        {"status": 400, "body": refused},
        {"content": "Paris."},
    )
    result = research(model(openai_server, "openai:test-model"), max_tool_calls=1)
    assert (result["status"], result["answer"]) == ("exhausted", "Paris.")
    refused_request, bare = openai_server.requests[2:]
    assert (refused_request["tool_choice"], len(refused_request["tools"])) == ("none", 1)
    assert ("tools" in bare, "tool_choice" in bare) == (False, False)
