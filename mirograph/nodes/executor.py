"""The executor: runs one tool call (one `Send` task) and returns its result message.

One task per call means a finished call is saved as a pending write of its step: if a
sibling crashes or the process dies, resuming does not run the finished call again.
Every failure the model or the environment causes becomes an error ToolMessage for the
model (the run goes on); results are truncated here, at ingestion, with a visible marker.
A page this run already read (the planner found it in the transcript: `ToolTask.cached`)
is served from that earlier result with a note, never fetched again, so forks and
resumes see exactly the page the run saw.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from pydantic import ValidationError

from mirograph.answers.sources import CACHED_FROM
from mirograph.context import ResearchContext
from mirograph.memory import truncate_result
from mirograph.memory.window_limits import tool_result_chars
from mirograph.resources import Resources
from mirograph.review import ToolDecision, mark_edited, rejected_message, review_tool_call
from mirograph.state import CachedPage, ToolTask
from mirograph.tools.blocking import invoke as invoke_tool

log = logging.getLogger(__name__)
PAGE_CACHE_NOTE = (
    "[{name}: this page was already read in this run (tool call #{step}); "
    "here is that result again, not fetched a second time]"
)


def executor(
    task: ToolTask, runtime: Runtime[ResearchContext], *, resources: Resources
) -> dict[str, Any]:
    """Run the task's tool call; never raise for a tool's or the model's mistake.

    With `review="tools"` a reviewer approves, edits or rejects the call first; the pause
    comes before anything else because a resumed node re-runs from its start.
    """
    call = task["tool_call"]
    decision = ToolDecision("approve")
    if runtime.context.review == "tools" and "error" not in task and "cached" not in task:
        decision = review_tool_call(call, task["step"])
    if decision.action == "edit":
        call = {**call, "args": decision.args or {}}
    tools = resources.tools_for(runtime.context)
    if "error" in task:
        message = _error(call, task["error"])
    elif "cached" in task:
        message = _from_cache(call, task["cached"])
    elif decision.action == "reject":
        message = rejected_message(call, decision.reason)
    elif (tool := tools.get(call["name"])) is None:
        known = ", ".join(sorted(tools)) or "none"
        message = _error(call, f"Error: unknown tool {call['name']!r}. Available tools: {known}.")
    else:
        message = _run(tool, call)
    if decision.action == "edit":
        message = mark_edited(message, call["args"])
    message = _truncated(message, tool_result_chars(runtime.context))
    ran = task["step"] and decision.action != "reject"
    return {
        "messages": [message],
        "tool_calls_used": 1 if ran else 0,
        "activity": {"node": "executor", "detail": call["name"]},
    }


def _run(tool: BaseTool, call: dict[str, Any]) -> ToolMessage:
    try:
        result = invoke_tool(tool, call)  # async-only tools (MCP's) too
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        return _error(call, f"Error: invalid arguments for {call['name']}: {problems}")
    except ToolException as exc:
        return _error(call, f"Error: {exc}")
    except GraphBubbleUp:  # interrupt() or a Command from inside a tool: LangGraph's to handle
        raise
    except Exception as exc:  # a tool's own failure goes back to the model, logged for us
        log.warning("tool %s failed", call["name"], exc_info=True)
        return _error(call, f"Error: {call['name']} failed: {type(exc).__name__}: {exc}")
    if isinstance(result, ToolMessage):
        return result
    return ToolMessage(content=str(result), tool_call_id=call["id"], name=call["name"])


def _from_cache(call: dict[str, Any], page: CachedPage) -> ToolMessage:
    """The page as this run read it before: no new fetch, so forks and resumes stay exact."""
    note = PAGE_CACHE_NOTE.format(name=call["name"], step=page["step"])
    return ToolMessage(
        content=f"{note}\n\n{page['content']}",
        tool_call_id=call["id"],
        name=call["name"],
        artifact=page["artifact"],
        response_metadata={CACHED_FROM: page["step"]},
    )


def _error(call: dict[str, Any], text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call["id"], name=call["name"], status="error")


def _truncated(message: ToolMessage, limit: int) -> ToolMessage:
    content = message.content
    if isinstance(content, list) and all(_is_text(block) for block in content):
        # MCP tools answer with text blocks: one string is what every provider accepts,
        # and what truncation and the context view work on.
        content = "\n".join(block if isinstance(block, str) else block["text"] for block in content)
        message = message.model_copy(update={"content": content})
    if not isinstance(content, str):
        return message  # images and other media stay as the tool gave them
    text, length = truncate_result(content, limit)
    if text is content:
        return message
    metadata = {**message.response_metadata, "original_chars": length, "truncated": True}
    return message.model_copy(update={"content": text, "response_metadata": metadata})


def _is_text(block: object) -> bool:
    return isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
