"""The finalizer: turns the accepted reply, or an "answer now" call, into the run's outputs.

When the run was forced to stop (budget spent, window full) it asks the model once more,
with no tools, to answer from what it has. For `boxed` answers the answer is the content
of the last `\\boxed{}`; `<think>` blocks never reach the answer. Citations that match no
source the run retrieved are removed and noted; in `report` mode the rest are renumbered to
the recorded sources and a Sources list is generated (`mirograph.answers.report`).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from mirograph.answers.report import final_outputs
from mirograph.answers.sources import collect_sources
from mirograph.context import ResearchContext
from mirograph.memory import answer_now_prompt, context_view
from mirograph.models.overflow import is_context_overflow
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import ResearchState
from mirograph.transcript import candidate_answer


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
        model = resources.chat_model(settings, "planner")
        try:
            reply = model.invoke([*context_view(state, settings), prompt])
        except Exception as exc:  # only "prompt too long" is retried; everything else raises
            if not is_context_overflow(exc):
                raise
            # Window full: answer from the thoughts and calls, every tool result stubbed.
            stubbed = settings.replace(keep_tool_results=0)
            reply = model.invoke([*context_view(state, stubbed), prompt])
        # No tools in "answer now": drop stray calls, keep usage for token accounting.
        reply = reply.model_copy(update={"tool_calls": [], "invalid_tool_calls": []})
        update["messages"] = [prompt, reply]
        text = str(reply.text)
    else:
        text = candidate_answer(state.get("messages", []))
    # Sources come from the transcript (never a side list), so forks and resumes are exact.
    sources = collect_sources([*state.get("messages", []), *update.get("messages", [])])
    update |= final_outputs(text, state["question"], settings, sources)
    answer = update["answer"]
    update["status"] = ("exhausted" if reason else "done") if answer else "failed"
    return update
