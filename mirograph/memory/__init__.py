"""What the model sees (the context view) and what the run remembers (the summary)."""

from mirograph.memory.context_window import (
    MISSING,
    OMITTED,
    TRUNCATED,
    context_view,
    paired,
    stub_old_results,
    system_prompt,
    truncate_result,
)
from mirograph.memory.progress import ProgressEvent, emit_progress, is_progress_event
from mirograph.memory.summary import SummaryBudget, SummaryDoesNotFit, summarize
from mirograph.memory.tokens import (
    TokenCounter,
    estimate_text_tokens,
    estimate_tokens,
    estimate_tool_tokens,
)

__all__ = [
    "MISSING",
    "OMITTED",
    "TRUNCATED",
    "ProgressEvent",
    "SummaryBudget",
    "SummaryDoesNotFit",
    "TokenCounter",
    "context_view",
    "emit_progress",
    "estimate_text_tokens",
    "estimate_tokens",
    "estimate_tool_tokens",
    "is_progress_event",
    "paired",
    "stub_old_results",
    "summarize",
    "system_prompt",
    "truncate_result",
]
