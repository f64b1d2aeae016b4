"""Exact token counts from a local server's own tokenizer, as a `TokenCounter`.

llama-cpp-python's server tokenizes text at `POST /extras/tokenize/count` (special tokens
such as `<|im_start|>` included). `LlamaCppTokenCounter` renders each message the way a
ChatML template does (`<|im_start|>role\\ncontent<|im_end|>\\n`, tool calls as their JSON)
and counts it there, so the summarizer decides with the model's own numbers instead of the
offline estimate. Its `chatml-function-calling` template HTML-escapes message text
(`"` becomes `&#34;`), so the counter escapes it the same way. Counts are cached per
message text: a view re-sends mostly the same messages every turn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import httpx
from langchain_core.messages import AIMessage, BaseMessage

ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
REPLY_START = "<|im_start|>assistant\n"
"""What the template appends for the reply; counted once per model input."""


class LlamaCppTokenCounter:
    """Counts a model input's tokens with the tokenizer of a llama-cpp-python server."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        root = base_url.rstrip("/").removesuffix("/v1")
        self._client = httpx.Client(base_url=root, timeout=timeout)
        self._count = lru_cache(maxsize=16_384)(self._count_text)

    def __call__(self, messages: Sequence[BaseMessage]) -> int:
        total = self._count(REPLY_START)
        return total + sum(self._count(chatml(message)) for message in messages)

    def _count_text(self, text: str) -> int:
        response = self._client.post("/extras/tokenize/count", json={"input": text})
        response.raise_for_status()
        return int(response.json()["count"])

    def close(self) -> None:
        self._client.close()


def chatml(message: BaseMessage) -> str:
    """A message as a ChatML template renders it (tool calls as JSON after the text)."""
    text = message.content if isinstance(message.content, str) else str(message.text)
    if isinstance(message, AIMessage) and message.tool_calls:
        calls = [{"name": c["name"], "arguments": c["args"]} for c in message.tool_calls]
        text += json.dumps(calls, ensure_ascii=False)
    text = text.translate(_HTML_ESCAPES)
    return f"<|im_start|>{ROLES.get(message.type, message.type)}\n{text}<|im_end|>\n"


# What Jinja's autoescape (markupsafe) writes for each character it escapes.
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
