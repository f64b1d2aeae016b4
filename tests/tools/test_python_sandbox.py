"""run_python: limits, scrubbed environment, no network, nothing left behind."""

from __future__ import annotations

import glob
import os
import socket
import uuid
from pathlib import Path

import pytest
from langchain_core.tools import ToolException

from mirograph.tools import make_run_python, probe_sandbox
from mirograph.tools.python_sandbox import SANDBOX_UIDS


@pytest.fixture(scope="module")
def sandbox() -> dict:
    return probe_sandbox()


@pytest.fixture(scope="module")
def run_python():
    return make_run_python(wall_seconds=10)


def test_prints_come_back_with_the_exit_status(run_python):
    assert run_python.invoke({"code": "print(6 * 7)"}) == "exit status 0\n--- stdout ---\n42"


def children() -> set[int]:
    """Pids of this process's children (killed ones not yet reaped included)."""
    found = set()
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(Path(stat).parent.name))
    return found


def test_infinite_loop_times_out_within_the_wall_limit():
    tool = make_run_python(wall_seconds=1.5)
    before = children()
    with pytest.raises(ToolException) as caught:
        tool.invoke({"code": "while True:\n    pass\n"})
    assert str(caught.value) == (
        "run_python timed out after 1.5 s (wall-time limit); the process was killed"
    )
    assert children() == before  # killed and reaped: nothing left running


def test_allocating_four_gigabytes_fails_cleanly(run_python):
    result = run_python.invoke({"code": "data = bytearray(4 * 1024**3)\nprint('allocated')"})
    assert result.startswith("exit status 1\n--- stderr ---\nTraceback")
    assert result.endswith("\nMemoryError")


def test_secret_in_parent_environment_is_invisible(run_python, monkeypatch):
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-planted-secret")
    result = run_python.invoke({"code": "import os\nprint(sorted(os.environ))"})
    assert result == ("exit status 0\n--- stdout ---\n['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']")


@pytest.mark.security
def test_tcp_connection_to_a_loopback_server_fails(run_python, sandbox):
    if not sandbox["network_isolated"]:
        pytest.skip("no network namespace on this machine: run_python has network access")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"
        result = run_python.invoke({"code": code})
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()
    assert result.endswith("OSError: [Errno 101] Network is unreachable")


def test_files_written_by_the_code_do_not_survive(run_python, sandbox):
    name = f"mirograph-test-{uuid.uuid4().hex}"
    code = (
        "import os, tempfile\n"
        f"open('{name}', 'w').write('x')\n"
        f"open(os.path.join(tempfile.gettempdir(), '{name}.tmp'), 'w').write('x')\n"
        "print(os.getcwd())"
    )
    before = set(glob.glob("/tmp/mirograph-py-*"))
    result = run_python.invoke({"code": code})
    assert result.startswith("exit status 0")
    assert not Path("/tmp", name).exists()
    assert not Path("/tmp", f"{name}.tmp").exists()
    assert set(glob.glob("/tmp/mirograph-py-*")) == before


@pytest.mark.security
def test_code_runs_as_an_unprivileged_user_when_started_as_root(run_python, sandbox):
    import os

    if os.geteuid() != 0:
        pytest.skip("not started as root: the code runs as the current user")
    result = run_python.invoke({"code": "import os\nprint(os.getuid(), os.getgid())"})
    uid, gid = map(int, result.removeprefix("exit status 0\n--- stdout ---\n").split())
    assert uid == gid and uid in SANDBOX_UIDS


def test_long_output_is_truncated():
    tool = make_run_python(wall_seconds=10, max_output_chars=100)
    result = tool.invoke({"code": "print('y' * 5000)"})
    assert result == (
        "exit status 0\n--- stdout ---\n" + "y" * 100 + "\n[output truncated at 100 characters]"
    )


def test_cpu_limit_kills_a_busy_program():
    tool = make_run_python(wall_seconds=10, cpu_seconds=1)
    with pytest.raises(ToolException) as caught:
        tool.invoke({"code": "while True:\n    pass\n"})
    assert str(caught.value) == (
        "run_python exceeded its CPU-time limit of 1 s; the process was killed"
    )


@pytest.mark.security
def test_concurrent_sandboxes_run_as_different_users(run_python):
    """Each call gets a uid of its own, so one call's processes never count against
    another's RLIMIT_NPROC (as root; not as root, see test_sandbox_non_root.py)."""
    import os

    if os.geteuid() != 0:
        pytest.skip("not started as root: the code runs as the current user")
    uids = {run_python.invoke({"code": "import os\nprint(os.getuid())"}) for _ in range(3)}
    assert len(uids) == 3
