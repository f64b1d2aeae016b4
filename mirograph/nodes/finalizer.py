"""The finalizer: turns the accepted reply, or an "answer now" call, into the run's outputs.

When the run was forced to stop (budget spent, window full) it asks the model once more,
with no tools, to answer from what it has. For `boxed` answers the answer is the content
of the last `\\boxed{}`; `<think>` blocks never reach the answer. Citations that match no
source the run retrieved are removed and noted; in `report` mode the rest are renumbered to
the recorded sources and a Sources list is generated (`mirograph.answers.report`).
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from mirograph.answers.report import final_outputs
from mirograph.answers.sources import collect_sources
from mirograph.context import ResearchContext
from mirograph.memory import answer_now_prompt, context_view
from mirograph.models.overflow import is_context_overflow
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import ResearchState
from mirograph.transcript import (
    MAX_EMPTY_REPLIES,
    candidate_answer,
    is_empty_reply,
    normalize_reply,
    turn_text,
)


def finalizer(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> dict[str, Any]:
    """Produce `answer`, `sources`, `report` (report mode) and the final `status`."""
    settings = runtime.context
    update: dict[str, Any] = {"activity": {"node": "finalizer", "detail": "answered"}}
    reason = state.get("answer_now")
    if reason:
        emit_progress(runtime, state, "finalizer", f"answering now: {reason}")
        prompt = answer_now_prompt(settings, reason)
        reply = answer_now(state, settings, resources.chat_model(settings, "planner"), prompt)
        update["messages"] = [prompt] if reply is None else [prompt, reply]
        text = turn_text(reply) if reply is not None else ""
        if reply is None:
            detail = f"no answer: {MAX_EMPTY_REPLIES} empty replies in a row"
            update["activity"] = {"node": "finalizer", "detail": detail}
    else:
        text = candidate_answer(state.get("messages", []))
    # Sources come from the transcript (never a side list), so forks and resumes are exact.
    sources = collect_sources([*state.get("messages", []), *update.get("messages", [])])
    update |= final_outputs(text, state["question"], settings, sources)
    answer = update["answer"]
    update["status"] = ("exhausted" if reason else "done") if answer else "failed"
    return update


def answer_now(
    state: ResearchState, settings: ResearchContext, model: BaseChatModel, prompt: HumanMessage
) -> AIMessage | None:
    """The model's answer without tools, normalized; None after `MAX_EMPTY_REPLIES` replies
    without text in a row (calls are dropped: there are no tools to run)."""
    view = context_view(state, settings)
    for _attempt in range(MAX_EMPTY_REPLIES):
        try:
            reply = model.invoke([*view, prompt])
        except Exception as exc:  # only "prompt too long" is retried; everything else raises
            if not is_context_overflow(exc) or settings.keep_tool_results == 0:
                raise
            # Window full: answer from the thoughts and calls, every tool result stubbed.
            settings = settings.replace(keep_tool_results=0)
            view = context_view(state, settings)
            reply = model.invoke([*view, prompt])
        # No tools in "answer now": drop stray calls, keep usage for token accounting.
        reply = reply.model_copy(update={"tool_calls": [], "invalid_tool_calls": []})
        if not is_empty_reply(reply):
            return normalize_reply(reply, [*state.get("messages", []), prompt])
    return None
