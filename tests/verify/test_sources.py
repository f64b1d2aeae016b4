"""Sources are a pure function of the transcript: what tools returned, in retrieval order."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mirograph.answers.sources import collect_sources, evidence_for, format_source, source_key


def turn(*calls: tuple[str, str]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": {}, "id": cid, "type": "tool_call"} for cid, name in calls
        ],
    )


def result(cid: str, name: str, *urls: str, status: str = "success") -> ToolMessage:
    """A result declaring `urls`: read by fetch_page, only seen (search hits) otherwise."""
    read = name == "fetch_page"
    artifact = {
        "sources": [{"url": u, "title": f"T {u.rstrip('/')[-1]}", "read": read} for u in urls]
    }
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
        {"n": 1, "title": "T 1", "url": "https://x.org/1", "tool": "web_search", "step": 1,
         "read": False},
        {"n": 2, "title": "T 2", "url": "https://x.org/2", "tool": "web_search", "step": 1,
         "read": True},
        {"n": 3, "title": "T 4", "url": "corpus://docs/4", "tool": "search_corpus", "step": 4,
         "read": False},
    ]  # fmt: skip


def test_a_source_seen_in_a_search_then_fetched_is_read_with_its_first_number():
    seen_only = collect_sources(TRANSCRIPT[:3])
    assert [(s["n"], s["read"]) for s in seen_only] == [(1, False), (2, False)]
    assert [(s["n"], s["read"]) for s in collect_sources(TRANSCRIPT[:4])] == [(1, False), (2, True)]


def test_evidence_is_the_page_when_one_was_read_else_the_search_result():
    search = ToolMessage(
        content="1. T 2 — https://x.org/2 — a snippet",
        tool_call_id="a",
        name="web_search",
        artifact={"sources": [{"url": "https://x.org/2", "title": "T 2", "read": False}]},
    )
    page = ToolMessage(
        content="The whole page of x.org/2.",
        tool_call_id="b",
        name="fetch_page",
        artifact={"sources": [{"url": "https://x.org/2", "title": "T 2", "read": True}]},
    )
    transcript = [HumanMessage(content="q"), turn(("a", "web_search"), ("b", "fetch_page"))]
    (source,) = collect_sources([*transcript, search])
    assert evidence_for([*transcript, search], source) == "1. T 2 — https://x.org/2 — a snippet"
    assert evidence_for([*transcript, search, page], source) == "The whole page of x.org/2."


def test_a_declared_source_that_does_not_say_how_counts_as_read():
    message = ToolMessage(
        content="text",
        tool_call_id="a",
        name="lookup",
        artifact={"sources": [{"url": "https://x.org/9", "title": "Nine"}]},
    )
    (source,) = collect_sources([turn(("a", "lookup")), message])
    assert source["read"] is True  # fmt: skip


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
    # Seen, not read: the text names each URL; whether it holds that page is unknown.
    assert collect_sources([turn(("a", "lookup")), plain]) == [
        {"n": 1, "title": "https://x.org/1", "url": "https://x.org/1", "tool": "lookup", "step": 1,
         "read": False},
        {"n": 2, "title": "https://y.org/p?q=1", "url": "https://y.org/p?q=1", "tool": "lookup",
         "step": 1, "read": False},
        {"n": 3, "title": "corpus://docs/n.md", "url": "corpus://docs/n.md", "tool": "lookup",
         "step": 1, "read": False},
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
