"""A real model behind a stock OpenAI-compatible server: no reply it sends breaks a run.

SmolLM2-135M-Instruct on llama-cpp-python's server (`chatml-function-calling`), through
the real `mirograph` command. Every test asserts invariants (the run ends `done` or
`exhausted`, the stored transcript is valid on the OpenAI wire, no traceback), never the
quality of a 135M model's answers. Small budgets and few output tokens keep the lane short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from mirograph.memory import estimate_tokens
from mirograph.models.resolve import resolve_model
from mirograph.models.tokenizer import LlamaCppTokenCounter
from tests.cli.conftest import REPO, cli_env, mirograph, thread_values
from tests.realmodel.conftest import MAX_TOKENS, no_traceback, run_json, wire_problems

# Integration tier; a CLI run or two against a CPU-bound model per test.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

RUN_SECONDS = float(os.environ.get("MIROGRAPH_TEST_RUN_SECONDS", "280"))
"""Most one `mirograph run` may take (seconds of work on a quiet 2-core machine)."""
QUESTION = "How many tool calls can MiroThinker v1.0 make per task?"
ENDED = ("done", "exhausted")


def run_args(server_url: str, db: Path, thread: str, *extra: str) -> list[str]:
    return [
        "run", QUESTION,
        "--model", "openai:smollm2",
        "--base-url", server_url,
        "--db", str(db),
        "--thread", thread,
        "--max-tokens", MAX_TOKENS,
        "--json",
        *extra,
    ]  # fmt: skip


def finished(result: subprocess.CompletedProcess[str], db: Path, thread: str) -> dict:
    """The thread's saved state after a run that must have ended cleanly."""
    no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr[-3000:]
    assert run_json(result.stdout)["status"] in ENDED
    values = thread_values(db, thread)
    assert values["status"] in ENDED
    assert wire_problems(values["messages"]) == []
    return values


def accepted_by(server_url: str, messages: list) -> None:
    """The stored transcript, sent back as it is, is accepted by the server."""
    model = resolve_model("openai:smollm2", base_url=server_url, max_tokens=1)
    assert isinstance(model.invoke(messages), AIMessage)


# -- 4096-token window ------------------------------------------------------------------


@pytest.fixture(scope="module")
def native_run(llama_server, corpus, tmp_path_factory):
    server = llama_server(4096)
    db = tmp_path_factory.mktemp("native") / "db.sqlite"
    args = run_args(server.url, db, "native", "--corpus", str(corpus), "--tool", "search_corpus")
    result = mirograph(
        *args, "--context-window", "4096", "--max-tool-calls", "3", timeout=RUN_SECONDS
    )
    return server, db, result


def test_a_native_tools_run_over_the_corpus_ends_with_a_valid_transcript(native_run):
    server, db, result = native_run
    values = finished(result, db, "native")
    verdicts = [
        m.additional_kwargs["verdict"]
        for m in values["messages"]
        if "verdict" in m.additional_kwargs
    ]
    # Default verification on a real model is the LLM verifier; the server has no
    # json_schema, so the verdict came by function calling, or the rules decided and said so.
    assert all(v["mode"] == "llm" or "llm_error" in v for v in verdicts)
    accepted_by(server.url, values["messages"])


def test_a_real_tool_call_makes_the_full_round_trip(llama_server, tmp_path):
    server = llama_server(4096)
    db = tmp_path / "db.sqlite"
    tool = ("--tool", "tests.models.fixtures:lookup", "--tool-choice", "lookup")
    result = mirograph(
        *run_args(server.url, db, "trip", *tool, "--max-tool-calls", "1"), timeout=RUN_SECONDS
    )
    values = finished(result, db, "trip")
    messages = values["messages"]
    call_turn = next(m for m in messages if isinstance(m, AIMessage) and m.tool_calls)
    position = messages.index(call_turn)
    result_message = messages[position + 1]
    assert isinstance(result_message, ToolMessage) and result_message.status == "success"
    assert result_message.tool_call_id == call_turn.tool_calls[0]["id"]
    # The server accepted the request carrying the result: the run answered after it.
    assert any(isinstance(m, AIMessage) and m.text for m in messages[position + 2 :])
    assert (values["status"], values["tool_calls_used"]) == ("exhausted", 1)


def test_the_mirothinker_text_protocol_run_ends_with_a_valid_transcript(
    llama_server, corpus, tmp_path
):
    server = llama_server(4096)
    db = tmp_path / "db.sqlite"
    args = run_args(server.url, db, "mt", "--protocol", "mirothinker", "--corpus", str(corpus))
    result = mirograph(
        *args,
        "--tool",
        "search_corpus",
        "--context-window",
        "4096",
        "--max-tool-calls",
        "3",
        timeout=RUN_SECONDS,
    )
    values = finished(result, db, "mt")
    accepted_by(server.url, values["messages"])


