"""A real `langgraph dev` server for the Studio tests, one per session.

The server runs `langgraph.json` from the repo root with `MIROGRAPH_DB` in a temporary
folder, the phone-home switches off, and an audit hook (`sitecustomize/`) that records
any non-loopback address its Python code tries to reach. Where the machine allows it
(root, `unshare`, `ip`), it also runs in a private network namespace that has nothing but
loopback, reached through `_netns_bridge.py`; `studio.isolated` says which.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 90
TOOL = "tests.fixtures.tools:counted_lookup"
"""Deployed with `MIROGRAPH_TOOLS`; runs enable it by its name, `counted_lookup`."""
OFFLINE_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
}


@dataclass
class Studio:
    """The running server and what the tests need to know about it."""

    url: str
    db: Path
    counter: Path
    """One line per `counted_lookup` execution (the query), written by the server."""
    connect_log: Path
    isolated: bool
    """True when the server ran in a private network namespace."""
    tmp: Path

    def client(self) -> SyncLangGraphClient:
        return get_sync_client(url=self.url, api_key=None)

    def script(self, name: str, responses: list) -> Path:
        """A scripted-model file for `context={"model": f"scripted:{path}"}`."""
        path = self.tmp / f"{name}.json"
        path.write_text(json.dumps(responses))
        return path

    def context(self, script: Path, **settings: object) -> dict[str, object]:
        return {
            "model": f"scripted:{script}",
            "tools": ["counted_lookup"],
            "verify": "rules",
            **settings,
        }

    def executed(self) -> list[str]:
        return self.counter.read_text().splitlines() if self.counter.exists() else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_isolate() -> bool:
    """A private network namespace works here (root with unshare and ip), unless
    `MIROGRAPH_TEST_NETNS=0` asks to run the server in the test's own namespace."""
    if os.environ.get("MIROGRAPH_TEST_NETNS") == "0":
        return False
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=10
    )
    return probe.returncode == 0


def server_env(tmp: Path, db: Path, counter: Path, connect_log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_ENDPOINT"))}
    pythonpath = [str(HERE / "sitecustomize"), str(REPO), env.get("PYTHONPATH", "")]
    env.update(
        OFFLINE_ENV,
        PYTHONPATH=os.pathsep.join(p for p in pythonpath if p),
        MIROGRAPH_DB=str(db),
        MIROGRAPH_TEST_COUNTER=str(counter),
        MIROGRAPH_TEST_CONNECT_LOG=str(connect_log),
        # The deployment: the test tool, and scripted models from this folder only.
        MIROGRAPH_TOOLS=f"{TOOL},tests.fixtures.tools:gated_lookup",
        MIROGRAPH_TEST_GATE=str(tmp / "gate"),
        MIROGRAPH_MODELS=f"scripted:{tmp}/*",
        HOME=str(tmp),  # no user config, caches or credentials of the developer
    )
    return env


def wait_ok(url: str, process: subprocess.Popen, log: Path) -> None:
    """Wait for `/ok`; on failure, show the server log and fail the session clearly."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    sys.stderr.write(f"--- langgraph dev log ({log}) ---\n{log.read_text(errors='replace')}\n")
    pytest.fail(f"langgraph dev did not answer {url}/ok (exit code {process.poll()})")


def stop(process: subprocess.Popen) -> None:
    """End the process group we started (the server and its workers)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def serve(
    tmp: Path,
    *,
    isolated: bool,
    extra_env: dict[str, str] | None = None,
    sidecars: tuple[list[str], ...] = (),
) -> Iterator[Studio]:
    """A running `langgraph dev` on a free port, with its files in `tmp`; `sidecars` are
    commands started first in the server's network namespace (e.g. capture servers)."""
    db, counter, connect_log, log = (
        tmp / "studio.sqlite",
        tmp / "executions.txt",
        tmp / "connections.txt",
        tmp / "server.log",
    )
    port = free_port()
    dev = [
        shutil.which("langgraph", path=str(Path(sys.executable).parent)) or "langgraph",
        "dev",
        "--no-browser",
        "--no-reload",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(REPO / "langgraph.json"),
    ]
    env = {**server_env(tmp, db, counter, connect_log), **(extra_env or {})}
    processes: list[subprocess.Popen] = []
    if isolated:
        started = "".join(f"{shlex.join(command)} & " for command in sidecars)
        script = f'ip link set lo up || exit 1; {started}exec "$@"'
        dev = ["unshare", "-n", "sh", "-c", script, "sh", *dev]
    else:
        for command in sidecars:
            processes.append(subprocess.Popen(command, env=env, start_new_session=True))
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            dev,
            cwd=tmp,  # `.langgraph_api/` and friends land in the temporary folder
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(server)
        try:
            url = f"http://127.0.0.1:{port}"
            if isolated:
                bridge = subprocess.Popen(
                    [sys.executable, str(HERE / "_netns_bridge.py"), str(server.pid), str(port)],
                    stdout=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
                processes.append(bridge)
                assert bridge.stdout is not None
                bridge_port = bridge.stdout.readline().strip()
                if not bridge_port.isdigit():
                    pytest.fail("the network-namespace bridge did not start")
                url = f"http://127.0.0.1:{bridge_port}"
            wait_ok(url, server, log)
            yield Studio(url, db, counter, connect_log, isolated, tmp)
        finally:
            for process in reversed(processes):
                stop(process)


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    with serve(tmp_path_factory.mktemp("studio"), isolated=can_isolate()) as server:
        yield server
