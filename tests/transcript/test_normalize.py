"""`normalize_reply`: whatever ids a provider sends, the transcript stays valid."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mirograph.transcript import call_ids, is_empty_reply, normalize_reply, turn_text


def call(name: str, call_id: str | None, **args: object) -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def earlier_turn() -> list:
    return [
        HumanMessage(content="q", id="h1"),
        AIMessage(content="", tool_calls=[call("lookup", "call_0", q="a")], id="run-1"),
        ToolMessage(content="a", tool_call_id="call_0", id="t1"),
    ]


def test_unique_provider_ids_are_kept_and_the_reply_is_returned_as_it_is():
    reply = AIMessage(content="", tool_calls=[call("lookup", "abc", q="b")], id="run-2")
    assert normalize_reply(reply, earlier_turn()) is reply


def test_missing_ids_get_the_call_number_in_the_run():
    reply = AIMessage(content="", tool_calls=[call("lookup", None, q="b"), call("x", "", q="c")])
    fixed = normalize_reply(reply, earlier_turn())
    assert call_ids(fixed) == ["call_mg2", "call_mg3"]


def test_an_id_repeated_in_the_reply_or_from_an_earlier_turn_is_replaced():
    reply = AIMessage(
        content="",
        tool_calls=[call("lookup", "call_0", q="b"), call("lookup", "d", q="c")],
        invalid_tool_calls=[
            {"name": "lookup", "args": "{bad", "id": "d", "error": "x", "type": "invalid_tool_call"}
        ],
    )
    fixed = normalize_reply(reply, earlier_turn())
    assert call_ids(fixed) == ["call_mg2", "d", "call_mg4"]


def test_an_unparsable_call_without_id_gets_a_stored_id_its_result_can_answer():
    bad = {"name": "lookup", "args": "{", "id": None, "error": "x", "type": "invalid_tool_call"}
    fixed = normalize_reply(AIMessage(content="", invalid_tool_calls=[bad]), earlier_turn())
    assert fixed.invalid_tool_calls[0]["id"] == "call_mg2"


def test_a_message_id_seen_before_is_made_unique_so_no_turn_is_replaced():
    reply = AIMessage(content="again", id="run-1")
    assert normalize_reply(reply, earlier_turn()).id == "run-1~2"
    assert normalize_reply(reply, [*earlier_turn(), AIMessage("x", id="run-1~2")]).id == "run-1~3"


def test_a_generated_id_never_takes_one_a_result_already_answers():
    thread = [*earlier_turn(), ToolMessage(content="orphan", tool_call_id="call_mg2")]
    fixed = normalize_reply(AIMessage(content="", tool_calls=[call("x", None)]), thread)
    assert call_ids(fixed) == ["call_mg2_2"]


def test_content_blocks_render_as_text_with_reasoning_as_think():
    reply = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "let me think"},
            {"type": "text", "text": "It is "},
            "42.",
            {"type": "image_url", "image_url": {"url": "data:"}},
        ]
    )
    assert turn_text(reply) == "<think>let me think</think>It is 42."
    assert normalize_reply(reply, []).content == reply.content  # kept as sent


def test_empty_replies_are_those_without_calls_and_visible_text():
    assert is_empty_reply(AIMessage(content=""))
    assert is_empty_reply(AIMessage(content="  <think>hmm</think>\n"))
    assert is_empty_reply(AIMessage(content=[{"type": "thinking", "thinking": "hmm"}]))
    assert not is_empty_reply(AIMessage(content="", tool_calls=[call("x", None)]))
    bad = {"name": "x", "args": "{", "id": None, "error": "e", "type": "invalid_tool_call"}
    assert not is_empty_reply(AIMessage(content="", invalid_tool_calls=[bad]))
    assert not is_empty_reply(AIMessage(content="42"))
