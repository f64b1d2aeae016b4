"""OpenAI-compatible servers' differences, smoothed by `CompatChatOpenAI` (over real HTTP)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from mirograph.models.compat import CompatChatOpenAI
from mirograph.models.resolve import resolve_model
from tests.models.openai_server import OpenAIServer


@tool
def lookup(query: str) -> str:
    """Look up a fact."""
    return query


@tool
def other(query: str) -> str:
    """Another tool."""
    return query


def test_a_base_url_resolves_to_the_compatible_client(openai_server: OpenAIServer):
    assert isinstance(resolve_model("openai:m", base_url=openai_server.url), CompatChatOpenAI)
    assert not isinstance(resolve_model("openai:m", env={"OPENAI_API_KEY": "k"}), CompatChatOpenAI)


def test_an_assistant_turn_with_calls_is_sent_with_empty_content_not_null(
    openai_server: OpenAIServer,
):
    openai_server.reply({"content": "ok"})
    model = resolve_model("openai:m", base_url=openai_server.url)
    call = {"name": "lookup", "args": {"query": "x"}, "id": "c1"}
    model.invoke(
        [HumanMessage("q"), AIMessage("", tool_calls=[call]), ToolMessage("r", tool_call_id="c1")]
    )
    assistant = openai_server.requests[0]["messages"][1]
    assert (assistant["role"], assistant["content"]) == ("assistant", "")


def test_required_tool_choice_becomes_what_every_server_accepts(openai_server: OpenAIServer):
    openai_server.reply({"content": "a"}, {"content": "b"})
    model = resolve_model("openai:m", base_url=openai_server.url)
    model.bind_tools([lookup], tool_choice="required").invoke("q")
    model.bind_tools([lookup, other], tool_choice="required").invoke("q")
    assert [r["tool_choice"] for r in openai_server.requests] == [
        {"type": "function", "function": {"name": "lookup"}},
        "auto",
    ]


def test_a_streamed_call_repeating_its_name_in_every_chunk_is_merged_once(
    openai_server: OpenAIServer,
):
    call = {"name": "lookup", "args": {"query": "capital of France"}}
    openai_server.reply({"tool_calls": [call], "repeat_heads": True})
    model = resolve_model("openai:m", base_url=openai_server.url)
    reply = model.bind_tools([lookup]).invoke("q")
    assert openai_server.requests[0]["stream"] is True
    assert [(c["name"], c["args"], c["id"]) for c in reply.tool_calls] == [
        ("lookup", {"query": "capital of France"}, "call_1_0")
    ]
    assert "function_call" not in reply.additional_kwargs


def test_the_reply_limit_is_sent_as_max_tokens(openai_server: OpenAIServer):
    openai_server.reply({"content": "ok"})
    resolve_model("openai:m", base_url=openai_server.url, max_tokens=48).invoke("q")
    body = openai_server.requests[0]
    assert (body.get("max_tokens"), "max_completion_tokens" in body) == (48, False)


def test_extra_body_fields_reach_the_server_in_every_request(openai_server: OpenAIServer):
    openai_server.reply({"content": "yes"})
    grammar = 'root ::= "yes" | "no"'
    resolve_model("openai:m", base_url=openai_server.url, extra_body={"grammar": grammar}).invoke(
        "q"
    )
    assert openai_server.requests[0]["grammar"] == grammar


class Answer(BaseModel):
    city: str


def test_structured_output_falls_back_to_json_mode_when_both_other_methods_are_refused(
    openai_server: OpenAIServer,
):
    # llama-cpp-python's 500 to json_schema; a 400 to the named tool choice; then JSON mode.
    openai_server.reply(
        {"status": 500, "message": "1 validation error: Input should be 'text' or 'json_object'"},
        {"status": 400, "message": "tool_choice: only 'auto' is supported"},
        {"content": 'Sure: {"city": "Paris"}'},
        {"content": '{"city": "Lyon"}'},
    )
    model = resolve_model("openai:m", base_url=openai_server.url)
    assert model.with_structured_output(Answer).invoke("q") == Answer(city="Paris")
    assert model.with_structured_output(Answer).invoke("q") == Answer(city="Lyon")
    kinds = [
        (r.get("response_format", {}).get("type"), bool(r.get("tools")))
        for r in openai_server.requests
    ]
    # One request per method, no client retries while trying; JSON mode is kept afterwards.
    assert kinds == [
        ("json_schema", False),
        (None, True),
        ("json_object", False),
        ("json_object", False),
    ]
