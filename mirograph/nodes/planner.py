"""The planner: one model call on the context view, then route by what the model asked for.

Tool calls go to the executor, one `Send` task per call, as long as the tool-call budget
allows; calls beyond the budget get a "not run" result so the transcript stays valid for
every provider. A request for tools once the budget is spent goes to "answer now"; a reply
without tool calls is a candidate answer for the verifier.

Every reply enters the transcript through `transcript.normalize_reply` (unique call and
message ids, whatever the provider sent). An empty reply (no text, no call) is asked again,
up to `MAX_EMPTY_REPLIES` in a row; after that the run answers now, saying why.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.prompt_values import ChatPromptValue
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from mirograph.answers.sources import pages_read, source_key
from mirograph.context import ResearchContext
from mirograph.memory.context_window import needs_summary, sized_view
from mirograph.memory.transcript_index import repeated_calls, thread_ids_of
from mirograph.models.overflow import is_context_overflow
from mirograph.progress import emit_progress
from mirograph.resources import Resources
from mirograph.state import CachedPage, ResearchState, ToolTask, run_calls_used
from mirograph.transcript import (
    MAX_EMPTY_REPLIES,
    call_key,
    is_empty_reply,
    normalize_reply,
    planned_calls,
)

log = logging.getLogger(__name__)

FINISHED = ("done", "exhausted", "failed")
BUDGET_SPENT = "Not run: the tool-call budget of {budget} calls is spent."
PAGE_TOOL = "fetch_page"
"""The tool whose pages are cached per run (served again from the transcript)."""
PageCache = dict[str, tuple[int, ToolMessage]]


@dataclass(frozen=True)
class _Turn:
    """What every route of one planner step writes: the new messages and `writes`."""

    new: list[AnyMessage]
    started: float
    writes: dict[str, Any]
    """Besides the messages: the per-run counters a follow-up question resets, the run
    clock when it starts, and a turn handed to the summarizer taken back. Nothing else:
    a channel written with its own value still costs a write and a version per step."""

    @classmethod
    def of(cls, state: ResearchState) -> _Turn:
        # A finished thread given a new question (a follow-up) starts a new run: the question
        # joins the transcript, the per-run budget and verification state start again, and
        # `tool_calls_used` keeps counting the thread's total.
        new_run = state.get("status") in FINISHED
        started = time.time() if new_run else (state.get("started_at") or time.time())
        writes: dict[str, Any] = {}
        if new_run:
            total = state.get("tool_calls_used", 0)
            writes = {"answer_now": "", "verifications": 0, "verified": None}
            writes["run_calls_start"] = total
        if started != state.get("started_at"):
            writes["started_at"] = started
        if state.get("summary_asked"):
            writes["summary_asked"] = False
        ask = not state.get("messages") or new_run
        return cls([HumanMessage(content=state["question"])] if ask else [], started, writes)


def planner(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["executor", "verifier", "finalizer", "summarizer"]]:
    """Ask the model for the next step and route to tools, verification or "answer now";
    first hand the turn to the summarizer when the view has passed `summarize_at`."""
    settings = runtime.context
    turn = _Turn.of(state)
    messages = state.get("messages", [])
    # The transcript itself when nothing joins it (the common case): a copy of a 12,000-message
    # transcript costs more than the rest of the round.
    thread = [*messages, *turn.new] if turn.new else messages
    current: ResearchState = {**state, "messages": thread}  # type: ignore[typeddict-item]
    tools = resources.tools_for(settings)
    view, tokens = sized_view(current, settings, resources.token_counter, tools.values())
    if needs_summary(tokens, settings) and not state.get("summary_asked"):
        return _hand_to_summarizer(turn, tokens)
    model = resources.chat_model(settings, "planner")
    emit_progress(runtime, state, "planner", "thinking", view_tokens=tokens)
    try:
        choice = settings.tool_choice or None
        bound = model.bind_tools(list(tools.values()), tool_choice=choice) if tools else model
        response = ask(bound, view, thread)
    except Exception as exc:  # only the provider's "prompt too long" is handled; rest raises
        if not is_context_overflow(exc):
            raise
        return _answer_now(turn, turn.new, "the context window is full", "context window full")
    if response is None:
        reason = f"the model sent {MAX_EMPTY_REPLIES} empty replies in a row"
        return _answer_now(turn, turn.new, reason, "empty replies")
    calls = planned_calls(response)
    if not calls:
        update = {"status": "verifying", "activity": {"node": "planner", "detail": "answered"}}
        return Command(update={**_written(turn, response, tokens), **update}, goto="verifier")
    total = state.get("tool_calls_used", 0)
    used = run_calls_used({**state, **turn.writes})  # type: ignore[typeddict-item]
    reason = _budget_spent(settings, used, turn.started)
    if reason:
        skipped = [
            ToolMessage(
                content=f"Not run: {reason}.", tool_call_id=c["id"], name=c["name"], status="error"
            )
            for c in calls
        ]
        return _answer_now(turn, [*turn.new, response, *skipped], reason, "budget spent")
    fits = max(0, settings.max_tool_calls - used)
    seen = repeated_calls(messages)
    pages = _page_cache(messages, calls)
    # Call numbers count the whole thread (sources and history cite them); budgets, the run.
    tasks = [_task(call, total + n + 1, seen, pages=pages) for n, call in enumerate(calls[:fits])]
    # Calls past the budget still need a result, in call order: the executor returns it.
    spent = BUDGET_SPENT.format(budget=settings.max_tool_calls)
    tasks += [_task(call, 0, {}, skipped=spent) for call in calls[fits:]]
    detail = ", ".join(c["name"] for c in calls[:fits])
    update: dict[str, Any] = {"activity": {"node": "planner", "detail": detail}}
    if state.get("status") != "researching":
        update["status"] = "researching"
    return Command(
        update={**_written(turn, response, tokens), **update},
        goto=[Send("executor", task) for task in tasks],
    )


def ask(model: Runnable, view: list[BaseMessage], thread: list[AnyMessage]) -> AIMessage | None:
    """The model's reply, normalized for `thread`; None after `MAX_EMPTY_REPLIES` empty ones.

    An empty reply (no text, no call) is a glitch of the model or server, not an answer:
    it is asked again with the same view, and never enters the transcript.
    """
    # The view as a prompt value a chat model takes as it is: given a list, LangChain
    # converts and validates every message of it again, on each call.
    prompt = ChatPromptValue.model_construct(messages=view)
    for attempt in range(1, MAX_EMPTY_REPLIES + 1):
        reply = model.invoke(prompt)
        assert isinstance(reply, AIMessage), f"planner model returned {type(reply).__name__}"
        if not is_empty_reply(reply):
            if attempt > 1:
                metadata = {**reply.response_metadata, "empty_replies_before": attempt - 1}
                reply = reply.model_copy(update={"response_metadata": metadata})
            return normalize_reply(reply, thread, ids=thread_ids_of(thread))
        log.warning("planner: empty reply %d/%d, asking again", attempt, MAX_EMPTY_REPLIES)
    return None


def _written(turn: _Turn, response: AIMessage, tokens: int) -> dict[str, Any]:
    return {**turn.writes, "messages": [*turn.new, response], "view_tokens": tokens}


def _hand_to_summarizer(turn: _Turn, tokens: int) -> Command:
    """The view has passed `summarize_at`: the summarizer folds it before the model sees it.

    A new question joins the transcript now (the summarizer sees what the model will)."""
    update: dict[str, Any] = {
        **turn.writes,
        "summary_asked": True,
        "view_tokens": tokens,
        "activity": {"node": "planner", "detail": "context full"},
    }
    if turn.new:
        update |= {"messages": turn.new, "status": "researching"}
    return Command(update=update, goto="summarizer")


def _answer_now(turn: _Turn, messages: list[AnyMessage], reason: str, detail: str) -> Command:
    update = {
        **turn.writes,
        "messages": messages,
        "answer_now": reason,
        "activity": {"node": "planner", "detail": detail},
    }
    return Command(update=update, goto="finalizer")


def _budget_spent(settings: ResearchContext, used: int, started: float) -> str:
    """Why no more tools may run, or "" while the budgets allow them."""
    if used >= settings.max_tool_calls:
        return f"the tool-call budget of {settings.max_tool_calls} calls is spent"
    if settings.max_wall_seconds and time.time() - started >= settings.max_wall_seconds:
        return f"the wall-time budget of {settings.max_wall_seconds:g} seconds is spent"
    return ""


def _page_cache(messages: list[AnyMessage], calls: list[dict[str, Any]]) -> PageCache:
    """The pages this run read with fetch_page, when this turn fetches (else nothing)."""
    if not any(call["name"] == PAGE_TOOL for call in calls):
        return {}
    return pages_read(messages, PAGE_TOOL)


def _cached(call: dict[str, Any], pages: PageCache) -> CachedPage | None:
    """The earlier read of the page `call` asks for, if this run has one."""
    url = call["args"].get("url") if call["name"] == PAGE_TOOL else None
    if not isinstance(url, str) or not pages:
        return None
    hit = pages.get(source_key(url))
    if hit is None:
        return None
    step, message = hit
    return {"step": step, "content": message.text, "artifact": dict(message.artifact)}


def _task(
    call: dict[str, Any],
    step: int,
    seen: dict[str, int],
    skipped: str = "",
    pages: PageCache | None = None,
) -> ToolTask:
    """The executor's input for one call; `error` set when the call must not run, `cached`
    when it asks for a page this run already read (a different spelling of its URL, or
    the page a redirect led to): the same arguments are a repeat, and say so."""
    task: ToolTask = {
        "tool_call": {k: call[k] for k in ("name", "args", "id", "type")},
        "step": step,
    }
    if skipped:
        task["error"] = skipped
    elif call.get("error"):
        task["error"] = f"Error: invalid arguments for {call['name']}: {call['error']}"
    elif (earlier := seen.get(call_key(call["name"], call["args"]))) is not None:
        task["error"] = (
            f"Not run: you already called {call['name']} with these arguments (tool call "
            f"#{earlier}). Use its result, or try a different query."
        )
    elif (page := _cached(call, pages or {})) is not None:
        task["cached"] = page
    return task
