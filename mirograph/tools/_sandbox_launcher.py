"""Runs inside the sandbox child, before the model's code: isolate, limit, drop, exec.

Started as `python -I _sandbox_launcher.py CONFIG_JSON` with a scrubbed environment and the
fresh work directory as cwd. Kept free of mirograph imports (it runs as a plain script) and
of `preexec_fn`, which is unsafe in a threaded parent. Steps, each best-effort unless
`require_network_isolation` is set:

1. new network namespace (as root: also a mount namespace), so nothing is reachable — not
   even loopback, whose interface stays down;
2. as root: private mount propagation, the work directory bind-mounted on /tmp and fresh
   tmpfs on /var/tmp and /dev/shm, so files written anywhere temporary vanish with it;
3. resource limits (CPU, address space, file size, processes, no core dumps);
4. as root: drop to the unprivileged user (no groups, no new privileges);
5. exec the interpreter on main.py — or, in probe mode, print what was achieved.
"""

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38
EXIT_NO_ISOLATION = 97


def _isolate(libc, as_root, workdir):
    """(network isolated, temp dirs private) after trying the namespaces."""
    if not as_root:
        return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0, False
    if libc.unshare(CLONE_NEWNET | CLONE_NEWNS) != 0:
        return False, False
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return True, False  # without private propagation, mounts would leak to the host
    private = libc.mount(workdir.encode(), b"/tmp", None, MS_BIND, None) == 0
    for extra in (b"/var/tmp", b"/dev/shm"):
        if os.path.isdir(extra):
            libc.mount(b"tmpfs", extra, b"tmpfs", 0, b"size=16m,mode=1777")
    return True, private


def _limit(cfg):
    cpu = int(cfg["cpu_seconds"])
    limits = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (cfg["memory_bytes"],) * 2),
        (resource.RLIMIT_FSIZE, (cfg["file_size_bytes"],) * 2),
        (resource.RLIMIT_NPROC, (cfg["max_processes"],) * 2),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_NOFILE, (256, 256)),
    ]
    for which, value in limits:
        resource.setrlimit(which, value)


def main():
    cfg = json.loads(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    as_root = os.geteuid() == 0
    workdir = os.getcwd()
    network, private_tmp = _isolate(libc, as_root, workdir)
    if cfg["require_network_isolation"] and not network:
        sys.stderr.write("sandbox: no network namespace available; refusing to run\n")
        os._exit(EXIT_NO_ISOLATION)
    home = "/tmp" if private_tmp else workdir
    os.chdir(home)
    _limit(cfg)
    if as_root:
        os.setgroups([])
        os.setgid(cfg["gid"])
        os.setuid(cfg["uid"])
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if cfg.get("probe"):
        report = {"network_isolated": network, "private_tmp": private_tmp, "uid": os.getuid()}
        sys.stdout.write(json.dumps(report))
        sys.stdout.flush()
        os._exit(0)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
    }
    python = cfg["python"]
    os.execve(python, [python, "-I", "main.py"], env)


if __name__ == "__main__":
    main()
