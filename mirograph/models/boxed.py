"""`\\boxed{}` answers, as MiroThinker and many benchmarks expect them."""

from __future__ import annotations

import re

_BOX = "\\boxed{"
_NO_ANSWER = {"", "?", "...", "…", "unknown", "n/a", "none"}
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)


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


def strip_think(text: str) -> str:
    """Remove `<think>…</think>` blocks (an unclosed one runs to the end)."""
    return _THINK.sub("", text).strip()
