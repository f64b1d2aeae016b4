"""`\\boxed{}` answers and `<think>` blocks, as MiroThinker (and many benchmarks) write them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_BOX = "\\boxed{"
_NO_ANSWER = {"", "?", "...", "…", "unknown", "n/a", "none"}
_THINK_OPEN, _THINK_END = "<think>", "</think>"
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


def extract_boxed(text: str) -> str | None:
    """The content of the *last* `\\boxed{...}`: nested braces handled, an unclosed box
    accepted up to the end of the text, and placeholders (`?`, `...`, `unknown`) treated as
    no answer."""
    start = text.rfind(_BOX)
    if start < 0:
        return None
    depth, chars = 1, []
    for ch in text[start + len(_BOX) :]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        chars.append(ch)
    answer = "".join(chars).strip()
    return None if answer.lower() in _NO_ANSWER else answer


def think_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each thought: `<think>…</think>` (unclosed: to the end), and the text
    before an orphan `</think>` (Qwen-style chat templates put the opening tag in the
    prompt, so the reply starts inside the thought)."""
    spans: list[tuple[int, int]] = []
    start = 0
    end = text.find(_THINK_END)
    if end >= 0 and _THINK_OPEN not in text[:end]:
        spans.append((0, end + len(_THINK_END)))
        start = end + len(_THINK_END)
    spans += [m.span() for m in _THINK.finditer(text, start)]
    return spans


def split_think(text: str) -> tuple[str, str]:
    """Split a reply into (thoughts, visible text), tags removed from the thoughts."""
    thoughts, visible, at = [], [], 0
    for start, end in think_spans(text):
        visible.append(text[at:start])
        inner = text[start:end].removeprefix(_THINK_OPEN).removesuffix(_THINK_END).strip()
        if inner:
            thoughts.append(inner)
        at = end
    visible.append(text[at:])
    return "\n\n".join(thoughts), "".join(visible)


def strip_think(text: str) -> str:
    """The reply without its thoughts (see `think_spans`)."""
    return split_think(text)[1].strip()


def format_source(source: Mapping[str, Any]) -> str:
    """One line of a Sources list: `[n] Title — <url>` (a `Source`)."""
    title = " ".join(source["title"].split()) or source["url"]
    return f"[{source['n']}] {title} — <{source['url']}>"
