"""One runner per thread: a lease row naming the process that advances the thread.

A lease is held by (hostname, pid, process start time). On the same host a lease whose
process is gone (or whose pid was reused by another process) is taken over at once; a
lease from another host is trusted until its heartbeat is older than `STALE_AFTER`.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from types import TracebackType
from typing import TYPE_CHECKING

from mirograph.checkpoints._sql import upsert
from mirograph.errors import ThreadBusy

if TYPE_CHECKING:
    from mirograph.checkpoints.saver import SaverCore

_TAKE_LEASE = upsert(
    "leases",
    (
        *("thread_id", "token", "owner", "pid", "pid_started", "hostname", "acquired_at"),
        "heartbeat_at",
    ),
    ("thread_id",),
)

STALE_AFTER = 300.0
"""Seconds without a heartbeat after which another host's lease may be taken over."""


def _process_started(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux), to tell a reused pid from the holder."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            stat = fh.read()
    except OSError:
        return None
    # Field 22 (starttime) counted after the parenthesized command name.
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return started is None or _process_started(pid) in (None, started)


def holder_alive(
    pid: int, pid_started: str | None, hostname: str, heartbeat_at: float, *, now: float
) -> bool:
    """Whether a lease's holder still runs: its process on this host, else a fresh heartbeat."""
    if hostname == socket.gethostname():
        return _alive(pid, pid_started)
    return now - heartbeat_at < STALE_AFTER


class Lease:
    """A held lease; release it by leaving the `with` block (or `release()`)."""

    def __init__(self, saver: SaverCore, thread_id: str, token: str) -> None:
        self.saver = saver
        self.thread_id = thread_id
        self.token = token
        self.released = False

    @classmethod
    def acquire(cls, saver: SaverCore, thread_id: str, owner: str | None) -> Lease:
        """Insert our lease, taking over a dead holder's; raise `ThreadBusy` on a live one."""
        token = uuid.uuid4().hex
        pid = os.getpid()
        host = socket.gethostname()
        now = time.time()
        with saver._write() as cur:
            saver._lock_key(cur, f"lease:{thread_id}")
            row = cur.execute(
                "SELECT owner, pid, pid_started, hostname, heartbeat_at FROM leases "
                "WHERE thread_id = ?",
                (thread_id,),
            ).fetchone()
            if row is not None:
                held_owner, held_pid, held_started, held_host, heartbeat = row
                if holder_alive(held_pid, held_started, held_host, heartbeat, now=now):
                    who = f"{held_owner} " if held_owner else ""
                    raise ThreadBusy(
                        f"Thread {thread_id} is being advanced by another runner "
                        f"({who}pid {held_pid} on {held_host}); wait for it to finish "
                        "or stop it first."
                    )
            cur.execute(
                _TAKE_LEASE, (thread_id, token, owner, pid, _process_started(pid), host, now, now)
            )
        return cls(saver, thread_id, token)

    def heartbeat(self) -> None:
        """Refresh the lease; long runs on shared storage call this once per step."""
        with self.saver._write() as cur:
            cur.execute(
                "UPDATE leases SET heartbeat_at = ? WHERE thread_id = ? AND token = ?",
                (time.time(), self.thread_id, self.token),
            )

    def release(self) -> None:
        """Give the lease up (only if it is still ours: a takeover is not undone)."""
        if self.released:
            return
        with self.saver._write() as cur:
            cur.execute(
                "DELETE FROM leases WHERE thread_id = ? AND token = ?",
                (self.thread_id, self.token),
            )
        self.released = True

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    async def __aenter__(self) -> Lease:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
