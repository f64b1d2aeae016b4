"""The transcript as a MiroThinker model expects it: a text protocol, no native tools.

- the system message starts with the tool list rendered MiroThinker's way (server, tool,
  description, JSON schema) and today's date, followed by the original system prompt;
- an AI turn goes back as the text the model wrote (blocks included);
- the results of one round of tool calls go back as ONE user message, in call order.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from mirograph.prompts import load_prompt
from mirograph.transcript import WRITTEN_TEXT

PROTOCOL_TEXT = WRITTEN_TEXT
"""`additional_kwargs` key holding the text an AI turn is sent back to the model as."""


def _template() -> str:
    return load_prompt("mirothinker_prompt", package="mirograph.models")


def render_tool_prompt(
    tools: Sequence[Mapping[str, Any]], servers: Mapping[str, str], today: _dt.date
) -> str:
    """MiroThinker's tool-use system prompt for OpenAI-style function specs."""
    sections: list[str] = []
    by_server = groupby(
        sorted(tools, key=lambda t: servers[t["name"]]), lambda t: servers[t["name"]]
    )
    for server, group in by_server:
        lines = [f"## Server name: {server}"]
        for tool in group:
            schema = json.dumps(tool.get("parameters", {}), ensure_ascii=False)
            lines += [
                f"### Tool name: {tool['name']}",
                f"Description: {tool.get('description', '')}",
                f"Input JSON schema: {schema}",
            ]
        sections.append("\n".join(lines))
    return _template().format(date=today.isoformat(), servers="\n\n".join(sections)).rstrip()


def render_call(server: str, name: str, args: Any) -> str:
    """One call as a `<use_mcp_tool>` block (for turns that were not written as text)."""
    arguments = json.dumps(args, ensure_ascii=False, indent=2)
    return (
        f"<use_mcp_tool>\n<server_name>{server}</server_name>\n<tool_name>{name}</tool_name>\n"
        f"<arguments>\n{arguments}\n</arguments>\n</use_mcp_tool>"
    )


def to_protocol_messages(
    messages: Sequence[BaseMessage],
    tools: Sequence[Mapping[str, Any]],
    servers: Mapping[str, str],
    today: _dt.date,
) -> list[BaseMessage]:
    """Translate a native tool-calling transcript into MiroThinker's text protocol."""
    out: list[BaseMessage] = []
    if tools:
        prompt = render_tool_prompt(tools, servers, today)
        if messages and isinstance(messages[0], SystemMessage):
            own = messages[0].text
            out.append(SystemMessage(content=f"{prompt}\n\n{own}" if own else prompt))
            messages = messages[1:]
        else:
            out.append(SystemMessage(content=prompt))
    index = 0
    while index < len(messages):
        message = messages[index]
        if isinstance(message, ToolMessage):
            round_ = []
            while index < len(messages) and isinstance(messages[index], ToolMessage):
                round_.append(messages[index])
                index += 1
            out.append(HumanMessage(content=tool_results_text(round_, servers)))
            continue
        if isinstance(message, AIMessage):
            out.append(AIMessage(content=ai_text(message, servers)))
        else:
            out.append(message)
        index += 1
    return out


def ai_text(message: AIMessage, servers: Mapping[str, str], default_server: str = "tools") -> str:
    """The text of an AI turn as the model wrote it, or rendered from native tool calls."""
    written = message.additional_kwargs.get(PROTOCOL_TEXT)
    if isinstance(written, str):
        return written
    blocks = [
        render_call(servers.get(c["name"], default_server), c["name"], c["args"])
        for c in message.tool_calls
    ]
    return "\n\n".join(part for part in (message.text, *blocks) if part)


def tool_results_text(results: Sequence[ToolMessage], servers: Mapping[str, str]) -> str:
    """One round's results in call order; with several, each under a header naming it."""
    if len(results) == 1:
        return results[0].text
    parts = []
    for n, result in enumerate(results, start=1):
        name = result.name or "tool"
        where = f" on {servers[name]}" if name in servers else ""
        outcome = "failed" if result.status == "error" else "returned"
        parts.append(f"Tool call {n} ({name}{where}) {outcome}:\n{result.text}")
    return "\n\n".join(parts)
