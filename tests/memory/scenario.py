"""A scripted research run with 4 KB results, measuring every model input it makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.tools import tool

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.memory import estimate_tokens

ANSWER = "Record 7 settles it."
FORCED = "Best guess from what I have: record 7."
NOTES = "Notes: records checked so far did not settle it."


@tool
def fetch_record(n: int) -> str:
    """Fetch record number n of the archive."""
    return f"record {n} " + "x" * 4090


@dataclass
class Scenario:
    """A planner that calls `fetch_record` `steps` times, then answers."""

    steps: int
    planner_sizes: list[int] = field(default_factory=list)
    calls: int = 0

    def policy(self, messages: list[BaseMessage]) -> object:
        self.planner_sizes.append(estimate_tokens(messages))
        last = messages[-1]
        if isinstance(last, HumanMessage) and last.name == "answer_now":
            return FORCED
        if self.calls >= self.steps:
            return ANSWER
        self.calls += 1
        return {
            "content": f"Checking record {self.calls}.",
            "tool_calls": [{"name": "fetch_record", "args": {"n": self.calls}}],
        }

    def graph(self, **kwargs: object):  # type: ignore[no-untyped-def]
        self.planner = ScriptedChatModel(keep_inputs=True, policy=self.policy)
        self.summarizer = ScriptedChatModel(keep_inputs=True, policy=lambda messages: NOTES)
        return build_research_graph(
            model=self.planner, summarizer_model=self.summarizer, tools=[fetch_record], **kwargs
        )

    def summarizer_sizes(self) -> list[int]:
        return [estimate_tokens(m) for m in self.summarizer.inputs]


def settings(window: int, steps: int, **changes: object) -> ResearchContext:
    """Run settings of the scenario; its 4 KB results are kept whole whatever the window."""
    changes.setdefault("max_tool_result_chars", 100_000)
    return ResearchContext(
        verify="rules", context_window_tokens=window, max_tool_calls=steps, **changes
    )
