"""Trajectories out of the database: the full transcript with tool calls and results.

`json` keeps mirograph's view of a thread (status, answer, counters, every message with
its tool calls); `chatml` is the OpenAI/ChatML message list (system prompt included, tool
calls and tool results as the chat templates of open models expect), the shape of
MiroThinker's collected traces and of most SFT data loaders.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage, convert_to_openai_messages
from langgraph.graph.state import CompiledStateGraph

from mirograph.checkpoints import MirographSaver
from mirograph.context import ResearchContext
from mirograph.errors import InputError, ThreadNotFound
from mirograph.graphs.research import build_research_graph
from mirograph.memory import system_prompt

ExportFormat = Literal["json", "chatml"]


def message_record(message: BaseMessage) -> dict[str, Any]:
    """One transcript message as plain JSON."""
    record: dict[str, Any] = {"role": message.type, "content": message.content}
    if message.name:
        record["name"] = message.name
    if isinstance(message, AIMessage) and message.tool_calls:
        record["tool_calls"] = [
            {"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.tool_calls
        ]
    if isinstance(message, ToolMessage):
        record["tool_call_id"] = message.tool_call_id
        record["status"] = message.status
    return record


def export_thread(
    saver: MirographSaver,
    thread_id: str,
    fmt: ExportFormat = "json",
    *,
    graph: CompiledStateGraph | None = None,
) -> dict[str, Any]:
    """The thread's transcript in `fmt`; `ThreadNotFound` for an unknown thread."""
    if fmt not in ("json", "chatml"):
        raise InputError(f"--format must be json or chatml, not {fmt!r}")
    info = saver.get_thread(thread_id)
    if info is None:
        raise ThreadNotFound(f"no thread {thread_id!r} in this database (see `mirograph threads`)")
    graph = graph or build_research_graph(checkpointer=saver)
    values = graph.get_state({"configurable": {"thread_id": thread_id}}).values
    messages: list[BaseMessage] = list(values.get("messages", []))
    head = {
        "thread_id": thread_id,
        "question": values.get("question", info.question or ""),
        "status": values.get("status", info.status),
        "answer": values.get("answer", ""),
        "tool_calls_used": values.get("tool_calls_used", 0),
        "parent_thread_id": info.parent_thread_id,
    }
    if fmt == "json":
        return {**head, "messages": [message_record(m) for m in messages]}
    settings = ResearchContext.from_dict(info.settings or {})
    system = {"role": "system", "content": system_prompt(settings)}
    return {**head, "messages": [system, *convert_to_openai_messages(messages)]}
