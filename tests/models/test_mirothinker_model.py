"""`MiroThinkerChatModel`: native tool-call semantics outside, the text protocol inside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel

from mirograph.models.mirothinker import MiroThinkerChatModel
from mirograph.testing import ScriptedChatModel
from mirograph.text import strip_think
from tests.models.fixtures import lookup

TODAY = dt.date(2025, 11, 3)


def block(args: str, name: str = "lookup", server: str = "tools") -> str:
    return (
        f"<use_mcp_tool>\n<server_name>{server}</server_name>\n<tool_name>{name}</tool_name>\n"
        f"<arguments>\n{args}\n</arguments>\n</use_mcp_tool>"
    )


def replies(*texts: str) -> tuple[ScriptedChatModel, list[list[BaseMessage]]]:
    """A plain inner model answering with `texts` in order, whatever it is asked."""
    queue = list(texts)
    inner = ScriptedChatModel(keep_inputs=True, policy=lambda _messages: queue.pop(0))
    return inner, inner.inputs


def adapter(inner: ScriptedChatModel, **kwargs: object) -> MiroThinkerChatModel:
    return MiroThinkerChatModel(model=inner, today=TODAY, **kwargs)


def ask(model: MiroThinkerChatModel, messages: list[BaseMessage]) -> AIMessage:
    return model.bind_tools([lookup]).invoke(messages)


QUESTION = [SystemMessage(content="You are a researcher."), HumanMessage(content="Capital?")]


def test_tools_are_rendered_into_the_system_prompt_before_the_original_one() -> None:
    inner, seen = replies("Paris.")
    ask(adapter(inner), QUESTION)
    system = seen[0][0]
    assert isinstance(system, SystemMessage)
    assert "Today is: 2025-11-03" in system.text
    assert "## Server name: tools\n### Tool name: lookup\n" in system.text
    assert (
        'Input JSON schema: {"properties": {"query": {"type": "string"}}, "required": '
        '["query"], "type": "object"}' in system.text
    )
    assert system.text.endswith("\n\nYou are a researcher.")


def test_inner_model_gets_no_native_tools() -> None:
    inner, seen = replies("Paris.")
    ask(adapter(inner), QUESTION)
    assert [type(m) for m in seen[0]] == [SystemMessage, HumanMessage]


def test_per_tool_server_names_group_the_tool_list() -> None:
    inner, seen = replies("Paris.")
    ask(adapter(inner, servers={"lookup": "facts"}), QUESTION)
    assert "## Server name: facts\n### Tool name: lookup" in seen[0][0].text


def test_a_block_becomes_a_native_tool_call_with_the_visible_text_as_content() -> None:
    text = "<think>Look it up.</think>\nSearching.\n" + block('{"query": "capital of France"}')
    inner, _ = replies(text)
    reply = ask(adapter(inner), QUESTION)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("lookup", {"query": "capital of France"})
    ]
    assert reply.content == "<think>Look it up.</think>\nSearching."
    assert reply.additional_kwargs["mirothinker_text"] == text


def test_tool_call_ids_are_deterministic_per_turn() -> None:
    text = block('{"query": "a"}') + block('{"query": "b"}')
    first = ask(adapter(replies(text)[0]), QUESTION)
    second = ask(adapter(replies(text)[0]), QUESTION)
    ids = [c["id"] for c in first.tool_calls]
    assert ids == [c["id"] for c in second.tool_calls]
    assert len(set(ids)) == 2
    assert all(i.startswith("mt0_") for i in ids)


def round_trip_history() -> list[BaseMessage]:
    turn = ask(
        adapter(replies("Two lookups.\n" + block('{"query": "a"}') + block('{"query": "b"}'))[0]),
        QUESTION,
    )
    results = [
        ToolMessage(content=f"result {n}", tool_call_id=c["id"], name="lookup")
        for n, c in enumerate(turn.tool_calls, start=1)
    ]
    return [*QUESTION, turn, *results]


def test_an_ai_turn_goes_back_as_the_text_the_model_wrote() -> None:
    inner, seen = replies("Done.")
    ask(adapter(inner), round_trip_history())
    sent = seen[0][2]
    assert isinstance(sent, AIMessage)
    assert sent.tool_calls == []
    assert sent.content == "Two lookups.\n" + block('{"query": "a"}') + block('{"query": "b"}')


def test_one_rounds_tool_results_go_back_as_one_user_message_in_call_order() -> None:
    inner, seen = replies("Done.")
    ask(adapter(inner), round_trip_history())
    assert [type(m) for m in seen[0]] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert seen[0][3].content == (
        "Tool call 1 (lookup on tools) returned:\nresult 1\n\n"
        "Tool call 2 (lookup on tools) returned:\nresult 2"
    )


def test_a_single_result_goes_back_as_it_is() -> None:
    call = {"name": "lookup", "args": {"query": "a"}, "id": "c1", "type": "tool_call"}
    history = [
        *QUESTION,
        AIMessage(content="Looking.", tool_calls=[call]),
        ToolMessage(content="Paris is the capital.", tool_call_id="c1", name="lookup"),
    ]
    inner, seen = replies("Paris.")
    ask(adapter(inner), history)
    assert seen[0][2].content == "Looking.\n\n" + (
        "<use_mcp_tool>\n<server_name>tools</server_name>\n<tool_name>lookup</tool_name>\n"
        '<arguments>\n{\n  "query": "a"\n}\n</arguments>\n</use_mcp_tool>'
    )
    assert seen[0][3] == HumanMessage(content="Paris is the capital.")


def counting(texts: Callable[[int], str]) -> tuple[MiroThinkerChatModel, list[int]]:
    calls: list[int] = []

    def policy(_messages: list[BaseMessage]) -> str:
        calls.append(len(calls) + 1)
        return texts(len(calls))

    return adapter(ScriptedChatModel(keep_inputs=True, policy=policy)), calls


def test_a_malformed_turn_is_rolled_back_and_asked_again() -> None:
    model, calls = counting(
        lambda n: block("not json at all") if n == 1 else block('{"query": "a"}')
    )
    reply = ask(model, QUESTION)
    assert calls == [1, 2]
    assert [c["args"] for c in reply.tool_calls] == [{"query": "a"}]
    assert reply.invalid_tool_calls == []


def test_five_malformed_turns_are_returned_as_an_invalid_call_for_the_model() -> None:
    model, calls = counting(lambda n: block("not json at all"))
    reply = ask(model, QUESTION)
    assert calls == [1, 2, 3, 4, 5]
    assert reply.tool_calls == []
    [invalid] = reply.invalid_tool_calls
    assert invalid["name"] == "lookup"
    assert invalid["error"] == (
        "tool call 1: the <arguments> of lookup are not a JSON object, even after repair: "
        "not json at all. Write the call again in the <use_mcp_tool> format."
    )
    assert reply.response_metadata["mirothinker_attempts"] == 5


def test_an_unknown_tool_is_malformed() -> None:
    model, calls = counting(lambda n: block("{}", "browse") if n == 1 else block('{"query": "a"}'))
    assert [c["name"] for c in ask(model, QUESTION).tool_calls] == ["lookup"]
    assert calls == [1, 2]


def test_a_wrong_server_name_is_corrected_without_a_retry() -> None:
    model, calls = counting(lambda n: block('{"query": "a"}', server="search-server"))
    reply = ask(model, QUESTION)
    assert calls == [1]
    assert reply.response_metadata["mirothinker_fixes"] == [
        "server 'search-server' corrected to 'tools'"
    ]


def answered_history() -> list[BaseMessage]:
    call = {"name": "lookup", "args": {"query": "capital of France"}, "id": "c1"}
    return [
        *QUESTION,
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content="Paris.", tool_call_id="c1", name="lookup"),
    ]


def test_repeating_an_earlier_successful_call_is_rolled_back() -> None:
    model, calls = counting(
        lambda n: block('{"query": " Capital of France"}') if n == 1 else "Paris."
    )
    reply = model.bind_tools([lookup]).invoke(answered_history())
    assert calls == [1, 2]
    assert reply.content == "Paris."


def test_a_repeat_that_persists_is_returned_for_the_planner_to_answer() -> None:
    model, calls = counting(lambda n: block('{"query": "capital of France"}'))
    reply = model.bind_tools([lookup]).invoke(answered_history())
    assert calls == [1, 2, 3, 4, 5]
    assert [c["args"] for c in reply.tool_calls] == [{"query": "capital of France"}]


def test_without_tools_the_reply_is_plain_text_and_never_retried() -> None:
    model, calls = counting(lambda n: "Answer: " + block("broken"))
    reply = model.invoke(QUESTION)
    assert calls == [1]
    assert reply.tool_calls == [] and reply.invalid_tool_calls == []


def test_keep_think_false_moves_thoughts_out_of_the_transcript() -> None:
    inner, _ = replies("<think>Paris, surely.</think>\nThe answer is \\boxed{Paris}.")
    reply = ask(adapter(inner, keep_think=False), QUESTION)
    assert reply.content == "The answer is \\boxed{Paris}."
    assert reply.additional_kwargs["reasoning_content"] == "Paris, surely."
    assert reply.additional_kwargs["mirothinker_text"] == "The answer is \\boxed{Paris}."


def test_strip_think_drops_a_thought_opened_by_the_chat_template() -> None:
    assert strip_think("reasoning here</think>\n\\boxed{7}") == "\\boxed{7}"


def test_structured_output_works_through_the_text_protocol() -> None:
    class Verdict(BaseModel):
        """Whether the answer is supported."""

        accepted: bool

    inner, _ = replies(block('{"accepted": true}', name="Verdict"))
    verdict = adapter(inner).with_structured_output(Verdict).invoke(QUESTION)
    assert verdict == Verdict(accepted=True)


def test_structured_output_is_parsed_from_the_text_reply():
    from pydantic import BaseModel

    from mirograph.models.mirothinker import MiroThinkerChatModel
    from mirograph.testing import ScriptedChatModel

    class Verdict(BaseModel):
        supported: bool
        problems: list[str]

    inner = ScriptedChatModel(
        keep_inputs=True,
        responses=['<think>check</think>Here: {"supported": false, "problems": ["no source",]}'],
    )
    verdict = MiroThinkerChatModel(model=inner).with_structured_output(Verdict).invoke("Check.")
    assert verdict == Verdict(supported=False, problems=["no source"])
    assert "JSON schema" in inner.inputs[0][-1].content
