"""`mirograph export THREAD --format json|chatml`: full transcripts out of an eval."""

from __future__ import annotations

import json

import pytest

from tests.eval.conftest import cli_env, run_cli, run_synthetic


@pytest.fixture
def db(tmp_path, settings):
    run_synthetic(tmp_path / "out", settings, concurrency=4)
    return tmp_path / "out" / "eval.sqlite"


def export(db, thread: str, fmt: str):
    import sys

    return run_cli([sys.executable, "-m", "mirograph", "export", thread, "--db", str(db),
                    "--format", fmt], env=cli_env())  # fmt: skip


def test_json_export_has_tool_calls_and_results(db):
    result = export(db, "t05.r1", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["answer"], data["status"], data["tool_calls_used"]) == ("Vantor", "done", 2)
    assert [(m["role"], m.get("tool_calls", [{}])[0].get("args")) for m in data["messages"]] == [
        ("human", None),
        ("ai", {"query": "homeland of Oren Talby", "max_results": 1}),
        ("tool", None),
        ("ai", {"query": "capital of Kestria", "max_results": 1}),
        ("tool", None),
        ("ai", None),
    ]
    assert "is Kestria." in data["messages"][2]["content"]


def test_chatml_export_is_an_openai_message_list(db):
    data = json.loads(export(db, "t05.r1", "chatml").stdout)
    roles = [m["role"] for m in data["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    call = data["messages"][2]["tool_calls"][0]
    assert (call["function"]["name"], data["messages"][3]["tool_call_id"]) == (
        "search_corpus",
        call["id"],
    )
    assert data["messages"][-1]["content"] == "Vantor"


def test_unknown_thread_is_one_line_and_exit_2(db):
    result = export(db, "nope", "json")
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: no thread 'nope' in this database (see `mirograph threads`)",
    )
