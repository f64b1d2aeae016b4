"""run_python started by a non-root user cannot reach its parent's secrets, by any route.

The parent is `mirograph/tools/_sandbox_run.py` under the system Python, run as an
unprivileged uid (from root: `setpriv`) with an API key in its environment and a secret in
its home directory; once with user namespaces, once where unshare(2) fails (the fallback).
The code tries the environment, /proc/<ppid>/environ, every /proc/*/environ, the home
directory, and ptrace of the parent. The same code run unconfined (the control) does read
the secret, so a pass here means the sandbox stopped it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "mirograph" / "tools" / "_sandbox_run.py"
NO_NAMESPACES = Path(__file__).with_name("_without_namespaces.py")
SECRET = "sk-parent-secret-5d1e"
USER = 4242  # an unprivileged uid with no account: nothing of it exists on the machine
SYSTEM_PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.security

PROBE = """
import ctypes, json, os
HOME = {home!r}
found = {{}}
def attempt(name, read):
    try:
        found[name] = read()
    except Exception as exc:
        found[name] = "denied: " + type(exc).__name__
ppid = os.getppid()
attempt("environment", lambda: dict(os.environ))
attempt("parent_environ", lambda: open(f"/proc/{{ppid}}/environ", "rb").read().decode())
attempt("parent_memory_map", lambda: open(f"/proc/{{ppid}}/maps").read())
attempt("every_environ", lambda: [
    open(f"/proc/{{p}}/environ", "rb").read().decode(errors="replace")
    for p in os.listdir("/proc") if p.isdigit()
])
attempt("home_listing", lambda: os.listdir(HOME))
attempt("home_secret", lambda: open(HOME + "/secret.txt").read())
libc = ctypes.CDLL(None, use_errno=True)
def ptrace_parent():
    if libc.ptrace(0x4206, ppid, None, None) != 0:  # PTRACE_SEIZE: attach without a stop
        raise PermissionError(ctypes.get_errno())
    libc.ptrace(17, ppid, None, None)  # PTRACE_DETACH
    return "attached"
attempt("ptrace_parent", ptrace_parent)
print(json.dumps(found))
"""


def as_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command  # the suite already runs as a non-root user
    return ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", *command]


@pytest.fixture
def home() -> Iterator[Path]:
    """The parent's home: only its user may enter; holds a secret file."""
    path = Path(tempfile.mkdtemp(prefix="mirograph-home-"))
    (path / "secret.txt").write_text(SECRET)
    if os.geteuid() == 0:
        for item in (path, path / "secret.txt"):
            os.chown(item, USER, USER)
    path.chmod(0o700)
    yield path
    shutil.rmtree(path)


UNSANDBOXED = (
    "import subprocess, sys; subprocess.run([sys.executable, '-I', '-c', sys.stdin.read()])"
)


def run_as_non_root_parent(home: Path, *, namespaces: bool, sandboxed: bool = True) -> dict:
    if not Path(SYSTEM_PYTHON).exists() or (os.geteuid() == 0 and not shutil.which("setpriv")):
        pytest.skip("needs /usr/bin/python3 and setpriv to play a non-root parent")
    parent = [
        SYSTEM_PYTHON,
        "-I",
        str(RUNNER) if sandboxed else "-c",
        *([] if sandboxed else [UNSANDBOXED]),
    ]
    if not namespaces:
        if platform.machine() != "x86_64":
            pytest.skip("the unshare(2) seccomp filter is written for x86-64")
        parent = [SYSTEM_PYTHON, "-I", str(NO_NAMESPACES), *parent]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "OPENAI_API_KEY": SECRET, "LANG": "C.UTF-8"}
    result = subprocess.run(
        as_user(parent),
        input=PROBE.format(home=str(home)),
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    if not sandboxed:
        return {"status": 0, "stdout": result.stdout, "stderr": result.stderr}
    return json.loads(result.stdout)


@pytest.mark.parametrize("namespaces", [True, False], ids=["user-namespaces", "fallback"])
def test_no_route_reaches_the_parents_secrets(home: Path, namespaces: bool):
    ran = run_as_non_root_parent(home, namespaces=namespaces)
    assert ran["status"] == 0, ran["stderr"]
    assert SECRET not in ran["stdout"] + ran["stderr"]
    found = json.loads(ran["stdout"])
    assert sorted(found.pop("environment")) == ["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR"]
    assert found == {
        "parent_environ": "denied: PermissionError",
        "parent_memory_map": "denied: PermissionError",
        "every_environ": "denied: PermissionError",
        "home_listing": "denied: PermissionError",
        "home_secret": "denied: PermissionError",
        "ptrace_parent": "denied: PermissionError",
    }


def test_the_control_the_same_probe_outside_the_sandbox_reads_the_secrets(home: Path):
    """The probe run as a plain child of the same parent finds the secret by several
    routes, so the test above can fail."""
    ran = run_as_non_root_parent(home, namespaces=False, sandboxed=False)
    found = json.loads(ran["stdout"])
    assert SECRET in found["parent_environ"]
    assert (found["home_secret"], found["ptrace_parent"]) == (SECRET, "attached")


def test_the_suite_runs_this_file_with_an_interpreter_the_user_cannot_reach():
    """Why the parent is the system Python: the suite's own may live under /root."""
    assert Path(sys.executable).exists()
