"""Must show 1: the synthetic benchmark with a scripted agent and judge, end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mirograph.errors import InputError
from mirograph.eval.results import pass_at_k
from tests.eval.conftest import (
    DATASET,
    HOPS,
    JUDGE,
    cli_env,
    eval_args,
    read_jsonl,
    run_cli,
    run_synthetic,
)


@pytest.fixture
def report(tmp_path, settings):
    return run_synthetic(tmp_path / "out", settings, concurrency=4)


def test_results_hold_one_graded_row_per_task(report, tmp_path):
    rows = read_jsonl(tmp_path / "out" / "results.jsonl")
    assert [(r["task_id"], r["run"], r["thread_id"]) for r in rows] == [
        (task_id, 1, f"{task_id}.r1") for task_id in HOPS
    ]
    assert {r["task_id"]: r["tool_calls"] for r in rows} == HOPS
    assert [r["task_id"] for r in rows if not r["correct"]] == ["t20"]
    assert {r["status"] for r in rows} == {"done"}


def test_rows_carry_answer_truth_and_how_they_were_judged(report):
    by_id = {r["task_id"]: r for r in report.rows}
    picked = {k: by_id[k] for k in ("t05", "t17", "t18", "t19", "t20")}
    assert {k: (r["answer"], r["ground_truth"], r["verdict"], r["judge"])
            for k, r in picked.items()} == {
        "t05": ("Vantor", "Vantor", "correct", "exact"),
        "t17": ("Saffron", "Saffron", "correct", "exact"),
        "t18": ("1024", "1,024", "correct", "exact"),
        "t19": ("Quorra Summit (Mount Quorra)", "Mount Quorra", "correct", "llm"),
        "t20": ("Hanna Brisk", "Jonas Brisk", "incorrect", "llm"),
    }  # fmt: skip


def test_summary_reports_accuracy_tool_calls_and_failures(report, tmp_path):
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary == report.summary
    assert summary["accuracy"] == {"avg": 0.95, "std": 0.0, "per_run": [0.95], "metric": "avg@1"}
    assert summary["pass_at_k"] == {"1": 0.95}
    assert summary["tool_calls"] == {"mean": 2.05, "median": 2.0, "max": 4, "total": 41}
    assert (summary["statuses"], summary["judged_by"]) == ({"done": 20}, {"exact": 18, "llm": 2})
    assert (summary["cost_usd"], summary["tokens"]["estimated"]) == (0.0, True)
    assert summary["tokens"]["in"] > summary["tokens"]["out"] > 0


def test_several_runs_give_avg_at_n_and_pass_at_k(tmp_path, settings):
    report = run_synthetic(tmp_path / "out", settings, runs=2, concurrency=4)
    assert len(report.rows) == 40
    assert report.summary["accuracy"] == {
        "avg": 0.95, "std": 0.0, "per_run": [0.95, 0.95], "metric": "avg@2"
    }  # fmt: skip
    assert report.summary["pass_at_k"] == {"1": 0.95, "2": 0.95}


def test_pass_at_k_is_the_unbiased_estimator():
    assert [pass_at_k(4, 1, k) for k in (1, 2, 3, 4)] == [0.25, 0.5, 0.75, 1.0]


def test_an_existing_eval_is_not_overwritten_without_resume(report, tmp_path, settings):
    with pytest.raises(InputError, match="pass --resume"):
        run_synthetic(tmp_path / "out", settings)


def test_concurrency_limits_runs_in_flight(tmp_path, settings):
    from tests.eval import agents

    report = run_synthetic(tmp_path / "out", settings, model=agents.gauge_agent(3), concurrency=3)
    assert (report.accuracy, agents.GAUGE.peak) == (0.95, 3)


def test_cli_prints_the_table(tmp_path, corpus: Path):
    out = tmp_path / "out"
    result = run_cli(eval_args(DATASET, out, corpus, "--concurrency", "4"))
    assert result.returncode == 0, result.stderr
    lines = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    assert "accuracy (avg@1) │ 95.0% ± 0.0% (19/20 correct)" in lines
    assert "tool calls │ mean 2.05 · median 2 · max 4" in lines
    assert "status │ done 20" in lines
    assert json.loads((out / "summary.json").read_text())["correct"] == 19


def test_cli_unreadable_dataset_is_one_line_and_exit_2(tmp_path, corpus: Path):
    result = run_cli(eval_args(tmp_path / "missing.jsonl", tmp_path / "out", corpus))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: cannot read dataset {tmp_path / 'missing.jsonl'}: No such file or directory",
    )


def test_cli_attachment_outside_the_files_folder_reaches_no_model(tmp_path, corpus: Path):
    from tests.fixtures.capture import capture_server

    (tmp_path / "secret.txt").write_text("SECRET-XYZ")
    (tmp_path / "files").mkdir()
    data = tmp_path / "d.jsonl"
    data.write_text(
        json.dumps({"task_id": "a7", "task_question": "Q?", "ground_truth": "A",
                    "file_name": "../secret.txt"}) + "\n"
    )  # fmt: skip
    with capture_server() as model:
        args = [
            sys.executable, "-m", "mirograph", "eval", str(data), "--out", str(tmp_path / "out"),
            "--files", str(tmp_path / "files"), "--model", "openai:gpt-4.1-mini",
            "--base-url", model.url + "/v1", "--judge-model", JUDGE, "--verify", "rules",
        ]  # fmt: skip
        result = run_cli(args, env=cli_env(OPENAI_API_KEY="sk-test"))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: task a7: attached file '../secret.txt' is outside the files folder "
        f"{tmp_path / 'files'}; file names must be relative paths inside it",
    )
    assert model.requests == []


def test_every_eval_thread_has_its_settings_stored(report, tmp_path, settings):
    from mirograph.checkpoints import open_checkpointer
    from mirograph.eval.runner import DB_NAME

    with open_checkpointer(tmp_path / "out" / DB_NAME) as saver:
        threads = saver.list_threads()
        models = {saver.get_thread(t.thread_id).settings["model"] for t in threads}
    assert len(threads) == len(read_jsonl(tmp_path / "out" / "results.jsonl"))
    assert models == {settings.model}
