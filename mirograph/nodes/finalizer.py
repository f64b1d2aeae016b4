"""The finalizer: turns the accepted reply, or an "answer now" call, into the run's outputs.

When the run was forced to stop (budget spent, window full) it asks the model once more,
with no tool calls allowed, to answer from what it has (failure policy in `answer_now`;
when no reply comes, the last `\\boxed{}` answer of the run). For `boxed` answers the
answer is the content of the last `\\boxed{}`; `<think>` blocks never reach the answer.
Citations that match no source the run retrieved are removed and noted; in `report` mode
the rest are renumbered to the recorded sources and a Sources list is generated
(`mirograph.answers.report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime

from mirograph.answers.report import final_outputs
from mirograph.answers.sources import collect_sources
from mirograph.context import ResearchContext
from mirograph.memory import answer_now_prompt, context_view
from mirograph.models.compat import without_tool_calls
from mirograph.models.failures import is_provider_error
from mirograph.models.overflow import is_context_overflow
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import ResearchState
from mirograph.text import extract_boxed, strip_think
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
        reply = answer_now(state, settings, resources, prompt)
        if isinstance(reply, AIMessage):
            update["messages"] = [prompt, reply]
            text = turn_text(reply)
        else:  # no reply, and `reply` says why: the run's last \boxed{} answer, if any
            update["messages"] = [prompt]
            text = last_boxed(state.get("messages", []), state["question"])
            detail = f"no answer: {reply}" + ("; last boxed answer" if text else "")
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
    state: ResearchState, settings: ResearchContext, resources: Resources, prompt: HumanMessage
) -> AIMessage | str:
    """The model's answer with no tool calls allowed, normalized; or why there is none.

    Failure policy: the tools stay bound with tool choice "none" (providers such as
    Anthropic reject a tool-call history without the definitions; a server that refuses the
    choice is asked without tools); a context overflow is retried with every tool result
    stubbed, and if even that overflows there is no reply; `MAX_EMPTY_REPLIES` empty
    replies in a row are no reply; any other provider failure raises (the run stops,
    resumable, as the planner's does).
    """
    model = resources.chat_model(settings, "planner")
    bound = without_tool_calls(model, list(resources.tools_for(settings).values()))
    stubbed = settings.keep_tool_results == 0
    view = context_view(state, settings)
    empty = 0
    while empty < MAX_EMPTY_REPLIES:
        try:
            reply = _invoke(bound, model, [*view, prompt])
        except Exception as exc:  # only "prompt too long" is handled here; the rest raises
            if not is_context_overflow(exc):
                raise
            if stubbed:
                return "the context window is full even with every tool result stubbed"
            stubbed = True
            view = context_view(state, settings.replace(keep_tool_results=0))
            continue
        # No tools in "answer now": drop stray calls, keep usage for token accounting.
        reply = reply.model_copy(update={"tool_calls": [], "invalid_tool_calls": []})
        if not is_empty_reply(reply):
            return normalize_reply(reply, [*state.get("messages", []), prompt])
        empty += 1
    return f"{MAX_EMPTY_REPLIES} empty replies in a row"


def _invoke(bound: Runnable, model: BaseChatModel, view: list[BaseMessage]) -> AIMessage:
    if bound is model:
        return model.invoke(view)  # type: ignore[return-value]
    try:
        return bound.invoke(view)  # type: ignore[return-value]
    except Exception as exc:  # a server refusing tool_choice "none": ask without tools
        if is_context_overflow(exc) or not is_provider_error(exc):
            raise
        return model.invoke(view)  # type: ignore[return-value]


def last_boxed(messages: Sequence[AnyMessage], question: str) -> str:
    """The last `\\boxed{}` answer an AI turn of this run (since `question`) gave, as
    MiroThinker falls back to; "" when there is none."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage) and message.name is None:
            if message.content == question:
                break
        elif isinstance(message, AIMessage):
            boxed = extract_boxed(strip_think(str(message.text)))
            if boxed:
                return f"\\boxed{{{boxed}}}"
    return ""
