"""What the OpenAI wire requires of a message list, checked on the dicts langchain-openai
sends (its own converter): each assistant tool call has one non-empty id, answered by
exactly one tool message right after it, and no tool message answers nothing."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage
from langchain_openai.chat_models.base import _convert_message_to_dict


def wire_problems(messages: Sequence[BaseMessage]) -> list[str]:
    """Every way `messages` breaks the OpenAI chat wire rules; empty when it is valid."""
    wire = [_convert_message_to_dict(m) for m in messages]
    problems: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(wire):
        entry = wire[i]
        i += 1
        if entry["role"] == "tool":
            problems.append(f"message {i - 1}: a tool result answers no call right before it")
            continue
        if entry["role"] != "assistant" or not entry.get("tool_calls"):
            continue
        ids = [call.get("id") for call in entry["tool_calls"]]
        if not all(isinstance(x, str) and x for x in ids):
            problems.append(f"message {i - 1}: a tool call without an id: {ids}")
        if len(set(ids)) != len(ids) or seen & set(ids):
            problems.append(f"message {i - 1}: repeated tool call ids: {ids}")
        seen |= {x for x in ids if x}
        answers = []
        while i < len(wire) and wire[i]["role"] == "tool":
            answers.append(wire[i]["tool_call_id"])
            i += 1
        if sorted(answers, key=str) != sorted(ids, key=str):
            problems.append(f"message {i - 1}: calls {ids} answered by {answers}")
    return problems
