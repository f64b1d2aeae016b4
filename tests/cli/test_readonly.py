"""Files are what they claim: listing commands change nothing; a corpus is not a runs
database and a runs database is not a corpus."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import REPO, mirograph

DEMO = REPO / "examples" / "demo-script.json"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus index and a runs database holding one finished thread, `t1`."""
    tmp = tmp_path_factory.mktemp("files")
    corpus, runs = tmp / "corpus.sqlite", tmp / "runs.sqlite"
    indexed = mirograph("index", str(REPO / "examples" / "corpus"), "--corpus", str(corpus))
    assert indexed.returncode == 0, indexed.stderr
    ran = mirograph("run", "How many tool calls?", "--model", f"scripted:{DEMO}",
                    "--corpus", str(corpus), "--db", str(runs), "--thread", "t1")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return corpus, runs


@pytest.mark.parametrize("command", [["threads"], ["history", "t1"], ["show", "t1"]])
def test_listing_commands_leave_the_runs_database_byte_identical(files, command):
    _, runs = files
    before = digest(runs), tables(runs)
    result = mirograph(*command, "--db", str(runs))
    assert result.returncode == 0, result.stderr
    assert (digest(runs), tables(runs)) == before


@pytest.mark.parametrize("command", [["threads"], ["history", "t1"], ["show", "t1"]])
def test_a_corpus_used_as_a_runs_database_is_refused_unchanged(files, command):
    corpus, _ = files
    before = digest(corpus), sorted(p.name for p in corpus.parent.iterdir())
    result = mirograph(*command, "--db", str(corpus))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: {corpus} is a corpus index (built by `mirograph index`), not a runs "
        "database: pass it with --corpus, and --db another file.",
    )
    assert (digest(corpus), sorted(p.name for p in corpus.parent.iterdir())) == before


def test_a_run_into_a_corpus_file_is_refused_unchanged(files):
    corpus, _ = files
    before = digest(corpus)
    result = mirograph("run", "Q?", "--model", f"scripted:{DEMO}", "--db", str(corpus))
    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (
        2,
        f"error: {corpus} is a corpus index (built by `mirograph index`), not a runs "
        "database: pass it with --corpus, and --db another file.",
    )
    assert digest(corpus) == before


def test_indexing_into_a_runs_database_is_refused_unchanged(files, tmp_path):
    _, runs = files
    before = digest(runs), tables(runs)
    result = mirograph("index", str(REPO / "examples" / "corpus"), "--corpus", str(runs))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: {runs} is a mirograph runs database, not a corpus index: pass it with "
        "--db, and --corpus another file.",
    )
    assert (digest(runs), tables(runs)) == before


def test_another_applications_sqlite_file_is_refused(tmp_path):
    other = tmp_path / "app.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
    before = digest(other)
    result = mirograph("threads", "--db", str(other))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: {other} is a SQLite file of another kind (tables: users), not a mirograph "
        "runs database.",
    )
    assert digest(other) == before
