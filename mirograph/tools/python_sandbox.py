"""`run_python(code)`: run model-written Python in a local sandbox — not a VM.

The code runs in a separate process (its own session, killed as a group) with:

- wall-time, CPU-time, address-space, file-size and process-count limits (`resource`);
- a fresh temporary working directory, removed afterwards;
- an environment with nothing from ours (no API keys or tokens; `python -I`);
- no network: a new network namespace with the loopback interface down;
- when started as root: a private mount namespace in which the work directory *is* /tmp and
  /var/tmp, /dev/shm are fresh tmpfs, and the code runs as a user of its own (a fresh,
  unused uid per call, so `RLIMIT_NPROC` of concurrent sandboxes never collides) with no
  groups and `no_new_privs`;
- when not started as root: a Landlock domain (Linux >= 5.13) that reaches only the
  system's and the interpreter's files (read) and the work directory: no /proc, so no
  other process's environment (the parent's API keys included), no home directory, no
  ptrace or signals out of the domain, no TCP (Landlock ABI >= 4).

Where namespaces are unavailable (not root and unprivileged user namespaces disabled, or a
container without the capability) the code still gets all of that but the network
namespace; `require_network_isolation=True` refuses to run instead. Without namespaces
its process limit counts on top of the user's own processes. Not as root and without
Landlock, run_python refuses to run (`allow_unconfined=True` runs it anyway, able to read
what its user can). `probe_sandbox()` reports what this machine provides. Child processes
that start their own session can outlive the call.

When running as root the interpreter must be executable by the unprivileged user: the
current one if its path is world-accessible, else `/usr/bin/python3` (stdlib only).
"""

from __future__ import annotations

import json
import signal

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

import mirograph.tools._sandbox_run as _sandbox_run
from mirograph.tools._sandbox_run import (
    _EXIT_NO_CONFINEMENT,
    _EXIT_NO_ISOLATION,
    SANDBOX_UIDS,
    SandboxError,
    SandboxLimits,
    _cpu_seconds,
)

__all__ = ["SANDBOX_UIDS", "SandboxLimits", "make_run_python", "probe_sandbox", "run_sandboxed"]


def run_sandboxed(
    code: str,
    limits: SandboxLimits | None = None,
    *,
    python: str | None = None,
    require_network_isolation: bool = False,
    probe: bool = False,
    allow_unconfined: bool = False,
) -> tuple[int, str, str]:
    """Run `code`; return (exit status, stdout, stderr). Negative status: killed by signal.

    Raises `ToolException` when the wall-time limit passes (the process group is killed).
    """
    try:
        return _sandbox_run.run_sandboxed(
            code,
            limits or SandboxLimits(),
            python=python,
            require_network_isolation=require_network_isolation,
            probe=probe,
            allow_unconfined=allow_unconfined,
        )
    except SandboxError as exc:
        raise ToolException(str(exc)) from None


def probe_sandbox(python: str | None = None) -> dict:
    """What isolation this machine gives: network_isolated, private_tmp, uid, confined."""
    status, stdout, stderr = run_sandboxed(
        "", SandboxLimits(wall_seconds=10), python=python, probe=True, allow_unconfined=True
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
    allow_unconfined: bool = False,
) -> BaseTool:
    """A `run_python` tool with the given limits (see the module docstring)."""
    limits = SandboxLimits(
        wall_seconds, cpu_seconds, memory_bytes, file_size_bytes, max_processes, max_output_chars
    )

    def run_python(code: str) -> str:
        status, stdout, stderr = run_sandboxed(
            code,
            limits,
            python=python,
            require_network_isolation=require_network_isolation,
            allow_unconfined=allow_unconfined,
        )
        if status == _EXIT_NO_ISOLATION and "no network namespace" in stderr:
            raise ToolException("run_python refused: no network isolation is available here")
        if status == _EXIT_NO_CONFINEMENT and "no Landlock" in stderr:
            raise ToolException(
                "run_python refused: this kernel has no Landlock to keep the code from the "
                "user's files and other processes (run as root, or allow_unconfined=True)"
            )
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
