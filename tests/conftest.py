"""Shared fixtures: the suite never touches the network beyond loopback (pyproject addopts)."""

from __future__ import annotations

import os

# Keep LangChain/LangSmith from phoning home, whatever the developer's shell has set.
os.environ["LANGSMITH_TRACING"] = "false"
os.environ["LANGCHAIN_TRACING_V2"] = "false"
