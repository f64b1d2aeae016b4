"""Recognizing "the prompt does not fit the model's context window" across providers.

LangChain's OpenAI client raises `ContextOverflowError` only for OpenAI's own wording;
vLLM, SGLang, llama.cpp's `llama-server` (`exceed_context_size_error`) and
llama-cpp-python (`context_length_exceeded`) answer HTTP 400 with their own sentences. The
planner treats all of them alike: the run goes to "answer now" instead of failing.
"""

from __future__ import annotations

import re

from langchain_core.exceptions import ContextOverflowError

_OVERFLOW = re.compile(
    r"context_length_exceeded"
    r"|maximum context length"  # OpenAI, vLLM
    r"|longer than the model'?s context length"  # SGLang
    r"|exceeds? the (?:model'?s )?(?:maximum )?context (?:window|length)"
    r"|exceed_context_size_error|exceeds the available context size"  # llama-server
    r"|context window (?:is )?(?:full|exceeded)"
    r"|prompt is too long"  # Anthropic
    r"|input tokens exceed"
    r"|too many tokens",
    re.IGNORECASE,
)


def is_context_overflow(error: BaseException) -> bool:
    """Whether a model call failed because its input was too long for the context window."""
    if isinstance(error, ContextOverflowError):
        return True
    status = getattr(error, "status_code", None)
    if status not in (400, 413, None):
        return False
    return bool(_OVERFLOW.search(str(error)))
