"""Defaults that follow the context window, so a 32K and a 256K model both get sensible views.

The rule (also in the README): the K tool results the view keeps in full take at most about
half the window, at ~4 characters a token, so each result is cut to
`context_window_tokens * 2 / K` characters, between 500 and 100 000 (K = 5 when all are
kept, K = -1). For 262 144 tokens that is 100 000 characters (MiroThinker's setting); for
32 768 tokens 13 107 characters (five results ~16K tokens); for 4 096 tokens 1 638. The
other half is left for the prompt, the thoughts and calls, the stubs and the reply. An
explicit `max_tool_result_chars` always wins.
"""

from __future__ import annotations

from mirograph.context import ResearchContext

MIN_RESULT_CHARS = 500
"""Below this a result says too little to be worth a call."""
MAX_RESULT_CHARS = 100_000
"""MiroThinker's limit; larger results rarely hold more that a model can use."""
ALL_KEPT_AS = 5
"""K assumed for the rule when every result is kept (keep_tool_results = -1)."""


def tool_result_chars(settings: ResearchContext) -> int:
    """The characters a tool result keeps: the explicit limit, or the window's rule."""
    if settings.max_tool_result_chars:
        return settings.max_tool_result_chars
    kept = settings.keep_tool_results if settings.keep_tool_results > 0 else ALL_KEPT_AS
    share = settings.context_window_tokens * 2 // kept
    return max(MIN_RESULT_CHARS, min(MAX_RESULT_CHARS, share))
