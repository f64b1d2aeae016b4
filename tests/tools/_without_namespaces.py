"""`python _without_namespaces.py PROGRAM ARGS...`: exec PROGRAM where unshare(2) fails
with EPERM (a seccomp filter, inherited by everything it starts), as on a machine with
unprivileged user namespaces disabled. Standard library only; x86-64."""

import ctypes
import os
import sys

AUDIT_ARCH_X86_64 = 0xC000003E
SYS_UNSHARE = 272
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1
LD_ABS, JEQ, RET = 0x20, 0x15, 0x06
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]  # fmt: skip


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


PROGRAM = [
    (LD_ABS, 0, 0, 4),  # seccomp_data.arch
    (JEQ, 0, 3, AUDIT_ARCH_X86_64),
    (LD_ABS, 0, 0, 0),  # seccomp_data.nr
    (JEQ, 0, 1, SYS_UNSHARE),
    (RET, 0, 0, RET_EPERM),
    (RET, 0, 0, RET_ALLOW),
]

filters = (SockFilter * len(PROGRAM))(*[SockFilter(*insn) for insn in PROGRAM])
program = SockFprog(len(PROGRAM), filters)
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
    sys.exit("cannot set no_new_privs")
if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
    sys.exit(f"cannot install the seccomp filter (errno {ctypes.get_errno()})")
os.execv(sys.argv[1], sys.argv[1:])
