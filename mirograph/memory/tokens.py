"""Token accounting: an offline estimate, and the hook for an exact counter.

Deciding *when* to summarize needs a count that is cheap, deterministic and available
without downloading a tokenizer at run time; ~4 ASCII characters per token is close enough
for that. Where an exact tokenizer is at hand (a local model's, tiktoken already cached), a
`TokenCounter` is plugged in through `Resources.token_counter` and used everywhere instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

TokenCounter = Callable[[Sequence[BaseMessage]], int]
"""Counts the tokens of a message list; plug in an exact tokenizer where one is at hand."""

MESSAGE_OVERHEAD = 4
"""Tokens a chat template spends per message on role and separators."""


def estimate_text_tokens(text: str) -> int:
    """~4 ASCII characters a token, 1 token per other character (CJK, symbols)."""
    if text.isascii():  # the common case, without a per-character loop
        return math.ceil(len(text) / 4)
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def estimate_tokens(messages: Sequence[BaseMessage]) -> int:
    """Offline token estimate of a message list, tool calls included.

    No tokenizer download at run time; close enough to decide when to summarize.
    """
    total = 0
    for message in messages:
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        calls = getattr(message, "tool_calls", None)
        if calls:
            text += json.dumps([[c["name"], c["args"]] for c in calls], ensure_ascii=False)
        total += MESSAGE_OVERHEAD + estimate_text_tokens(text)
    return total


def estimate_tool_tokens(tools: Iterable[BaseTool]) -> int:
    """Tokens the bound tools' JSON schemas take in the planner's prompt."""
    schemas = [convert_to_openai_tool(tool) for tool in tools]
    return estimate_text_tokens(json.dumps(schemas)) if schemas else 0


def clip_to_tokens(text: str, tokens: int, marker: str) -> str:
    """Cut `text` so its estimate stays within `tokens`, ending with a visible marker."""
    if estimate_text_tokens(text) <= tokens:
        return text
    room = tokens - estimate_text_tokens(marker) - 1
    keep = max(0, room * 4)
    while keep > 0 and estimate_text_tokens(text[:keep]) > room:
        keep = int(keep * 0.9)
    return f"{text[:keep]}\n{marker}"
