"""The finalizer: turns the accepted reply, or an "answer now" call, into the run's outputs.

When the run was forced to stop (budget spent, window full) it asks the model once more,
with no tools, to answer from what it has. For `boxed` answers the answer is the content
of the last `\\boxed{}`; `<think>` blocks never reach the answer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from mirograph.context import ResearchContext
from mirograph.memory import context_view
from mirograph.memory.context_window import format_instructions
from mirograph.models.boxed import extract_boxed, strip_think
from mirograph.nodes.verifier import candidate_answer
from mirograph.prompts import load_prompt
from mirograph.resources import Resources
from mirograph.state import ResearchState


def finalizer(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> dict[str, Any]:
    """Produce `answer` and the final `status`."""
    settings = runtime.context
    update: dict[str, Any] = {"activity": {"node": "finalizer", "detail": "answered"}}
    reason = state.get("answer_now")
    if reason:
        prompt = HumanMessage(
            content=load_prompt("answer_now").format(
                reason=reason, format_instructions=format_instructions(settings)
            ),
            name="answer_now",
        )
        view = [*context_view(state, settings), prompt]
        reply = resources.chat_model(settings, "planner").invoke(view)
        reply = AIMessage(content=reply.content, id=reply.id)  # no tools: drop stray calls
        update["messages"] = [prompt, reply]
        text = str(reply.text)
    else:
        text = candidate_answer(state)
    answer = final_answer(text, settings)
    update["answer"] = answer
    update["status"] = ("exhausted" if reason else "done") if answer else "failed"
    return update


def final_answer(text: str, settings: ResearchContext) -> str:
    """The answer as the format asks: boxed content for `boxed`, else the visible text."""
    visible = strip_think(text)
    if settings.answer_format == "boxed":
        return extract_boxed(visible) or ""
    return visible
