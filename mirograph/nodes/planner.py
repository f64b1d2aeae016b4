"""The planner: one model call on the context view, then route by what the model asked for.

Tool calls go to the executor, one `Send` task per call, as long as the tool-call budget
allows; calls beyond the budget get a "not run" result so the transcript stays valid for
every provider. A request for tools once the budget is spent goes to "answer now"; a reply
without tool calls is a candidate answer for the verifier.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from mirograph.context import ResearchContext
from mirograph.memory import context_view
from mirograph.memory.transcript_index import repeated_calls
from mirograph.models.overflow import is_context_overflow
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import ResearchState, ToolTask
from mirograph.transcript import call_key, planned_calls

FINISHED = ("done", "exhausted", "failed")
BUDGET_SPENT = "Not run: the tool-call budget of {budget} calls is spent."


def planner(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["executor", "verifier", "finalizer"]]:
    """Ask the model for the next step and route to tools, verification or "answer now"."""
    settings = runtime.context
    new: list[AnyMessage] = []
    # A finished thread given a new question (a follow-up in Studio) starts a new run:
    # the question joins the transcript and the per-run counters start again.
    new_run = state.get("status") in FINISHED
    started = time.time() if new_run else (state.get("started_at") or time.time())
    fresh: dict[str, Any] = {"answer_now": "", "verifications": 0} if new_run else {}
    if not state.get("messages") or new_run:
        new.append(HumanMessage(content=state["question"]))
    view = context_view({**state, "messages": [*state.get("messages", []), *new]}, settings)
    tools = resources.tools_for(settings)
    model = resources.chat_model(settings, "planner")
    emit_progress(runtime, state, "planner", "thinking")
    try:
        response = (model.bind_tools(list(tools.values())) if tools else model).invoke(view)
    except Exception as exc:  # only the provider's "prompt too long" is handled; rest raises
        if not is_context_overflow(exc):
            raise
        return Command(
            update={
                "messages": new,
                "started_at": started,
                "answer_now": "the context window is full",
                "activity": {"node": "planner", "detail": "context window full"},
            },
            goto="finalizer",
        )
    assert isinstance(response, AIMessage), f"planner model returned {type(response).__name__}"
    new.append(response)

    calls = planned_calls(response)
    if not calls:
        return Command(
            update={
                **fresh,
                "messages": new,
                "started_at": started,
                "status": "verifying",
                "activity": {"node": "planner", "detail": "answered"},
            },
            goto="verifier",
        )

    used = state.get("tool_calls_used", 0)
    fits = max(0, settings.max_tool_calls - used)
    spent = BUDGET_SPENT.format(budget=settings.max_tool_calls)
    reason = _budget_spent(settings, used, started)
    if reason:
        skipped = [
            ToolMessage(
                content=f"Not run: {reason}.", tool_call_id=c["id"], name=c["name"], status="error"
            )
            for c in calls
        ]
        return Command(
            update={
                "messages": [*new, *skipped],
                "answer_now": reason,
                "started_at": started,
                "activity": {"node": "planner", "detail": "budget spent"},
            },
            goto="finalizer",
        )
    seen = repeated_calls(state.get("messages", []))
    tasks = [_task(call, used + n + 1, seen) for n, call in enumerate(calls[:fits])]
    # Calls past the budget still need a result, in call order: the executor returns it.
    tasks += [_task({**call, "skipped": spent}, 0, {}) for call in calls[fits:]]
    return Command(
        update={
            **fresh,
            "messages": new,
            "started_at": started,
            "status": "researching",
            "activity": {"node": "planner", "detail": ", ".join(c["name"] for c in calls[:fits])},
        },
        goto=[Send("executor", task) for task in tasks],
    )


def _budget_spent(settings: ResearchContext, used: int, started: float) -> str:
    """Why no more tools may run, or "" while the budgets allow them."""
    if used >= settings.max_tool_calls:
        return f"the tool-call budget of {settings.max_tool_calls} calls is spent"
    if settings.max_wall_seconds and time.time() - started >= settings.max_wall_seconds:
        return f"the wall-time budget of {settings.max_wall_seconds:g} seconds is spent"
    return ""


def _task(call: dict[str, Any], step: int, seen: dict[str, int]) -> ToolTask:
    task: ToolTask = {
        "tool_call": {k: call[k] for k in ("name", "args", "id", "type")},
        "step": step,
    }
    if call.get("skipped"):
        task["error"] = call["skipped"]
    elif call.get("error"):
        task["error"] = f"Error: invalid arguments for {call['name']}: {call['error']}"
    elif (earlier := seen.get(call_key(call["name"], call["args"]))) is not None:
        task["error"] = (
            f"Not run: you already called {call['name']} with these arguments (tool call "
            f"#{earlier}). Use its result, or try a different query."
        )
    return task
