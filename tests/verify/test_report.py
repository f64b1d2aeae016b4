"""Must-show 3: report mode on a scripted run whose tool is the real `fetch_page`, reading
real-world pages from an HTTP server on 127.0.0.1.

The model numbers its sources its own way; the report renumbers them to the recorded
sources, lists them, and the markdown is compared with a golden file (port masked).
Regenerate the golden file with `MIROGRAPH_UPDATE_GOLDEN=1 pytest tests/verify`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mirograph import ResearchContext
from mirograph.answers.sources import format_source
from mirograph.tools import make_fetch_page
from tests.verify.conftest import call, run_graph

GOLDEN = Path(__file__).parent / "golden" / "report_local_pages.md"
QUESTION = "What did Python 3.6.0 bring, and what is t-SNE used for?"


def report_script(base: str) -> list:
    """Parallel fetches, one more fetch, then a report citing in three styles."""
    tsne, python, github = (
        f"{base}/{p}"
        for p in (
            "en.wikipedia.org.tsne.html",
            "blog.python.org.html",
            "github.blog.spiceland.html",
        )
    )
    report = f"""\
# Python 3.6.0 and t-SNE

Python 3.6.0 is a major release with many new features and optimizations [1], and t-SNE is
a statistical method for visualizing high-dimensional data [2].

## Python 3.6.0

The Python Insider blog announced the release as [the newest major release]({python}) of
the language [1].

## t-SNE

t-SNE places each high-dimensional object as a point in two or three dimensions [2], see
also {tsne}.

## Sources
1. Python Insider — {python}
2. Wikipedia — {tsne}
"""
    return [
        {"tool_calls": [call("fetch_page", url=tsne), call("fetch_page", url=python)]},
        {"tool_calls": [call("fetch_page", url=github)]},
        report,
    ]


@pytest.fixture(scope="module")
def report_run(page_server):
    tools = [make_fetch_page(allow=["127.0.0.1/32"], timeout=10)]
    settings = ResearchContext(verify="rules", answer_format="report")
    state, _ = run_graph(report_script(page_server), settings, tools=tools, question=QUESTION)
    return state, page_server


def masked(text: str, base: str) -> str:
    return text.replace(base, "http://127.0.0.1:PORT")


def test_report_matches_the_golden_file(report_run):
    state, base = report_run
    report = masked(state["report"], base)
    if os.environ.get("MIROGRAPH_UPDATE_GOLDEN"):
        GOLDEN.write_text(report, encoding="utf-8")
    assert report == GOLDEN.read_text(encoding="utf-8")


def test_sources_are_the_three_fetched_pages_in_retrieval_order(report_run):
    state, base = report_run
    assert [(s["n"], s["title"], masked(s["url"], base), s["step"]) for s in state["sources"]] == [
        (
            1,
            "T-distributed stochastic neighbor embedding",
            "http://127.0.0.1:PORT/en.wikipedia.org.tsne.html",
            1,
        ),
        (2, "Python 3.6.0 is now available!", "http://127.0.0.1:PORT/blog.python.org.html", 2),
        (
            3,
            "Leader spotlight: Erin Spiceland",
            "http://127.0.0.1:PORT/github.blog.spiceland.html",
            3,
        ),
    ]


def test_every_citation_in_the_report_resolves_to_a_listed_recorded_source(report_run):
    state, _ = report_run
    body, sources_list = state["report"].split("\n## Sources\n")
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", body)})
    recorded = {s["n"]: s for s in state["sources"]}
    assert cited == [1, 2]
    assert sources_list.strip().splitlines() == [f"- {format_source(recorded[n])}" for n in cited]


def test_the_answer_is_the_reports_lead_paragraph(report_run):
    state, _ = report_run
    assert state["answer"] == (
        "Python 3.6.0 is a major release with many new features and optimizations, and t-SNE "
        "is a statistical method for visualizing high-dimensional data."
    )
    assert (state["status"], state["verified"]) == ("done", True)
