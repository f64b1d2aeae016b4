"""Real tool round trips: the real model's call, mirograph's parsing, the tool, the next request.

A 135M model never writes a MiroThinker `<use_mcp_tool>` block by itself, so the test
constrains its sampling with a llama.cpp GBNF `grammar`, a request field of
llama-cpp-python's server, passed through the model's ordinary `extra_body` setting (as a
named tool choice constrains native calls with a JSON-schema grammar). The model still
writes the query; mirograph's own MiroThinker parser turns the text into the call.

And which chat format shows the model its tool results (`tests/realmodel/conftest.py`).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, build_research_graph
from mirograph.models._transcript import PROTOCOL_TEXT
from mirograph.models.resolve import resolve_model
from tests.cli.conftest import mirograph, thread_values
from tests.models.fixtures import lookup
from tests.realmodel.conftest import (
    FUNCTION_CALLING,
    GGUF_TEMPLATE,
    MAX_TOKENS,
    no_traceback,
    wire_problems,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

QUESTION = "What is the capital of France?"
# One `<use_mcp_tool>` block calling `lookup`, in MiroThinker's layout; the query is the
# model's own (letters and spaces, at most 24), so the call is the model's, in a fixed form.
BLOCK = (
    "<use_mcp_tool>\\n<server_name>tools</server_name>\\n<tool_name>lookup</tool_name>\\n"
    '<arguments>\\n{\\"query\\": \\"" query "\\"}\\n</arguments>\\n</use_mcp_tool>'
)
MIROTHINKER_CALL = f'root ::= "{BLOCK}"\nquery ::= [A-Za-z] [A-Za-z ]{{0,23}}\n'
CALL_TOKENS = 96
"""Output tokens per call: the block is about 45 of SmolLM2's tokens, the query up to 24.
Grammar-bound sampling is slow on llama-cpp-python (1-6 tokens/s on 2 busy cores, the
grammar checked against the whole vocabulary), so the test makes three such calls only."""


def next_ai_turn(messages: list, after: int) -> AIMessage:
    return next(m for m in messages[after + 1 :] if isinstance(m, AIMessage))


def test_a_real_mirothinker_tool_call_makes_the_full_round_trip(llama_server):
    server = llama_server(4096)
    model = resolve_model(
        "mirothinker:smollm2",
        base_url=server.url,
        max_tokens=CALL_TOKENS,
        extra_body={"grammar": MIROTHINKER_CALL},
        env={},
    ).model_copy(update={"max_attempts": 1})  # the grammar-bound repeats would be rolled back
    graph = build_research_graph(model=model, tools=[lookup], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "mt-trip"}}
    settings = ResearchContext(max_tool_calls=1, context_window_tokens=4096)
    graph.invoke({"question": QUESTION}, config, context=settings)
    values = graph.get_state(config).values
    messages = values["messages"]
    position, call_turn = next(
        (i, m) for i, m in enumerate(messages) if isinstance(m, AIMessage) and m.tool_calls
    )
    # The model's own text, parsed by mirograph's MiroThinker parser into one call.
    assert call_turn.additional_kwargs[PROTOCOL_TEXT].startswith("<use_mcp_tool>")
    [call] = call_turn.tool_calls
    assert (call["name"], list(call["args"])) == ("lookup", ["query"])
    # The tool ran on the model's arguments.
    result = messages[position + 1]
    assert isinstance(result, ToolMessage) and result.tool_call_id == call["id"]
    assert (result.status, result.content) == ("success", lookup.invoke(call["args"]))
    # The same server accepted the request carrying the result (a user turn in this
    # protocol) and answered it.
    after = next_ai_turn(messages, position + 1)
    assert after.additional_kwargs[PROTOCOL_TEXT]
    assert (values["status"], values["tool_calls_used"]) == ("exhausted", 1)
    assert wire_problems(messages) == []


def prompt_tokens(server_url: str, tool_result: str) -> int:
    """What the server counts for a prompt ending in a native tool round with this result."""
    call = {"id": "call_1", "type": "function"}
    call["function"] = {"name": "lookup", "arguments": '{"query": "capital of France"}'}
    body: dict[str, Any] = {
        "messages": [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": tool_result},
        ],
        "max_tokens": 1,
    }
    reply = httpx.post(f"{server_url}/chat/completions", json=body, timeout=600)
    assert reply.status_code == 200, reply.text
    return reply.json()["usage"]["prompt_tokens"]


@pytest.mark.parametrize(
    ("chat_format", "renders_results"),
    [(FUNCTION_CALLING, False), (GGUF_TEMPLATE, True)],
    ids=["chatml-function-calling", "gguf-template"],
)
def test_which_chat_format_shows_the_model_its_tool_results(
    llama_server, chat_format: str, renders_results: bool
):
    server = llama_server(4096, chat_format)
    short = prompt_tokens(server.url, "Paris.")
    long = prompt_tokens(server.url, "Paris is the capital of France. " * 20)
    assert (long > short + 100) == renders_results
    assert (long == short) == (not renders_results)


def test_under_the_gguf_template_a_native_round_trip_shows_the_model_the_result(
    llama_server, tmp_path
):
    server = llama_server(4096, GGUF_TEMPLATE)
    db = tmp_path / "db.sqlite"
    result = mirograph(
        "run", QUESTION,
        "--model", "openai:smollm2",
        "--base-url", server.url,
        "--db", str(db),
        "--thread", "gguf",
        "--max-tokens", MAX_TOKENS,
        "--tool", "tests.models.fixtures:lookup",
        "--tool-choice", "lookup",
        "--max-tool-calls", "1",
        "--json",
        timeout=280,
    )  # fmt: skip
    no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr[-3000:]
    values = thread_values(db, "gguf")
    messages = values["messages"]
    position, call_turn = next(
        (i, m) for i, m in enumerate(messages) if isinstance(m, AIMessage) and m.tool_calls
    )
    tool_result = messages[position + 1]
    assert isinstance(tool_result, ToolMessage) and tool_result.status == "success"
    assert tool_result.tool_call_id == call_turn.tool_calls[0]["id"]
    # The server accepted the request carrying the result (which this template renders:
    # the test above) and answered it with the named call again, so "answer now" followed.
    assert [c["name"] for c in next_ai_turn(messages, position + 1).tool_calls] == ["lookup"]
    assert any(isinstance(m, AIMessage) and m.text for m in messages[position + 2 :])
    assert (values["status"], values["tool_calls_used"]) == ("exhausted", 1)
    assert wire_problems(messages) == []
