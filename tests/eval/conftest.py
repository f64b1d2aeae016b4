"""Fixtures for the eval tests: the synthetic benchmark, its corpus index, settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mirograph.context import ResearchContext
from mirograph.eval import EvalReport, load_tasks, run_eval
from mirograph.tools import index_corpus

DATA = Path(__file__).parent / "data"
DATASET = DATA / "synthetic.jsonl"
AGENT = "python:tests.eval.agents:hop_agent"
JUDGE = "python:tests.eval.agents:rule_judge"

# Hops = tool calls the agent needs; t17 is answered from its attachment.
HOPS = {
    "t01": 1, "t02": 1, "t03": 1, "t04": 1, "t05": 2, "t06": 2, "t07": 2, "t08": 2,
    "t09": 2, "t10": 3, "t11": 3, "t12": 3, "t13": 3, "t14": 4, "t15": 4, "t16": 4,
    "t17": 0, "t18": 1, "t19": 1, "t20": 1,
}  # fmt: skip


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.sqlite"
    index_corpus(DATA / "corpus", path)
    return path


@pytest.fixture
def settings(corpus: Path) -> ResearchContext:
    """The agent and its only tool (search_corpus) named by strings, as the CLI does."""
    return ResearchContext(model=AGENT, corpus=str(corpus), tools=(), verify="rules")


def run_synthetic(out: Path, settings: ResearchContext, **kwargs: Any) -> EvalReport:
    from tests.eval.agents import rule_judge

    kwargs.setdefault("judge_model", rule_judge())
    return run_eval(load_tasks(DATASET), out_dir=out, settings=settings, **kwargs)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def without_timing(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "execution"}


REPO = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `mirograph` subprocess: no API keys, tests importable."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PYTHONPATH=str(REPO), LANGSMITH_TRACING="false", COLUMNS="120")
    env.update(extra)
    return env


def eval_args(data: Path, out: Path, corpus: Path, *extra: str) -> list[str]:
    """`python -m mirograph eval` with the scripted agent, judge and corpus."""
    return [
        sys.executable, "-m", "mirograph", "eval", str(data), "--out", str(out),
        "--model", AGENT, "--judge-model", JUDGE, "--corpus", str(corpus),
        "--verify", "rules", *extra,
    ]  # fmt: skip


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, env=env or cli_env(), cwd=REPO, timeout=120
    )
