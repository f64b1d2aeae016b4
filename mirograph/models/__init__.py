"""Models: model strings to chat models, and MiroThinker's text tool protocol.

- `resolve_model("provider:model", base_url=...)` builds a chat model once, at the edge;
- `MiroThinkerChatModel` makes a plain chat model speak MiroThinker's `<use_mcp_tool>`
  protocol behind LangChain's native tool-calling interface;
- `extract_boxed`, `strip_think`, `parse_tool_calls` are the text helpers;
- `is_context_overflow` recognizes every provider's "prompt too long" error.
"""

from mirograph.models.mirothinker import (
    MiroThinkerChatModel,
    ToolCallParseError,
    parse_tool_calls,
)
from mirograph.models.overflow import is_context_overflow
from mirograph.models.resolve import parse_model_string, resolve_model
from mirograph.text import extract_boxed, split_think, strip_think

__all__ = [
    "MiroThinkerChatModel",
    "ToolCallParseError",
    "extract_boxed",
    "is_context_overflow",
    "parse_model_string",
    "parse_tool_calls",
    "resolve_model",
    "split_think",
    "strip_think",
]
