"""`mirograph run --format report --out PATH` and `mirograph show --format md|json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import mirograph, thread_id

REPORT = """\
# Notes

The answer is 42 [1], and the notes on physics agree [2].

## Sources
1. corpus://notes/math.md
2. https://invented.example/physics
"""
SCRIPT = [
    {"tool_calls": [{"name": "lookup_note", "args": {"topic": "math"}}]},
    REPORT,
    REPORT.replace(" [2]", "").replace("2. https://invented.example/physics\n", ""),
]
EXPECTED_REPORT = (
    "# Notes\n\nThe answer is 42 [1], and the notes on physics agree.\n\n"
    "## Sources\n\n- [1] Notes on math — <corpus://notes/math.md>\n"
)
SOURCE = {
    "n": 1,
    "title": "Notes on math",
    "url": "corpus://notes/math.md",
    "tool": "lookup_note",
    "step": 1,
    "read": True,
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A report-mode thread `t1` (one rejection, then accepted) and its --out file."""
    tmp = tmp_path_factory.mktemp("cli")
    script, db, out = tmp / "script.json", tmp / "db.sqlite", tmp / "report.md"
    script.write_text(json.dumps(SCRIPT))
    result = mirograph(
        "run",
        "What is the answer?",
        "--db",
        str(db),
        "--thread",
        "t1",
        "--model",
        f"scripted:{script}",
        "--tool",
        "tests.verify.tools:lookup_note",
        "--verify",
        "rules",
        "--format",
        "report",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    return db, out


def test_run_writes_the_report_to_the_out_file(finished):
    _, out = finished
    assert out.read_text(encoding="utf-8") == EXPECTED_REPORT


def test_show_json_has_answer_report_sources_status_and_tool_calls(finished):
    db, _ = finished
    data = json.loads(mirograph("show", "t1", "--db", str(db), "--format", "json").stdout)
    assert {k: data[k] for k in ("answer", "report", "sources", "status", "tool_calls_used")} == {
        "answer": "The answer is 42, and the notes on physics agree.",
        "report": EXPECTED_REPORT,
        "sources": [SOURCE],
        "status": "done",
        "tool_calls_used": 1,
    }
    assert data["verified"] is True


def test_show_md_prints_the_report_then_every_retrieved_source(finished):
    db, _ = finished
    result = mirograph("show", "t1", "--db", str(db), "--format", "md")
    t1 = thread_id(db, "t1")
    assert result.stdout == (
        EXPECTED_REPORT
        + "\n## All retrieved sources\n\n- [1] Notes on math — <corpus://notes/math.md>\n\n"
        f"_thread t1 ({t1}) · done · verified · 1 tool call_\n"
    )


def test_out_in_a_missing_directory_is_a_usage_error_before_any_work(tmp_path):
    result = mirograph(
        "run",
        "q",
        "--db",
        str(tmp_path / "db.sqlite"),
        "--model",
        "scripted:x",
        "--out",
        str(tmp_path / "missing" / "r.md"),
    )
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: --out {tmp_path / 'missing' / 'r.md'}: not a file path in an existing directory",
    )
    assert not (tmp_path / "db.sqlite").exists()
