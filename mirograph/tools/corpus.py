"""The local corpus: `index_corpus` builds it, `search_corpus` searches it.

The offline research backend. Documents (.md, .txt, .html — main text extracted — and .pdf
when `pypdf` is installed) go into one SQLite file with an FTS5 index (porter stemming,
BM25 ranking with the title weighted above the body). Each document gets a stable
`corpus://<relative path>` URI, so citations resolve without the network.

Re-indexing is incremental: a file whose size and mtime are unchanged is not read; one whose
bytes hash the same is only re-stamped; only changed files are extracted again; rows of
deleted files are removed. `mirograph index DIR --corpus PATH` calls `index_corpus`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from mirograph.errors import ConfigError
from mirograph.tools.extract import extract_main_text, extractor_errors, pdf_available, pdf_text

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
_TABLE = "documents"


@dataclass
class IndexReport:
    """What one `index_corpus` call did; `skipped` lists files it could not index,
    `ignored` the files of types it does not read (relative paths)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


_EXTRACTOR_ERRORS = extractor_errors()


def supported_suffixes() -> tuple[str, ...]:
    """File types the indexer reads here (PDF only with a PDF text extractor)."""
    pdf = PDF_SUFFIXES if pdf_available() else ()
    return TEXT_SUFFIXES + HTML_SUFFIXES + pdf


def extract_document(path: Path) -> tuple[str, str]:
    """(title, text) of one file; the title falls back to the first heading or file name."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        title, text = extract_main_text(path.read_bytes(), path.as_uri())
    elif suffix in PDF_SUFFIXES:
        title, text = "", pdf_text(path.read_bytes())
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else ""
    return title or path.stem, text


def _open(corpus_path: str | Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(corpus_path)
    tables = db.table_names()
    if "checkpoints" in tables:  # checked before anything is written to the file
        db.close()
        raise ConfigError(
            f"{corpus_path} is a mirograph runs database, not a corpus index: pass it with "
            "--db, and --corpus another file."
        )
    if _TABLE not in tables:
        db[_TABLE].create(
            {
                "uri": str,
                "path": str,
                "title": str,
                "body": str,
                "sha256": str,
                "mtime_ns": int,
                "size": int,
            },
            pk="uri",
        )
        db[_TABLE].enable_fts(["title", "body"], create_triggers=True, tokenize="porter")
    return db


def index_corpus(directory: str | Path, corpus_path: str | Path) -> IndexReport:
    """Bring the corpus at `corpus_path` in line with the files under `directory`."""
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"Corpus folder {str(root)!r} does not exist or is not a folder.")
    db = _open(corpus_path)
    table = db.table(_TABLE)
    known = {
        row["uri"]: row for row in db.query(f"select uri, sha256, mtime_ns, size from {_TABLE}")
    }
    report = IndexReport()
    seen: set[str] = set()
    suffixes = supported_suffixes()
    with db.conn:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            if path.suffix.lower() not in suffixes:
                report.ignored.append(relative)
                continue
            uri = f"corpus://{relative}"
            seen.add(uri)
            old = known.get(uri)
            try:  # unreadable, vanished mid-index, or a file its extractor rejects
                stat = path.stat()
                if old and old["mtime_ns"] == stat.st_mtime_ns and old["size"] == stat.st_size:
                    report.unchanged += 1
                    continue
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if old and old["sha256"] == digest:
                    table.update(uri, {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size})
                    report.unchanged += 1
                    continue
                title, body = extract_document(path)
            except (OSError, ValueError, *_EXTRACTOR_ERRORS) as exc:
                report.skipped.append(f"{relative}: {type(exc).__name__}")
                continue
            record = {
                "uri": uri,
                "path": relative,
                "title": title,
                "body": body,
                "sha256": digest,
                "mtime_ns": stat.st_mtime_ns,
                "size": stat.st_size,
            }
            table.upsert(record, pk="uri")
            if old:
                report.updated += 1
            else:
                report.added += 1
        for uri in set(known) - seen:
            table.delete(uri)
            report.removed += 1
    return report


def fts_query(text: str) -> str:
    """The model's free text as a safe FTS5 query: quoted terms joined with OR.

    Quoting neutralises FTS syntax (`NEAR`, `:`, `*`, quotes) in model output; OR plus BM25
    ranks documents that match more, and rarer, terms first.
    """
    terms = re.findall(r"\w+", text.lower())
    return " OR ".join(f'"{term}"' for term in dict.fromkeys(terms))


class SearchCorpusArgs(BaseModel):
    query: str = Field(description="Keywords to search the local document corpus for.")
    max_results: int = Field(default=5, ge=1, le=20, description="How many documents (1-20).")


_SEARCH_SQL = f"""
select d.uri, d.title,
       snippet({_TABLE}_fts, 1, '**', '**', ' … ', 24) as snippet
from {_TABLE}_fts join {_TABLE} d on d.rowid = {_TABLE}_fts.rowid
where {_TABLE}_fts match :query
order by bm25({_TABLE}_fts, 5.0, 1.0)
limit :limit
"""


def search(corpus_path: str | Path, query: str, max_results: int = 5) -> list[dict[str, str]]:
    """Hits as dicts (uri, title, snippet), best first, matches marked with `**`."""
    match = fts_query(query)
    if not match:
        return []
    uri = f"{Path(corpus_path).resolve().as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(_SEARCH_SQL, {"query": match, "limit": max_results}).fetchall()
    return [dict(row) for row in rows]


def make_search_corpus(corpus_path: str | Path) -> BaseTool:
    """A `search_corpus` tool over an index built by `index_corpus`."""
    path = Path(corpus_path)
    build = "build it with `mirograph index DIR --corpus PATH`"
    if not path.is_file():
        raise ConfigError(f"Corpus {str(path)!r} does not exist; {build}.")
    try:
        tables = sqlite_utils.Database(path).table_names()
    except sqlite3.DatabaseError:
        tables = []
    if _TABLE not in tables:
        raise ConfigError(f"{str(path)!r} is not a mirograph corpus; {build}.")

    def search_corpus(query: str, max_results: int = 5) -> tuple[str, dict]:
        hits = search(path, query, max_results)
        if not hits:
            return f"No documents match {query!r}.", {"sources": []}
        lines = []
        for number, hit in enumerate(hits, 1):
            snippet = " ".join(hit["snippet"].split())
            lines.append(f"{number}. {hit['title']}\n   {hit['uri']}\n   {snippet}")
        sources = [{"url": hit["uri"], "title": hit["title"], "read": False} for hit in hits]
        return "\n".join(lines), {"sources": sources}

    return StructuredTool.from_function(
        func=search_corpus,
        name="search_corpus",
        description=(
            "Full-text search over the local document corpus. Returns ranked documents with "
            "a corpus:// URI, title and a snippet with matches in **bold**."
        ),
        args_schema=SearchCorpusArgs,
        response_format="content_and_artifact",
    )
