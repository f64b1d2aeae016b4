"""Parsing `<use_mcp_tool>` blocks out of a MiroThinker reply.

MiroThinker's own client parses with regular expressions, not an XML parser (the model's
output is not valid XML), repairs the JSON arguments, and corrects a wrong server name
from the tool name. Blocks inside `<think>` are reasoning, never calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import json_repair

from mirograph.text import think_spans

OPEN, CLOSE = "<use_mcp_tool>", "</use_mcp_tool>"
_BLOCK = re.compile(re.escape(OPEN) + r"(.*?)" + re.escape(CLOSE), re.DOTALL)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_MASK = re.compile(r"\x00(\d+)\x00")
_EMPTY = re.compile(r"^\{\s*\}?$")


class ToolCallParseError(ValueError):
    """A `<use_mcp_tool>` block that cannot be turned into a call, even after repair."""

    def __init__(self, message: str, *, name: str = "", raw: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.raw = raw


@dataclass
class ParsedCall:
    """One block: where it was addressed, the tool, the arguments, and what was fixed."""

    server: str
    name: str
    args: dict[str, Any]
    raw: str
    fixes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"server": self.server, "name": self.name, "args": self.args}


@dataclass
class ParsedTurn:
    """A whole reply: calls in order, problems with the blocks that failed, and the text
    without its blocks, with (`content`) and without (`visible`) its `<think>` blocks."""

    calls: list[ParsedCall]
    problems: list[ToolCallParseError]
    content: str
    visible: str


def parse_turn(text: str, servers: Mapping[str, str] | None = None) -> ParsedTurn:
    """Parse every top-level block of a reply; `servers` maps known tool names to servers.

    With `servers`, an unknown tool is a problem and a wrong server name is corrected.
    Thoughts are masked first, so a block inside `<think>` is never a call.
    """
    thoughts = think_spans(text)
    masked = "".join(
        _mask(n) if n % 2 else piece for n, piece in enumerate(_pieces(text, thoughts))
    )
    calls: list[ParsedCall] = []
    problems: list[ToolCallParseError] = []
    for number, match in enumerate(_BLOCK.finditer(masked), start=1):
        try:
            calls.append(_parse_block(match.group(1), servers))
        except ToolCallParseError as exc:
            problems.append(
                ToolCallParseError(f"tool call {number}: {exc}", name=exc.name, raw=exc.raw)
            )
    rest = _BLOCK.sub("", masked)
    if OPEN in rest:
        tail = rest[rest.index(OPEN) :]
        problems.append(
            ToolCallParseError(
                f"a {OPEN} block is not closed with {CLOSE} (was the reply cut off?)",
                name=_tag(tail, "tool_name") or "",
                raw=tail,
            )
        )
        rest = rest[: rest.index(OPEN)]
    content = _MASK.sub(lambda m: text[slice(*thoughts[int(m.group(1))])], rest)
    return ParsedTurn(
        calls=calls,
        problems=problems,
        content=content.strip(),
        visible=_MASK.sub("", rest).strip(),
    )


def _pieces(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Alternating outside / thought pieces (outside first, possibly empty)."""
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], text[start:end]]
        at = end
    return [*pieces, text[at:]]


def _mask(n: int) -> str:
    return f"\x00{n // 2}\x00"


def parse_tool_calls(text: str, servers: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every `<use_mcp_tool>` call in `text`, in order, as `{server, name, args}` dicts.

    Raises `ToolCallParseError` for a block that cannot be parsed even after JSON repair
    (or, with `servers`, that names an unknown tool).
    """
    turn = parse_turn(text, servers)
    if turn.problems:
        raise turn.problems[0]
    return [call.as_dict() for call in turn.calls]


def _parse_block(body: str, servers: Mapping[str, str] | None) -> ParsedCall:
    name = _tag(body, "tool_name")
    server = _tag(body, "server_name") or ""
    if not name:
        raise ToolCallParseError("the block has no <tool_name>", raw=body)
    fixes: list[str] = []
    if servers is not None:
        if name not in servers:
            known = ", ".join(sorted(servers)) or "none"
            raise ToolCallParseError(
                f"unknown tool {name!r} (available tools: {known})", name=name, raw=body
            )
        if server != servers[name]:
            fixes.append(f"server {server!r} corrected to {servers[name]!r}")
            server = servers[name]
    raw_args = _tag(body, "arguments", allow_unclosed=True)
    args, repaired = _load_arguments(raw_args or "", name)
    if repaired:
        fixes.append("arguments repaired")
    return ParsedCall(server=server, name=name, args=args, raw=body, fixes=fixes)


def _tag(body: str, tag: str, *, allow_unclosed: bool = False) -> str | None:
    start = body.find(f"<{tag}>")
    if start < 0:
        return None
    start += len(tag) + 2
    end = body.find(f"</{tag}>", start)
    if end < 0:
        return body[start:].strip() if allow_unclosed else None
    return body[start:end].strip()


def _load_arguments(raw: str, name: str) -> tuple[dict[str, Any], bool]:
    """JSON arguments; strict first (literal newlines allowed), then `json_repair`."""
    text = _FENCE.sub("", raw.strip())
    if not text:
        return {}, False
    try:
        value = json.loads(text, strict=False)
        repaired = False
    except json.JSONDecodeError:
        value = json_repair.loads(text)
        repaired = True
    if not isinstance(value, dict) or (repaired and not value and not _EMPTY.match(text)):
        # a "repair" that keeps nothing of a non-empty text has not repaired anything
        raise ToolCallParseError(
            f"the <arguments> of {name} are not a JSON object, even after repair: {_clip(text)}",
            name=name,
            raw=raw,
        )
    return value, repaired


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
