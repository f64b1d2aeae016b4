"""Running code in the sandbox: the parent's side, in the standard library only.

`mirograph.tools.python_sandbox` builds the `run_python` tool on this; run as a script
(`python -I _sandbox_run.py [--allow-unconfined] < code.py`, printing `{"status",
"stdout", "stderr"}` as JSON)
it lets any interpreter drive the sandbox, e.g. a test that plays a non-root parent with
the system Python. Keep it free of imports outside the standard library.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


class SandboxError(Exception):
    """The sandbox could not run the code to the end (time limit, no usable interpreter)."""


_LAUNCHER = Path(__file__).with_name("_sandbox_launcher.py")
_EXIT_NO_ISOLATION = 97
_EXIT_NO_CONFINEMENT = 98
SANDBOX_UIDS = range(2_000_000_000, 2_100_000_000)
"""As root, each call runs as a fresh uid from here (no such user exists)."""


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
    raise SandboxError("run_python has no interpreter the unprivileged sandbox user can execute")


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


def _read_paths(python: str) -> list[str]:
    """What the interpreter needs to start: its installation (and venv), nothing else."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    else:
        prefixes = {str(Path(os.path.realpath(python)).parent.parent)}
    return sorted(os.path.realpath(p) for p in prefixes)


def _config(
    limits: SandboxLimits, python: str, require: bool, probe: bool, unconfined: bool = False
) -> dict:
    uid = secrets.choice(SANDBOX_UIDS)
    return {
        "python": python,
        "cpu_seconds": math.ceil(_cpu_seconds(limits)),
        "memory_bytes": limits.memory_bytes,
        "file_size_bytes": limits.file_size_bytes,
        "max_processes": limits.max_processes,
        "require_network_isolation": require,
        "uid": uid,
        "gid": uid,
        "read_paths": _read_paths(python),
        "allow_unconfined": unconfined,
        "probe": probe,
    }


def run_sandboxed(
    code: str,
    limits: SandboxLimits = SandboxLimits(),
    *,
    python: str | None = None,
    require_network_isolation: bool = False,
    probe: bool = False,
    allow_unconfined: bool = False,
) -> tuple[int, str, str]:
    """Run `code`; return (exit status, stdout, stderr). Negative status: killed by signal.

    Raises `ToolException` when the wall-time limit passes (the process group is killed).
    """
    interpreter = _sandbox_python(python)
    cfg = _config(limits, interpreter, require_network_isolation, probe, allow_unconfined)
    workdir = tempfile.mkdtemp(prefix="mirograph-py-")
    try:
        Path(workdir, "main.py").write_text(code, encoding="utf-8")
        if os.geteuid() == 0:
            for path in (workdir, os.path.join(workdir, "main.py")):
                os.chown(path, cfg["uid"], cfg["gid"])
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = _launch(workdir, cfg, out.fileno(), err.fileno())
            try:
                status = proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise SandboxError(
                    f"run_python timed out after {limits.wall_seconds:g} s (wall-time limit); "
                    "the process was killed"
                ) from None
            _kill_group(proc)  # leftovers of the code in the same session
            return status, _read(out, limits.max_output_chars), _read(err, limits.max_output_chars)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    status, out, err = run_sandboxed(
        sys.stdin.read(),
        SandboxLimits(wall_seconds=20),
        allow_unconfined="--allow-unconfined" in sys.argv,
    )
    sys.stdout.write(json.dumps({"status": status, "stdout": out, "stderr": err}) + "\n")
