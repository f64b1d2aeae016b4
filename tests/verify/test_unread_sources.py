"""A source seen only in search results may be cited, and the verdict says it was not read;
the LLM verifier is shown the page when one was read, the search result otherwise."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from mirograph import ResearchContext, ScriptedChatModel
from mirograph.nodes.verifier import Verdict
from tests.verify.conftest import call, fetch_page, run_graph, verdicts

SEEN, READ = "http://news.test/seen", "http://news.test/read"
ACCEPT = Verdict(supported=True, problems=[], missing=[], confidence=0.9)


@tool(response_format="content_and_artifact")
def web_search(query: str) -> tuple[str, dict[str, Any]]:
    """Two hits with snippets, as mirograph's web_search declares them: seen, not read."""
    text = f"1. Seen — {SEEN}\n   The snippet says 41.\n2. Read — {READ}\n   Snippet of 42."
    hits = [{"url": SEEN, "title": "Seen", "read": False}]
    hits.append({"url": READ, "title": "Read", "read": False})
    return text, {"sources": hits}


SCRIPT = [
    {"tool_calls": [call("web_search", query="the answer")]},
    {"tool_calls": [call("fetch_page", url=READ)]},
    f"It is 42 ({READ}), though one result says 41 ({SEEN}).",
]


def test_rules_accept_a_search_only_citation_and_name_it_unread():
    state, _ = run_graph(SCRIPT, ResearchContext(verify="rules"), tools=[web_search, fetch_page])
    assert verdicts(state) == [
        {"mode": "rules", "supported": True, "problems": [], "unread": [SEEN]}
    ]
    assert [(s["url"], s["read"]) for s in state["sources"]] == [(SEEN, False), (READ, True)]


def test_the_llm_verifier_gets_the_page_text_for_a_read_source_and_the_snippet_otherwise():
    verifier = ScriptedChatModel(responses=[ACCEPT], keep_inputs=True)
    state, _ = run_graph(
        SCRIPT, ResearchContext(verify="llm"), tools=[web_search, fetch_page],
        verifier_model=verifier,
    )  # fmt: skip
    request = verifier.inputs[0][-1].content
    evidence = request.split("Evidence (tool results for the cited sources):\n", 1)[1]
    seen_block, read_block = evidence.split("\n\n### ")
    assert seen_block.startswith(
        f"### [1] Seen — <{SEEN}> (never read: only this search result with its snippet)\n"
    )
    assert "The snippet says 41." in seen_block
    assert read_block == f"[2] Page read — <{READ}>\nTitle: Page read\nURL: {READ}\n\n" + (
        "read says the answer is 42."
    )
    assert verdicts(state)[0]["unread"] == [SEEN]
