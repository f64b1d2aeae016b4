"""Issue 15, point 7: a plain `@tool` returning a URL in its text is a retrieved source, so
an answer citing it survives verification and finalization."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph


@tool
def cited_lookup(query: str) -> str:
    """Look it up."""
    return f"{query} is fine, according to https://example.org/x-report"


def run(answer: str, answer_format: str, tries: int = 1) -> dict:
    model = ScriptedChatModel(
        responses=[
            {"tool_calls": [{"name": "cited_lookup", "args": {"query": "x"}}]},
            *[answer] * tries,
        ]
    )
    graph = build_research_graph(model=model, tools=[cited_lookup], checkpointer=InMemorySaver())
    settings = ResearchContext(verify="rules", answer_format=answer_format)
    return graph.invoke(
        {"question": "Is x fine?"}, {"configurable": {"thread_id": "t"}}, context=settings
    )


def test_a_short_answer_citing_the_url_is_kept_as_written():
    out = run("x is fine (https://example.org/x-report).", "short")
    assert (out["status"], out["verified"]) == ("done", True)
    assert out["answer"] == "x is fine (https://example.org/x-report)."
    assert [(s["url"], s["tool"], s["step"]) for s in out["sources"]] == [
        ("https://example.org/x-report", "cited_lookup", 1)
    ]


def test_a_report_citing_the_url_resolves_it_as_source_one():
    out = run("x is fine [https://example.org/x-report].", "report")
    assert (out["status"], out["verified"]) == ("done", True)
    assert "Removed" not in out["report"]
    assert "https://example.org/x-report" in out["report"]
    assert "[1]" in out["report"]


def test_a_url_the_tool_never_returned_is_still_rejected():
    out = run("x is fine (https://example.org/made-up).", "short", tries=3)
    assert out["verified"] is False
    assert out["answer"] == (
        "x is fine.\n\nRemoved 1 citation that does not match a retrieved source: "
        "`https://example.org/made-up`."
    )
