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
4. as root: drop to a user of its own (a fresh uid per sandbox, so process limits never
   collide; no groups, no new privileges); not as root: a Landlock domain that reaches only
   the system's and the interpreter's files (read) and the work directory (read-write) —
   no /proc (so no other process's environment), no home, no ptrace or signals out of the
   domain, and no TCP — whether or not namespaces were available;
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
EXIT_NO_CONFINEMENT = 98
PR_SET_DUMPABLE = 4

# Landlock (Linux >= 5.13), by ABI version: the filesystem rights a ruleset can handle.
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_ALL_V1 = (1 << 13) - 1  # execute .. make_sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
O_PATH, O_CLOEXEC = 0o10000000, 0o2000000
SYSTEM_READ = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


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


def _landlock(libc, read_paths, workdir):
    """Confine this process (and what it starts) to `read_paths` (read, execute), the
    work directory (everything) and a few devices. True when the kernel enforces it."""
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return False
    handled = FS_ALL_V1 | (FS_REFER if abi >= 2 else 0) | (FS_TRUNCATE if abi >= 3 else 0)
    handled |= FS_IOCTL_DEV if abi >= 5 else 0
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0, 0)
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return False
    read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
    rules = [(p, read) for p in (*SYSTEM_READ, *read_paths)]
    rules += [(d, FS_READ_FILE | FS_WRITE_FILE) for d in DEVICES] + [(workdir, handled)]
    for path, access in rules:
        if not os.path.exists(path):
            continue
        fd = os.open(path, O_PATH | O_CLOEXEC)
        if os.path.isfile(path):
            access &= FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
        rule = _PathBeneathAttr(access & handled, fd)
        libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                     ctypes.byref(rule), 0)  # fmt: skip
        os.close(fd)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    confined = libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0
    os.close(ruleset)
    return confined


def _user_processes():
    """How many processes this user runs now (RLIMIT_NPROC counts them all)."""
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                continue
    return count


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
    if not as_root and not network:
        # No user namespace of its own: RLIMIT_NPROC counts all of this user's processes,
        # so the sandbox's budget is on top of what the user already runs.
        cfg["max_processes"] += _user_processes()
    _limit(cfg)
    confined = False
    if as_root:
        os.setgroups([])
        os.setgid(cfg["gid"])
        os.setuid(cfg["uid"])
    else:
        confined = _landlock(libc, cfg["read_paths"], workdir)
        if not confined and not cfg["allow_unconfined"]:
            sys.stderr.write("sandbox: no Landlock here; refusing to run unconfined\n")
            os._exit(EXIT_NO_CONFINEMENT)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if cfg.get("probe"):
        report = {
            "network_isolated": network,
            "private_tmp": private_tmp,
            "uid": os.getuid(),
            "confined": as_root or confined,
        }
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
