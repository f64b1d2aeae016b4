"""Every mistake a user can make: exit code 2, one line on stderr, no traceback, data intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.cli.conftest import TOOL, cli_env, mirograph, run_args


def assert_one_clean_line(result, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {expected}"]
    assert "Traceback" not in result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_empty_question(tmp_path, script):
    result = mirograph(
        "run",
        "  ",
        "--db",
        str(tmp_path / "db.sqlite"),
        "--model",
        f"scripted:{script}",
        "--tool",
        TOOL,
    )
    assert_one_clean_line(result, "the question is empty")
    assert not (tmp_path / "db.sqlite").exists()


def test_unknown_thread(tmp_path, script):
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script, "real"))
    before = digest(db)
    result = mirograph("resume", "ghost", "--db", str(db))
    assert_one_clean_line(result, "no thread 'ghost' in this database (see `mirograph threads`)")
    assert digest(db) == before


def test_database_path_is_a_directory(tmp_path, script):
    result = mirograph("run", "Q?", "--db", str(tmp_path), "--model", f"scripted:{script}")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ") and str(tmp_path) in result.stderr


def test_database_is_not_sqlite(tmp_path, script):
    db = tmp_path / "notes.sqlite"
    db.write_text("these are my notes, not a database\n" * 50)
    before = digest(db)
    for args in (("run", "Q?", "--model", f"scripted:{script}"), ("threads",), ("resume", "t")):
        result = mirograph(*args, "--db", str(db))
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert digest(db) == before


def test_unknown_model_provider(tmp_path):
    result = mirograph("run", "Q?", "--db", str(tmp_path / "db.sqlite"), "--model", "nosuch:m")
    assert_one_clean_line(
        result,
        "unknown model provider 'nosuch' (use e.g. openai:, anthropic:, ollama:, mirothinker: "
        "or scripted:)",
    )
    assert not (tmp_path / "db.sqlite").exists()


def test_missing_api_key(tmp_path):
    result = mirograph(
        "run", "Q?", "--db", str(tmp_path / "db.sqlite"), "--model", "openai:gpt-4.1", env=cli_env()
    )
    assert_one_clean_line(result, "model openai:gpt-4.1 needs an API key: set OPENAI_API_KEY")


@pytest.mark.parametrize("content", [None, "not json at all"], ids=["missing", "garbage"])
def test_unreadable_script_file(tmp_path, content):
    path = tmp_path / "script.json"
    if content is not None:
        path.write_text(content)
    result = mirograph(
        "run", "Q?", "--db", str(tmp_path / "db.sqlite"), "--model", f"scripted:{path}"
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {'cannot read' if content is None else 'script'}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_exhausted_script_stops_with_one_line_and_keeps_the_thread(tmp_path):
    script = tmp_path / "script.json"
    script.write_text('[{"tool_calls": [{"name": "counted_lookup", "args": {"query": "a"}}]}]')
    db = tmp_path / "db.sqlite"
    result = mirograph(
        "run",
        "Q?",
        "--db",
        str(db),
        "--model",
        f"scripted:{script}",
        "--tool",
        TOOL,
        "--thread",
        "t",
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: the run stopped: ScriptExhausted: scripted model has")
    assert result.stderr.strip().endswith(
        "every finished step is saved, but resuming with the same script would stop again; "
        f"give it a longer script: mirograph resume t --db {db} --model scripted:LONGER_SCRIPT.json"
    )
    assert "Traceback" not in result.stderr
    threads = mirograph("threads", "--db", str(db), "--json")
    assert '"tool_calls_used": 1' in threads.stdout


def test_an_unreachable_model_server_stops_with_one_line(tmp_path):
    result = mirograph(
        "run",
        "Q?",
        "--db",
        str(tmp_path / "db.sqlite"),
        "--model",
        "openai:m",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--tool",
        TOOL,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: the run stopped: OpenAIConnectionError: Connection error."
    )
    assert "Traceback" not in result.stderr


def test_damage_inside_a_database_is_one_line_and_the_file_is_untouched(tmp_path, script):
    db = tmp_path / "db.sqlite"
    mirograph(*run_args(db, script, "t"))
    data = bytearray(db.read_bytes())
    keep = 2 * int.from_bytes(data[16:18], "big")  # two pages: the header and the schema
    data[keep:] = bytes(len(data) - keep)  # zero the rest
    db.write_bytes(bytes(data))
    before = digest(db)
    for args in (("threads",), ("history", "t"), ("show", "t"), ("resume", "t")):
        result = mirograph(*args, "--db", str(db))
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: the database is damaged"), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert digest(db) == before


def test_run_with_an_existing_thread_id_is_refused(tmp_path, script):
    db = tmp_path / "db.sqlite"
    args = run_args(db, script, "t")
    assert mirograph(*args).returncode == 0
    before = digest(db)
    assert_one_clean_line(
        mirograph(*args), f"thread t exists: continue it with: mirograph resume t --db {db}"
    )
    assert digest(db) == before
