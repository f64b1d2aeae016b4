"""search_corpus over a real SQLite FTS5 index of real pages and notes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlite_utils

from mirograph.errors import ConfigError
from mirograph.tools import IndexReport, index_corpus, make_search_corpus
from mirograph.tools import corpus as corpus_module
from tests.fixtures.pdf import make_pdf
from tests.tools.conftest import DATA, EXPECTED

NOTES = {
    "notes/bread.md": "# Sourdough notes\n\nA starter at 100% hydration doubles in six hours.\n",
    "notes/ops/backup.txt": "Backups of the lab server run nightly with restic to the NAS.\n",
    "notes/tea.md": "# Tea\n\nGreen tea steeps at 80 degrees for two minutes.\n",
}
PAGES = ["en.wikipedia.org.tsne.html", "phys.org.tool.html", "theverge.com.ios13.html",
         "nature.com.telescope.html", "nationalgeographic.co.uk.goats.html"]  # fmt: skip


IGNORED = ["image.png"]
"""What `build_folder` holds that the indexer does not read."""


def build_folder(root: Path) -> Path:
    for name in PAGES:
        (root / "web").mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / name, root / "web" / name)
    for relative, text in NOTES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")  # not indexed
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    root = build_folder(tmp_path_factory.mktemp("docs"))
    db = tmp_path_factory.mktemp("index") / "corpus.db"
    index_corpus(root, db)
    return root, db


@pytest.fixture
def fresh_corpus(tmp_path) -> tuple[Path, Path]:
    root = build_folder(tmp_path / "docs")
    db = tmp_path / "corpus.db"
    index_corpus(root, db)
    return root, db


def top_hit(db: Path, query: str) -> str:
    tool = make_search_corpus(db)
    message = tool.invoke(
        {"type": "tool_call", "id": "c", "name": "search_corpus", "args": {"query": query}}
    )
    return message.artifact["sources"][0]["url"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("t-SNE stochastic neighbor embedding", "corpus://web/en.wikipedia.org.tsne.html"),
        ("Neanderthal birch tar flint", "corpus://web/phys.org.tool.html"),
        ("FaceTime eye contact correction", "corpus://web/theverge.com.ios13.html"),
        ("Chinese radio telescope astronomers", "corpus://web/nature.com.telescope.html"),
        ("wild goats island", "corpus://web/nationalgeographic.co.uk.goats.html"),
        ("sourdough starter hydration", "corpus://notes/bread.md"),
        ("nightly backups restic", "corpus://notes/ops/backup.txt"),
    ],
)
def test_expected_document_ranks_first(corpus, query, expected):
    assert top_hit(corpus[1], query) == expected


def test_first_index_adds_every_supported_file(tmp_path):
    report = index_corpus(build_folder(tmp_path / "docs"), tmp_path / "c.db")
    assert report == IndexReport(added=len(PAGES) + len(NOTES), ignored=IGNORED)


def test_result_has_uri_title_and_highlighted_snippet(corpus):
    tool = make_search_corpus(corpus[1])
    message = tool.invoke(
        {"type": "tool_call", "id": "c", "name": "search_corpus",
         "args": {"query": "green tea", "max_results": 1}}
    )  # fmt: skip
    assert message.artifact == {
        "sources": [{"url": "corpus://notes/tea.md", "title": "Tea", "read": False}]
    }
    assert message.content == (
        "1. Tea\n   corpus://notes/tea.md\n"
        "   # **Tea** **Green** **tea** steeps at 80 degrees for two minutes."
    )


def test_html_documents_are_titled_from_the_page(corpus):
    tool = make_search_corpus(corpus[1])
    message = tool.invoke(
        {"type": "tool_call", "id": "c", "name": "search_corpus",
         "args": {"query": "stochastic neighbor embedding", "max_results": 1}}
    )  # fmt: skip
    title = "T-distributed stochastic neighbor embedding"
    assert message.artifact["sources"] == [
        {"url": "corpus://web/en.wikipedia.org.tsne.html", "title": title, "read": False}
    ]


def test_indexed_pages_keep_main_text_and_drop_boilerplate(corpus):
    rows = sqlite_utils.Database(corpus[1]).query("select path, body from documents")
    bodies = {row["path"]: row["body"] for row in rows}
    for name in PAGES:
        body = bodies[f"web/{name}"]
        assert [s for s in EXPECTED[name]["with"] if s not in body] == []
        assert [s for s in EXPECTED[name]["without"] if s in body] == []


def test_fts_syntax_in_the_query_is_treated_as_words(corpus):
    tool = make_search_corpus(corpus[1])
    assert tool.invoke({"query": 'NEAR(" tea *) AND OR :'}).startswith("1. Tea\n")


def test_reindexing_an_unchanged_folder_does_no_work(fresh_corpus, monkeypatch):
    root, db = fresh_corpus

    def must_not_extract(path: Path) -> tuple[str, str]:
        raise AssertionError(f"re-extracted an unchanged file: {path}")

    monkeypatch.setattr(corpus_module, "extract_document", must_not_extract)
    assert index_corpus(root, db) == IndexReport(unchanged=len(PAGES) + len(NOTES), ignored=IGNORED)


def test_touched_but_identical_file_is_not_reextracted(fresh_corpus, monkeypatch):
    root, db = fresh_corpus
    note = root / "notes/tea.md"
    os.utime(note, ns=(note.stat().st_atime_ns, note.stat().st_mtime_ns + 10**9))
    monkeypatch.setattr(corpus_module, "extract_document", lambda path: 1 / 0)
    assert index_corpus(root, db) == IndexReport(unchanged=len(PAGES) + len(NOTES), ignored=IGNORED)


def test_changed_file_is_reindexed(fresh_corpus):
    root, db = fresh_corpus
    (root / "notes/tea.md").write_text("# Tea\n\nOolong wants 90 degrees.\n", encoding="utf-8")
    report = index_corpus(root, db)
    assert report == IndexReport(updated=1, unchanged=len(PAGES) + len(NOTES) - 1, ignored=IGNORED)
    assert top_hit(db, "oolong") == "corpus://notes/tea.md"
    assert make_search_corpus(db).invoke({"query": "steeps"}) == "No documents match 'steeps'."


def test_deleted_file_is_removed_from_the_index(fresh_corpus):
    root, db = fresh_corpus
    (root / "notes/bread.md").unlink()
    report = index_corpus(root, db)
    assert report == IndexReport(removed=1, unchanged=len(PAGES) + len(NOTES) - 1, ignored=IGNORED)
    assert make_search_corpus(db).invoke({"query": "sourdough"}) == (
        "No documents match 'sourdough'."
    )


def test_missing_corpus_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist; build it with `mirograph index"):
        make_search_corpus(tmp_path / "nope.db")


def test_file_that_is_not_a_corpus_is_a_config_error(tmp_path):
    (tmp_path / "junk.db").write_text("not sqlite")
    with pytest.raises(ConfigError, match=r"is not a mirograph corpus"):
        make_search_corpus(tmp_path / "junk.db")


def test_missing_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist or is not a folder"):
        index_corpus(tmp_path / "absent", tmp_path / "c.db")


def test_a_pdf_is_indexed_and_found_and_a_corrupt_one_skipped(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "minutes.pdf").write_bytes(make_pdf(["Board minutes", "The lighthouse opens in May."]))
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\nnot a pdf at all")
    db = tmp_path / "c.db"
    report = index_corpus(root, db)
    assert (report.added, report.skipped) == (1, ["broken.pdf: PdfStreamError"])
    assert top_hit(db, "lighthouse opens") == "corpus://minutes.pdf"
