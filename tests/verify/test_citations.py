"""Citations are resolved against recorded sources; unresolved ones are named or removed."""

from __future__ import annotations

from mirograph.answers.citations import removal_note, rewrite_citations, unresolved
from mirograph.answers.report import render_report
from mirograph.state import Source

SOURCES: list[Source] = [
    {"n": 1, "title": "One", "url": "http://a.test/one", "tool": "fetch_page", "step": 1},
    {"n": 2, "title": "Two", "url": "corpus://docs/two.md", "tool": "search_corpus", "step": 2},
]

REPORT = """\
# Answer

It is 42 [2], as [the page](https://a.test/one) says; see also https://fake.test/x.

## Sources
1. https://fake.test/y
2. http://a.test/one
"""


def test_unresolved_names_every_citation_that_matches_no_source():
    assert unresolved(REPORT, SOURCES) == ["https://fake.test/x", "https://fake.test/y"]


def test_a_number_without_an_entry_in_the_models_list_is_unresolved():
    assert unresolved("It is 42 [1].", SOURCES) == ["[1]"]


def test_bare_urls_and_corpus_uris_resolve():
    text = "See http://a.test/one/, and corpus://docs/two.md."
    assert unresolved(text, SOURCES) == []


def test_renumbering_maps_the_models_numbers_to_recorded_ones():
    rewrite = rewrite_citations(REPORT, SOURCES, renumber=True)
    assert rewrite.text == "# Answer\n\nIt is 42 [1], as the page [1] says; see also."
    assert ([s["n"] for s in rewrite.cited], rewrite.removed) == (
        [1],
        ["https://fake.test/x", "https://fake.test/y"],
    )


def test_short_answers_keep_resolved_citations_as_written():
    rewrite = rewrite_citations(
        "42 (http://a.test/one) not (https://b.test)", SOURCES, renumber=False
    )
    assert (rewrite.text, rewrite.removed) == ("42 (http://a.test/one) not", ["https://b.test"])


def test_the_removal_note_counts_and_names_what_was_removed():
    assert removal_note(["https://fake.test/x"]) == (
        "Removed 1 citation that does not match a retrieved source: `https://fake.test/x`."
    )


def test_a_report_without_a_title_gets_the_question_and_a_sources_list():
    report, answer = render_report("It is 42 [1].\n\n[1] http://a.test/one", "What is it?", SOURCES)
    assert report == (
        "# What is it?\n\nIt is 42 [1].\n\n## Sources\n\n- [1] One — <http://a.test/one>\n"
    )
    assert answer == "It is 42."


def test_rendering_a_rendered_report_keeps_it_and_drops_only_the_removal_note():
    report, _ = render_report(REPORT, "q", SOURCES)
    assert render_report(report, "q", SOURCES)[0] == report.split("\n\n> Removed")[0] + "\n"
