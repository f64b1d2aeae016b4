"""What the model is shown: the context view, the running summary, and token counts."""

from mirograph.memory.context_window import (
    OMITTED,
    TRUNCATED,
    answer_now_prompt,
    context_view,
    stub_old_results,
    system_prompt,
    truncate_result,
)
from mirograph.memory.summary import SummaryBudget, SummaryDoesNotFit, summarize
from mirograph.memory.tokens import (
    TokenCounter,
    estimate_text_tokens,
    estimate_tokens,
    estimate_tool_tokens,
)

__all__ = [
    "OMITTED",
    "TRUNCATED",
    "SummaryBudget",
    "SummaryDoesNotFit",
    "TokenCounter",
    "answer_now_prompt",
    "context_view",
    "estimate_text_tokens",
    "estimate_tokens",
    "estimate_tool_tokens",
    "stub_old_results",
    "summarize",
    "system_prompt",
    "truncate_result",
]
