"""Token accounting: the offline estimate and the exact-counter hook."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from mirograph import Resources
from mirograph.memory import estimate_text_tokens, estimate_tokens
from mirograph.memory.tokens import MESSAGE_OVERHEAD, clip_to_tokens


def test_ascii_text_is_four_characters_a_token():
    assert estimate_text_tokens("a" * 401) == 101


def test_non_ascii_characters_count_one_token_each():
    assert estimate_text_tokens("研究" + "a" * 8) == 4


def test_messages_add_their_overhead_and_tool_calls():
    call = {"name": "f", "args": {}, "id": "1", "type": "tool_call"}
    tokens = estimate_tokens(
        [HumanMessage(content="a" * 8), AIMessage(content="", tool_calls=[call])]
    )
    assert tokens == 2 * MESSAGE_OVERHEAD + 2 + estimate_text_tokens('[["f", {}]]')


def test_resources_use_the_estimate_by_default():
    messages = [HumanMessage(content="a" * 40)]
    assert Resources().count_tokens(messages) == estimate_tokens(messages)


def test_resources_use_an_exact_counter_when_given():
    resources = Resources(token_counter=lambda messages: 7 * len(messages))
    assert resources.count_tokens([HumanMessage(content="a" * 40)] * 3) == 21


def test_clipping_stays_within_the_budget_and_shows_the_marker():
    clipped = clip_to_tokens("a" * 4000, 100, "[cut]")
    assert (clipped.endswith("\n[cut]"), estimate_text_tokens(clipped) <= 100) == (True, True)
