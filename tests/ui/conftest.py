"""Fixtures for the ui tests: real threads made by the real CLI, a real server on a free
loopback port, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.cli.conftest import REPO, TOOL, cli_env, mirograph

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts" / "ui"
LONG_CALLS = 600
QUESTION = "What is the answer?"


def write_script(path: Path, calls: int, distinct: int | None = None) -> Path:
    """A scripted model: `calls` single tool calls with a thought each, then the answer.

    With `distinct`, queries cycle, so later calls repeat earlier ones (the planner does
    not run a repeat: it answers with an error the timeline marks)."""
    distinct = distinct or calls
    script = [
        {
            "content": f"Step {i}: look up q{i % distinct}.",
            "tool_calls": [{"name": "counted_lookup", "args": {"query": f"q{i % distinct}"}}],
        }
        for i in range(calls)
    ]
    path.write_text(json.dumps([*script, "The answer is 42."]))
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = mirograph(*args, env=env or cli_env(MIROGRAPH_TEST_TOOL_SECONDS="0"), timeout=300)
    assert done.returncode in (0, 3), done.stderr
    return done


def run_args(db: Path, script: Path, thread: str, *extra: str) -> list[str]:
    return [
        "run", QUESTION, "--db", str(db), "--model", f"scripted:{script}", "--tool", TOOL,
        "--thread", thread, "--verify", "rules", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def ui_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database: a 600-call thread (with repeats), and a thread with two branches."""
    root = tmp_path_factory.mktemp("ui")
    db = root / "runs.sqlite"
    long_script = write_script(root / "long.json", LONG_CALLS, distinct=250)
    run_cli(*run_args(db, long_script, "long", "--max-tool-calls", str(LONG_CALLS)))
    short = write_script(root / "short.json", 8)
    run_cli(*run_args(db, short, "base"))
    note = "Prefer the second source."
    run_cli(
        "fork", "base", "--step", "3", "--new-thread", "base-a", "--note", note, "--db", str(db)
    )
    run_cli("fork", "base", "--step", "5", "--new-thread", "base-b", "--max-tool-calls", "6",
            "--db", str(db))  # fmt: skip
    for branch in ("base-a", "base-b"):
        run_cli("resume", branch, "--db", str(db))
    folded_thread(db)
    run_cli(*run_args(db, short, "review", "--review", "tools"))  # waits at the first call
    return db


FOLDED_CALLS = 30
FAKE_CITATION = "Record 7 settles it, see https://example.org/not-retrieved"


def folded_thread(db: Path) -> None:
    """`folded`: 4 KB results in a small window, so the summarizer folds turns; its first
    answer cites a page it never retrieved, which the verifier rejects."""
    from mirograph import build_research_graph
    from mirograph.checkpoints import open_checkpointer
    from tests.memory.scenario import ANSWER, FORCED, NOTES, fetch_record, settings

    made: list[str] = []  # what the planner returned so far (the view forgets folded turns)

    def planner(messages):
        if messages[-1].type == "human" and messages[-1].name == "answer_now":
            return FORCED
        if len(made) < FOLDED_CALLS:
            made.append("call")
            return {"content": f"Checking record {len(made)}.",
                    "tool_calls": [{"name": "fetch_record", "args": {"n": len(made)}}]}  # fmt: skip
        made.append("answer")
        return FAKE_CITATION if made.count("answer") == 1 else ANSWER

    from mirograph import ScriptedChatModel

    run_settings = settings(6500, FOLDED_CALLS + 5)
    with open_checkpointer(db) as saver:
        graph = build_research_graph(
            model=ScriptedChatModel(policy=planner),
            summarizer_model=ScriptedChatModel(policy=lambda messages: NOTES),
            tools=[fetch_record],
            checkpointer=saver,
        )
        saver.set_thread_settings("folded", run_settings.to_dict())
        config = {"configurable": {"thread_id": "folded"}}
        graph.invoke({"question": QUESTION}, config, context=run_settings, durability="sync")


def file_state(db: Path) -> tuple[str, str]:
    """Digests of the database file and its WAL (absent and empty are the same)."""
    wal = Path(f"{db}-wal")
    return (
        hashlib.sha256(db.read_bytes()).hexdigest(),
        hashlib.sha256(wal.read_bytes() if wal.exists() else b"").hexdigest(),
    )


class Server:
    """`mirograph.ui` served by uvicorn in a thread of this process, on a free port.

    In-process on purpose: the suite's socket guard (loopback only) then covers every
    connection the server code tries to make."""

    def __init__(self, db: Path) -> None:
        import uvicorn

        from mirograph.ui import create_app

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(db), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        wait_for(lambda: self.server.started, "the ui server to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def wait_for(condition, what: str, timeout: float = 60.0, every: float = 0.05):
    """Poll `condition` until truthy; a timeout FAILS the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:g}s waiting for {what}")


@pytest.fixture(scope="session")
def server(ui_db: Path) -> Iterator[Server]:
    with Server(ui_db) as running:
        yield running


class Hosts:
    """Every request the page made, by URL; anything not for 127.0.0.1 is aborted."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.foreign: list[str] = []

    def handle(self, route) -> None:
        url = route.request.url
        self.seen.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (CI's .ci/run does)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page_factory(browser, request: pytest.FixtureRequest):
    """New pages whose every request is checked; screenshots are kept after the test."""
    opened = []

    def new_page():
        hosts = Hosts()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", hosts.handle)
        page = context.new_page()
        opened.append((context, page, hosts))
        return page

    yield new_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for n, (context, page, hosts) in enumerate(opened):
        suffix = f"-{n}" if n else ""
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}{suffix}.png"))
        context.close()
        assert hosts.seen, "the page made no request at all"
        assert hosts.foreign == [], f"requests beyond 127.0.0.1: {hosts.foreign}"


@pytest.fixture
def page(browser_page_factory):
    return browser_page_factory()


@pytest.fixture(scope="session")
def eval_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An `eval` output folder: the synthetic benchmark with a scaling curve."""
    from mirograph.tools import index_corpus
    from tests.eval.conftest import DATA, DATASET, eval_args
    from tests.eval.conftest import cli_env as eval_env

    root = tmp_path_factory.mktemp("eval")
    corpus = root / "corpus.sqlite"
    index_corpus(DATA / "corpus", corpus)
    args = eval_args(DATASET, root / "out", corpus, "--concurrency", "4", "--scaling", "1,2,4")
    done = subprocess.run(
        args, capture_output=True, text=True, env=eval_env(), cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return root / "out"


def start_run(db: Path, script: Path, thread: str, seconds: str) -> subprocess.Popen:
    """A `mirograph run` left running (each tool call takes `seconds`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "mirograph", *run_args(db, script, thread)],
        env=cli_env(MIROGRAPH_TEST_TOOL_SECONDS=seconds),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
