"""Issue 15, points 9–11: script files, `--tool` from the current folder, honest ends,
and typer's own errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import (
    REPO,
    TOOL,
    cli_env,
    mirograph,
    run_args,
    thread_id,
    write_script,
)
from tests.models.openai_server import serve

DEMO = REPO / "examples" / "demo-script.json"


def run_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`mirograph ARGS` typed in `folder` (the repository is importable, not the cwd)."""
    return subprocess.run(
        [sys.executable, "-m", "mirograph", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
        cwd=folder,
    )


# -- 9. scripts and tools ---------------------------------------------------------------


def test_a_script_of_the_wrong_shape_gets_one_line_per_problem(tmp_path):
    script = tmp_path / "bad.json"
    script.write_text(json.dumps([42, {"tool_calls": [{"args": {}}]}, {"content": 7}, "ok"]))
    result = mirograph("run", "Q?", "--db", str(tmp_path / "db"), "--model", f"scripted:{script}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: script file {script}: response 1 is a number, not a string or an object",
        f'script file {script}: response 2, tool call 1 has no "name" (the tool to call)',
        f"script file {script}: response 3: content must be a string",
    ]
    assert not (tmp_path / "db").exists()


def test_the_script_format_is_in_run_help():
    result = mirograph("run", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert 'a list of {"name": TOOL, "args": {...}}' in text


def test_tool_modules_are_found_in_the_current_folder(tmp_path):
    (tmp_path / "mytools.py").write_text(
        "from langchain_core.tools import tool\n\n"
        "@tool\ndef cited_lookup(query: str) -> str:\n"
        '    """Look it up."""\n'
        '    return "It is 42, says https://example.org/answer"\n'
    )
    script = tmp_path / "s.json"
    script.write_text(
        json.dumps([{"tool_calls": [{"name": "cited_lookup", "args": {"query": "x"}}]}, "42."])
    )
    result = run_in(
        tmp_path, "run", "Q?", "--db", "db.sqlite", "--model", "scripted:s.json",
        "--tool", "mytools:cited_lookup", "--verify", "rules", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"] == "42."


def test_a_missing_tool_module_says_where_it_was_looked_for(tmp_path, script):
    result = run_in(tmp_path, "run", "Q?", "--model", f"scripted:{script}", "--tool", "nope:x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: cannot load tool 'nope:x': No module named 'nope' (run from the folder "
        "holding the module, or add its folder to PYTHONPATH)"
    )


# -- 10. ends that say what happened ----------------------------------------------------


def test_the_demo_without_its_corpus_names_the_missing_tool(tmp_path):
    result = mirograph(
        "run", "How many tool calls?", "--model", f"scripted:{DEMO}",
        "--db", str(tmp_path / "db.sqlite"), "--thread", "nc",
    )  # fmt: skip
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: the run stopped: ScriptExhausted: ")
    assert line.endswith(
        "; the model called search_corpus, which is not enabled in this run "
        "(search_corpus: --corpus PATH) — resuming would stop the same way: "
        "run again with it enabled"
    )


def test_a_request_the_provider_refuses_is_not_sent_to_resume(tmp_path):
    db = tmp_path / "db.sqlite"
    with serve() as server:
        server.reply({"status": 400, "message": "unsupported parameter: top_p"})
        result = mirograph(
            "run", "Q?", "--db", str(db), "--model", "openai:m", "--base-url", server.url,
            "--tool", TOOL, "--thread", "t",
        )  # fmt: skip
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: the run stopped: OpenAIInvalidRequestError: Error code: 400 - "
        "unsupported parameter: top_p "
    )
    assert line.endswith(
        "— the provider refused the request (HTTP 400); resuming as it is would send it "
        f"again. every finished step is saved; change the model or its settings, then: "
        f"mirograph resume t --db {db} --model PROVIDER:MODEL"
    )


# -- 11. small things -------------------------------------------------------------------


def test_typer_errors_are_one_line_with_exit_2():
    for value, why in (
        ("-5", "Input should be greater than or equal to 0"),
        ("abc", "Input should be a valid integer, unable to parse string as an integer"),
    ):
        result = mirograph("run", "Q?", "--max-tool-calls", value)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"error: Invalid value for '--max-tool-calls': {why} (see: mirograph run --help)"
        ]


def test_help_shows_no_bool_placeholders():
    for command in ("run", "resume", "threads", "fork", "eval"):
        result = mirograph(command, "--help")
        assert result.returncode == 0
        assert "--json" in result.stdout or command in ("fork", "eval")
        assert "<bool>" not in result.stdout, command


def test_one_tool_call_is_singular(tmp_path):
    script = write_script(tmp_path / "s.json", calls=1)
    result = mirograph(*run_args(tmp_path / "db.sqlite", script, "t"))
    assert result.returncode == 0, result.stderr
    thread = thread_id(tmp_path / "db.sqlite", "t")
    assert result.stderr.strip().splitlines()[-1] == f"thread t ({thread}) · done · 1 tool call"


def test_index_says_which_files_it_ignores(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nalpha")
    (docs / "b.rst").write_text("beta")
    (docs / "c.rst").write_text("gamma")
    result = mirograph("index", str(docs), "--corpus", str(tmp_path / "c.sqlite"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().startswith(
        "ignored 2 files of types index does not read: .rst (2) (it reads .md .markdown .txt"
    )
