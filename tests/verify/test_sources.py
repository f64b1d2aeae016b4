"""Sources are a pure function of the transcript: what tools returned, in retrieval order."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mirograph.answers.sources import collect_sources, format_source, source_key


def turn(*calls: tuple[str, str]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": {}, "id": cid, "type": "tool_call"} for cid, name in calls
        ],
    )


def result(cid: str, name: str, *urls: str, status: str = "success") -> ToolMessage:
    artifact = {"sources": [{"url": u, "title": f"T {u[-1]}"} for u in urls]}
    return ToolMessage(content="...", tool_call_id=cid, name=name, artifact=artifact, status=status)


TRANSCRIPT = [
    HumanMessage(content="q"),
    turn(("a", "web_search"), ("b", "fetch_page")),
    result("a", "web_search", "https://x.org/1", "https://x.org/2"),
    result("b", "fetch_page", "https://x.org/2/"),
    turn(("c", "fetch_page"), ("d", "search_corpus")),
    result("c", "fetch_page", "https://gone.org/3", status="error"),
    result("d", "search_corpus", "corpus://docs/4"),
]


def test_sources_are_numbered_in_first_retrieval_order_with_their_call_number():
    assert collect_sources(TRANSCRIPT) == [
        {"n": 1, "title": "T 1", "url": "https://x.org/1", "tool": "web_search", "step": 1},
        {"n": 2, "title": "T 2", "url": "https://x.org/2", "tool": "web_search", "step": 1},
        {"n": 3, "title": "T 4", "url": "corpus://docs/4", "tool": "search_corpus", "step": 4},
    ]


def test_an_error_result_records_no_source():
    assert "https://gone.org/3" not in [s["url"] for s in collect_sources(TRANSCRIPT)]


def test_a_prefix_of_the_transcript_has_a_prefix_of_the_sources():
    assert collect_sources(TRANSCRIPT[:4]) == collect_sources(TRANSCRIPT)[:2]


def test_results_without_an_artifact_record_every_url_in_their_text():
    text = (
        "It is 42, says https://x.org/1. See also (https://y.org/p?q=1), "
        "[notes](corpus://docs/n.md) and https://x.org/1 again; ftp://z.org is not one."
    )
    plain = ToolMessage(content=text, tool_call_id="a", name="lookup")
    assert collect_sources([turn(("a", "lookup")), plain]) == [
        {"n": 1, "title": "https://x.org/1", "url": "https://x.org/1", "tool": "lookup", "step": 1},
        {"n": 2, "title": "https://y.org/p?q=1", "url": "https://y.org/p?q=1", "tool": "lookup",
         "step": 1},
        {"n": 3, "title": "corpus://docs/n.md", "url": "corpus://docs/n.md", "tool": "lookup",
         "step": 1},
    ]  # fmt: skip


def test_declared_sources_are_taken_at_their_word_and_the_text_is_not_scanned():
    page = ToolMessage(
        content="A page linking to https://elsewhere.org/never-fetched",
        tool_call_id="a",
        name="fetch_page",
        artifact={"sources": [{"url": "https://x.org/page", "title": "Page"}]},
    )
    assert [s["url"] for s in collect_sources([turn(("a", "fetch_page")), page])] == [
        "https://x.org/page"
    ]


def test_an_error_result_with_a_url_in_its_text_records_nothing():
    failed = ToolMessage(
        content="Error: https://x.org/1 timed out", tool_call_id="a", name="lookup", status="error"
    )
    assert collect_sources([turn(("a", "lookup")), failed]) == []


def test_url_matching_ignores_fragment_trailing_slash_scheme_and_host_case():
    assert source_key("HTTPS://X.org/a/#part") == source_key("http://x.org/a")


def test_a_source_line_names_number_title_and_url():
    source = collect_sources(TRANSCRIPT)[2]
    assert format_source(source) == "[3] T 4 — <corpus://docs/4>"
