"""Synthetic transcripts for context-management tests."""

from __future__ import annotations

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

QUESTION = "Which record settles it?"
RESULT = "r" * 4096


def step_messages(i: int, result: str = RESULT) -> list[AnyMessage]:
    """Tool round `i`: a thought with one call, and the call's 4 KB result."""
    return [
        AIMessage(
            content=f"thought {i}",
            tool_calls=[{"name": "fetch", "args": {"n": i}, "id": f"c{i}", "type": "tool_call"}],
        ),
        ToolMessage(content=f"result {i} {result}", tool_call_id=f"c{i}", name="fetch"),
    ]


def research_state(steps: int, **extra: object) -> dict:
    """A state after `steps` tool rounds: the task, then one AI message and result each."""
    messages: list[AnyMessage] = [HumanMessage(content=QUESTION)]
    for i in range(steps):
        messages.extend(step_messages(i))
    return {"question": QUESTION, "messages": messages, "tool_calls_used": steps, **extra}
