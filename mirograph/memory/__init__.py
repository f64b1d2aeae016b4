"""What the model sees (the context view) and what the run remembers."""

from mirograph.memory.context_window import (
    OMITTED,
    TRUNCATED,
    TokenCounter,
    context_view,
    estimate_tokens,
    system_prompt,
    truncate_result,
)

__all__ = [
    "OMITTED",
    "TRUNCATED",
    "TokenCounter",
    "context_view",
    "estimate_tokens",
    "system_prompt",
    "truncate_result",
]
