""" "Answer now" when even the stubbed view overflows: the run's last `\\boxed{}` answer."""

from __future__ import annotations

from langchain_core.exceptions import ContextOverflowError
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.memory.context_window import OMITTED

QUESTION = "What is the capital of France?"
TURNS = [
    AIMessage(
        "A guess: \\boxed{Lyon}. Checking.",
        tool_calls=[{"name": "lookup", "args": {"q": "capital"}, "id": "c1"}],
    ),
    AIMessage(
        "So it is \\boxed{Paris}. Checking once more.",
        tool_calls=[{"name": "lookup", "args": {"q": "capital again"}, "id": "c2"}],
    ),
]


@tool
def lookup(q: str) -> str:
    """Look something up."""
    return f"found: {q}"


def overflowing_at_answer_now(inputs: list[list[BaseMessage]]) -> ScriptedChatModel:
    """Plays `TURNS`; every later call (the "answer now" ones) overflows the window."""

    def policy(messages: list[BaseMessage]) -> AIMessage:
        inputs.append(messages)
        done = sum(isinstance(m, AIMessage) for m in messages)
        if done < len(TURNS):
            return TURNS[done]
        raise ContextOverflowError("prompt is too long: 300000 tokens > 262144 maximum")

    return ScriptedChatModel(policy=policy)


def test_answer_now_overflowing_even_stubbed_ends_with_the_last_boxed_answer_and_says_so():
    inputs: list[list[BaseMessage]] = []
    graph = build_research_graph(
        model=overflowing_at_answer_now(inputs), tools=[lookup], checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "t"}}
    settings = ResearchContext(verify="rules", max_tool_calls=1)
    graph.invoke({"question": QUESTION}, config, context=settings)
    state = graph.get_state(config).values
    assert (state["status"], state["answer"]) == ("exhausted", "\\boxed{Paris}")
    assert state["answer_now"] == "the tool-call budget of 1 calls is spent"
    assert state["activity"] == {
        "node": "finalizer",
        "detail": "no answer: the context window is full even with every tool result "
        "stubbed; last boxed answer",
    }
    # Two planner calls, then "answer now" as it is and with every tool result stubbed.
    first, second = inputs[2:]
    assert (len(inputs), first[-1].name, second[-1].name) == (4, "answer_now", "answer_now")
    assert [m.content for m in first if m.type == "tool"] == [
        "found: capital",
        "Not run: the tool-call budget of 1 calls is spent.",
    ]
    assert [m.content for m in second if m.type == "tool"] == [OMITTED, OMITTED]
    # The answer-now prompt is kept in the transcript; no AI turn was invented for it.
    assert isinstance(state["messages"][-1], HumanMessage)
    assert state["messages"][-1].name == "answer_now"
