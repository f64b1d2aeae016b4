"""The summarizer's failure policy for its own overflow: a provider that says "prompt too
long" (its estimate was wrong) gets smaller chunks; when none fits, the run answers now."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ScriptedChatModel, build_research_graph
from mirograph.memory import SummaryBudget, estimate_tokens, summarize
from mirograph.memory.summary import render_turns
from mirograph.models.resolve import resolve_model
from tests.models.openai_server import VLLM_CONTEXT_ERROR, serve

from .conftest import research_state
from .scenario import FORCED, Scenario, fetch_record, settings

LIMIT = 3_000
"""Characters of prompt the stub server accepts; past it, vLLM's overflow error (HTTP 400)."""


def overflow_past(limit: int):  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        size = sum(len(m.get("content") or "") for m in body["messages"])
        if size > limit:
            return {"status": 400, "message": VLLM_CONTEXT_ERROR}
        return {"content": "notes"}

    return reply


def test_a_summarizer_call_the_provider_rejects_is_retried_in_smaller_chunks():
    turns = render_turns(research_state(6)["messages"][1:])
    with serve() as server:
        server.reply(*[overflow_past(LIMIT)] * 40)
        model = resolve_model("openai:summarizer", base_url=server.url)
        summary, calls = summarize(
            model,
            question="q",
            previous="",
            turns=turns,
            budget=SummaryBudget.for_window(8_000),  # the estimate thinks 8K fits
            counter=estimate_tokens,
        )
    sizes = [sum(len(m["content"]) for m in r["messages"]) for r in server.requests]
    accepted = [size for size in sizes if size <= LIMIT]
    assert (summary, calls, len(accepted)) == ("notes", len(accepted), len(accepted))
    assert len(sizes) > len(accepted)  # the provider's overflow was met, and worked around


def test_a_summarizer_that_always_overflows_sends_the_run_to_answer_now():
    scenario = Scenario(40)
    config = {"configurable": {"thread_id": "t"}, "recursion_limit": 500}
    with serve() as server:
        server.reply(*[{"status": 400, "message": VLLM_CONTEXT_ERROR}] * 200)
        graph = build_research_graph(
            model=ScriptedChatModel(policy=scenario.policy),
            summarizer_model=resolve_model("openai:summarizer", base_url=server.url),
            tools=[fetch_record],
            checkpointer=InMemorySaver(),
        )
        graph.invoke({"question": "Which record?"}, config, context=settings(3_000, 40))
    state = graph.get_state(config).values
    assert (state["status"], state["answer"], state.get("summary", "")) == ("exhausted", FORCED, "")
    assert state["answer_now"] == "the context window of 3000 tokens is full"
    assert len(server.requests) > 0 and server.script  # every request overflowed, none crashed
    assert max(scenario.planner_sizes) < 3_000
