"""A research run over a queue of model replies, recording every input the model saw."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph

FINAL = "Final: 42."


@tool
def lookup(q: str) -> str:
    """Look something up."""
    return f"found: {q}"


def queued(replies: Iterable[AIMessage | str], final: str = FINAL) -> ScriptedChatModel:
    """A model answering with `replies` in order, then with `final` forever."""
    queue = list(replies)
    return ScriptedChatModel(
        policy=lambda _messages: queue.pop(0) if queue else final, keep_inputs=True
    )


def run(model: ScriptedChatModel, settings: ResearchContext) -> dict:
    graph = build_research_graph(model=model, tools=[lookup], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}, "recursion_limit": 400}
    graph.invoke({"question": "What is it?"}, config, context=settings)
    return graph.get_state(config).values