def test_sigkill_mid_run_then_resume_finishes(llama_server, corpus, tmp_path):
    server = llama_server(4096)
    db = tmp_path / "db.sqlite"
    tool = ("--tool", "tests.models.fixtures:lookup", "--tool-choice", "lookup")
    args = run_args(server.url, db, "kill", *tool, "--max-tool-calls", "2")
    process = subprocess.Popen(
        [sys.executable, "-m", "mirograph", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=REPO,
    )  # fmt: skip
    try:
        wait_for_tool_calls(db, "kill", 1, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    resumed = mirograph("resume", "kill", "--db", str(db), "--json", timeout=RUN_SECONDS)
    values = finished(resumed, db, "kill")
    assert values["tool_calls_used"] == 2


def wait_for_tool_calls(db: Path, thread: str, calls: int, process: subprocess.Popen) -> None:
    """Until the thread's saved state has `calls` tool calls; fails on timeout or exit."""
    import sqlite3

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    row = conn.execute(
                        "SELECT tool_calls_used FROM threads WHERE label = ?", (thread,)
                    ).fetchone()
            except sqlite3.OperationalError:
                row = None
            if row and row[0] >= calls:
                return
        time.sleep(0.1)
    pytest.fail(f"thread {thread} did not reach {calls} tool calls in 240 s")


# -- the server's tokenizer -----------------------------------------------------------


def test_the_servers_tokenizer_counts_exactly_and_the_estimate_is_compared(native_run):
    server, db, _ = native_run
    counter = LlamaCppTokenCounter(server.url)
    from tests.realmodel.tools import readings

    native = [
        m
        for m in thread_values(db, "native")["messages"]
        if not isinstance(m, ToolMessage) and not (isinstance(m, AIMessage) and m.tool_calls)
    ]
    transcripts = {
        "native run": native,
        "digits result": [
            HumanMessage("Readings?"),
            HumanMessage(readings.invoke({"station": "x"})),
        ],
        "corpus text": [HumanMessage((REPO / "examples/corpus/mirothinker.md").read_text()[:6000])],
    }
    rows = []
    for name, messages in transcripts.items():
        roles = {"human": "user", "ai": "assistant"}
        body = {
            "messages": [{"role": roles[m.type], "content": str(m.text)} for m in messages],
            "max_tokens": 1,
        }
        reply = httpx.post(f"{server.url}/chat/completions", json=body, timeout=600).json()
        truth = reply["usage"]["prompt_tokens"]  # what the server itself counted
        rows.append((name, truth, counter(messages), estimate_tokens(messages)))
    print("\noffline estimate vs SmolLM2's own count (the server's prompt_tokens)")
    print(f"{'transcript':<14} {'server':>7} {'counter':>8} {'estimate':>9} {'error':>7}")
    for name, truth, exact, estimate in rows:
        print(f"{name:<14} {truth:>7} {exact:>8} {estimate:>9} {(estimate - truth) / truth:>+7.0%}")
    # The server's own tokenizer, through the counter, gives the server's count exactly.
    assert [exact for _, _, exact, _ in rows] == [truth for _, truth, _, _ in rows]
    # The estimate only decides when to summarize: within a factor of five either way
    # (digits are its worst case: one token each, where it assumes four characters a token).
    assert all(0.2 < estimate / truth < 5 for _, truth, _, estimate in rows)


# -- 2048-token window: the server's real context error ---------------------------------

# A user pasting a data series: digits are one token each for SmolLM2, four characters a
# token for the offline estimate. The question fits the planner's call; the verifier's
# (question, answer and its own instructions) does not, and the server says so.
READINGS_QUESTION = (
    "Here are a station's readings: "
    + " ".join(str(i * 7919 % 100_000).zfill(5) for i in range(275))
    + " Which digit is most common?"
)


def test_a_2048_window_the_servers_context_error_is_handled(llama_server, corpus, tmp_path):
    server = llama_server(2048)
    db = tmp_path / "db.sqlite"
    args = run_args(server.url, db, "small", "--corpus", str(corpus), "--tool", "search_corpus")
    args[1] = READINGS_QUESTION
    result = mirograph(
        *args, "--context-window", "2048", "--max-tool-calls", "2", timeout=RUN_SECONDS
    )
    values = finished(result, db, "small")
    verdicts = [m.additional_kwargs.get("verdict") or {} for m in values["messages"]]
    met = [
        v["llm_error"]
        for v in verdicts
        if "maximum context length is 2048" in v.get("llm_error", "")
    ]
    assert met or values.get("answer_now") == "the context window is full"
