"""The settings' choices and window default as plain types, without pydantic.

`mirograph.context` builds `ResearchContext` from these; the CLI declares its options
with them, so `mirograph --help` and the listing commands start without pydantic.
"""

from __future__ import annotations

from typing import Literal

ToolProtocol = Literal["auto", "native", "mirothinker"]
VerifyMode = Literal["auto", "llm", "rules", "off"]
AnswerFormat = Literal["short", "boxed", "report"]
SearchBackend = Literal["auto", "tavily", "ddgs", "none"]
ReviewMode = Literal["none", "tools", "answer"]

CONTEXT_WINDOW_TOKENS = 262_144
"""Default `ResearchContext.context_window_tokens`: MiroThinker v1.0's 256K window."""
