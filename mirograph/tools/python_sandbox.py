"""`run_python(code)`: run model-written Python in a local sandbox — not a VM.

The code runs in a separate process (its own session, killed as a group) with:

- wall-time, CPU-time, address-space, file-size and process-count limits (`resource`);
- a fresh temporary working directory, removed afterwards;
- an environment with nothing from ours (no API keys or tokens; `python -I`);
- no network: a new network namespace with the loopback interface down;
- when started as root: a private mount namespace in which the work directory *is* /tmp and
  /var/tmp, /dev/shm are fresh tmpfs, and the code runs as `nobody` with no groups and
  `no_new_privs`.

Where namespaces are unavailable (not root and unprivileged user namespaces disabled, or a
container without the capability) the code still gets the limits, the scrubbed environment,
and the temporary directory, but it *can* use the network and write wherever its user may;
`require_network_isolation=True` refuses to run instead. `probe_sandbox()` reports what
this machine provides. Child processes that start their own session can outlive the call.

When running as root the interpreter must be executable by the unprivileged user: the
current one if its path is world-accessible, else `/usr/bin/python3` (stdlib only).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

_LAUNCHER = Path(__file__).with_name("_sandbox_launcher.py")
_EXIT_NO_ISOLATION = 97
NOBODY_UID = 65534
NOBODY_GID = 65534


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one run; CPU time defaults to the wall time."""

    wall_seconds: float = 30.0
    cpu_seconds: float | None = None
    memory_bytes: int = 1 << 30
    file_size_bytes: int = 64 << 20
    max_processes: int = 64
    max_output_chars: int = 20_000


def _world_executable(path: str) -> bool:
    """Whether a user with no special rights can reach and execute `path`."""
    real = Path(os.path.realpath(path))
    for parent in real.parents:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


def _sandbox_python(preferred: str | None) -> str:
    if os.geteuid() != 0:
        return preferred or sys.executable
    for candidate in (preferred, sys.executable, "/usr/bin/python3"):
        if candidate and os.path.exists(candidate) and _world_executable(candidate):
            return candidate
    raise ToolException("run_python has no interpreter the unprivileged sandbox user can execute")


def _launch(workdir: str, cfg: dict, stdout: int, stderr: int) -> subprocess.Popen[bytes]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.Popen(
        [sys.executable, "-I", str(_LAUNCHER), json.dumps(cfg)],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group may already be gone
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _read(handle: tempfile._TemporaryFileWrapper, limit: int) -> str:
    handle.seek(0)
    data = handle.read(limit * 4 + 4).decode("utf-8", errors="replace")
    if len(data) > limit:
        return data[:limit] + f"\n[output truncated at {limit} characters]"
    return data


def _cpu_seconds(limits: SandboxLimits) -> float:
    # One second above the wall limit: a busy loop meets the clearer wall-time error first.
    return limits.cpu_seconds or math.ceil(limits.wall_seconds) + 1


def _config(limits: SandboxLimits, python: str, require: bool, probe: bool) -> dict:
    return {
        "python": python,
        "cpu_seconds": math.ceil(_cpu_seconds(limits)),
        "memory_bytes": limits.memory_bytes,
        "file_size_bytes": limits.file_size_bytes,
        "max_processes": limits.max_processes,
        "require_network_isolation": require,
        "uid": NOBODY_UID,
        "gid": NOBODY_GID,
        "probe": probe,
    }


def run_sandboxed(
    code: str,
    limits: SandboxLimits = SandboxLimits(),
    *,
    python: str | None = None,
    require_network_isolation: bool = False,
    probe: bool = False,
) -> tuple[int, str, str]:
    """Run `code`; return (exit status, stdout, stderr). Negative status: killed by signal.

    Raises `ToolException` when the wall-time limit passes (the process group is killed).
    """
    interpreter = _sandbox_python(python)
    cfg = _config(limits, interpreter, require_network_isolation, probe)
    workdir = tempfile.mkdtemp(prefix="mirograph-py-")
    try:
        Path(workdir, "main.py").write_text(code, encoding="utf-8")
        if os.geteuid() == 0:
            for path in (workdir, os.path.join(workdir, "main.py")):
                os.chown(path, NOBODY_UID, NOBODY_GID)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = _launch(workdir, cfg, out.fileno(), err.fileno())
            try:
                status = proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise ToolException(
                    f"run_python timed out after {limits.wall_seconds:g} s (wall-time limit); "
                    "the process was killed"
                ) from None
            _kill_group(proc)  # leftovers of the code in the same session
            return status, _read(out, limits.max_output_chars), _read(err, limits.max_output_chars)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def probe_sandbox(python: str | None = None) -> dict:
    """What isolation this machine gives: network_isolated, private_tmp, uid."""
    status, stdout, stderr = run_sandboxed(
        "", SandboxLimits(wall_seconds=10), python=python, probe=True
    )
    if status != 0:
        raise RuntimeError(f"sandbox probe failed with status {status}: {stderr.strip()}")
    return json.loads(stdout)


class RunPythonArgs(BaseModel):
    code: str = Field(description="A complete Python 3 program; print() what you need.")


def _describe(status: int, limits: SandboxLimits) -> str:
    if status >= 0:
        return f"exit status {status}"
    sig = signal.Signals(-status)
    if sig in (signal.SIGXCPU, signal.SIGKILL):
        raise ToolException(
            f"run_python exceeded its CPU-time limit of {_cpu_seconds(limits):g} s; "
            "the process was killed"
        )
    return f"killed by {sig.name}"


def make_run_python(
    *,
    wall_seconds: float = 30.0,
    cpu_seconds: float | None = None,
    memory_bytes: int = 1 << 30,
    file_size_bytes: int = 64 << 20,
    max_processes: int = 64,
    max_output_chars: int = 20_000,
    python: str | None = None,
    require_network_isolation: bool = False,
) -> BaseTool:
    """A `run_python` tool with the given limits (see the module docstring)."""
    limits = SandboxLimits(
        wall_seconds, cpu_seconds, memory_bytes, file_size_bytes, max_processes, max_output_chars
    )

    def run_python(code: str) -> str:
        status, stdout, stderr = run_sandboxed(
            code, limits, python=python, require_network_isolation=require_network_isolation
        )
        if status == _EXIT_NO_ISOLATION and "no network namespace" in stderr:
            raise ToolException("run_python refused: no network isolation is available here")
        parts = [_describe(status, limits)]
        if stdout:
            parts.append(f"--- stdout ---\n{stdout.rstrip()}")
        if stderr:
            parts.append(f"--- stderr ---\n{stderr.rstrip()}")
        if not stdout and not stderr:
            parts.append("(no output; print() what you need)")
        return "\n".join(parts)

    return StructuredTool.from_function(
        func=run_python,
        name="run_python",
        description=(
            "Run a Python 3 program in a local sandbox (no network, temporary directory, time "
            "and memory limits) and return its exit status, stdout and stderr."
        ),
        args_schema=RunPythonArgs,
    )
