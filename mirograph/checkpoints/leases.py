"""One runner per thread: a lease row naming the process that advances the thread.

A lease is held by (hostname, pid, process start time). On the same host a lease whose
process is gone (or whose pid was reused by another process) is taken over at once; a
lease from another host is trusted until its heartbeat is older than the staleness window
(`STALE_AFTER`, or `stale_after=`), which must be longer than the longest model call.

While held, a lease heartbeats on a timer (a daemon thread, `HEARTBEAT_SECONDS`), and
every beat checks the row still carries its token; the saver *fences* every write of the
thread: inside the write's own transaction it checks the token, so a runner whose lease
was taken over raises `LeaseLost` before it writes anything more. Runs the API server
(`langgraph dev`, Studio) makes take the same lease at their first write (`serve_leases`),
released when the run ends (a checkpoint that triggers no next step, or a task's error),
waits for a review, or has written nothing for `SERVER_IDLE_SECONDS`.
All of it is portable SQL over `_write`, for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Protocol

from mirograph.checkpoints._sql import upsert
from mirograph.errors import ThreadBusy


class SaverCore(Protocol):
    """What a lease needs of its saver (`checkpoints.saver.SaverCore`, which imports this
    module, so it is described here rather than imported)."""

    def _write(self) -> AbstractContextManager[Any]: ...

    def _lock_key(self, cur: Any, key: str) -> None: ...


_TAKE_LEASE = upsert(
    "leases",
    (
        *("thread_id", "token", "owner", "pid", "pid_started", "hostname", "acquired_at"),
        "heartbeat_at",
    ),
    ("thread_id",),
)

STALE_AFTER = 900.0
"""Seconds without a heartbeat after which another host's lease may be taken over: well
above the longest model call, though the timer beats through calls anyway."""
HEARTBEAT_SECONDS = 30.0
"""How often a held lease refreshes its row and checks it is still its own."""
SERVER_IDLE_SECONDS = 900.0
"""A server-held lease is released after this long without a checkpoint of its thread
(a run that died without a word); longer than the longest model call."""


class LeaseLost(ThreadBusy):
    """Another runner took the thread's lease over; this one stops before writing."""


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
    pid: int,
    pid_started: str | None,
    hostname: str,
    heartbeat_at: float,
    *,
    now: float,
    stale_after: float | None = None,
) -> bool:
    """Whether a lease's holder still runs: its process on this host, else a fresh heartbeat."""
    if hostname == socket.gethostname():
        return _alive(pid, pid_started)
    return now - heartbeat_at < (STALE_AFTER if stale_after is None else stale_after)


def fences(saver: SaverCore) -> dict[str, str]:
    """thread id -> token of the leases this process holds through `saver` (and clones)."""
    held = saver.__dict__.get("_fences")
    if held is None:
        held = saver.__dict__["_fences"] = {}
    return held


def _name(cur: Any, thread_id: str) -> str:
    """The thread as a person typed it: its label (`run --thread NAME`), else its id."""
    row = cur.execute("SELECT label FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
    return row[0] if row is not None and row[0] else thread_id


def check_fence(saver: SaverCore, cur: Any, thread_id: str) -> None:
    """Inside a write's transaction: refuse it when our lease on the thread was taken over."""
    token = fences(saver).get(thread_id)
    if token is None:
        return
    row = cur.execute("SELECT token FROM leases WHERE thread_id = ?", (thread_id,)).fetchone()
    if row is not None and row[0] == token:
        return
    # Our own run may have released (or renewed) the lease from another thread since the
    # token was read: the API server's background writes overlap the run's last checkpoint.
    # Only a row that differs while we still hold `token` is another runner's takeover.
    if fences(saver).get(thread_id) == token:
        raise LeaseLost(
            f"Thread {thread_id} was taken over by another runner; this one stopped before "
            "writing again (nothing of this step was saved)."
        )


class Lease:
    """A held lease; release it by leaving the `with` block (or `release()`)."""

    def __init__(self, saver: SaverCore, thread_id: str, token: str) -> None:
        self.saver = saver
        self.thread_id = thread_id
        self.token = token
        self.released = False
        self.lost = threading.Event()
        """Set when a heartbeat found the row taken over."""
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self.last_write = time.monotonic()
        self.idle_after: float | None = None
        """Release by itself after this long without a write (server-held leases)."""

    @classmethod
    def acquire(
        cls,
        saver: SaverCore,
        thread_id: str,
        owner: str | None,
        *,
        heartbeat_every: float | None = HEARTBEAT_SECONDS,
        stale_after: float | None = None,
    ) -> Lease:
        """Insert our lease, taking over a dead holder's; raise `ThreadBusy` on a live one.

        The lease then heartbeats every `heartbeat_every` seconds (None: never) and fences
        the saver's writes of the thread until it is released."""
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
                if holder_alive(
                    held_pid, held_started, held_host, heartbeat, now=now, stale_after=stale_after
                ):
                    who = f"{held_owner} " if held_owner else ""
                    raise ThreadBusy(
                        f"Thread {_name(cur, thread_id)} is being advanced by another runner "
                        f"({who}pid {held_pid} on {held_host}); wait for it to finish "
                        "or stop it first."
                    )
            cur.execute(
                _TAKE_LEASE, (thread_id, token, owner, pid, _process_started(pid), host, now, now)
            )
        lease = cls(saver, thread_id, token)
        fences(saver)[thread_id] = token
        if heartbeat_every is not None:
            lease.keep_alive(heartbeat_every)
        return lease

    def heartbeat(self) -> bool:
        """Refresh the lease; False (and `lost` set) when another runner has taken it."""
        with self.saver._write() as cur:
            cur.execute(
                "UPDATE leases SET heartbeat_at = ? WHERE thread_id = ? AND token = ?",
                (time.time(), self.thread_id, self.token),
            )
            mine = cur.rowcount == 1
        if not mine:
            self.lost.set()
        return mine

    def keep_alive(self, every: float) -> None:
        """Heartbeat on a timer in a daemon thread until released or lost."""

        def beat() -> None:
            while not self._stop.wait(every):
                idle = self.idle_after is not None
                if idle and time.monotonic() - self.last_write > self.idle_after:  # type: ignore[operator]
                    self.release()
                    return
                if not self.heartbeat():
                    return

        self._beater = threading.Thread(target=beat, name=f"lease {self.thread_id}", daemon=True)
        self._beater.start()

    def raise_if_lost(self) -> None:
        """Stop a runner between steps once a heartbeat found the lease taken over."""
        if self.lost.is_set():
            raise LeaseLost(
                f"Thread {self.thread_id} was taken over by another runner; this one stopped."
            )

    def release(self) -> None:
        """Give the lease up (only if it is still ours: a takeover is not undone)."""
        if self.released:
            return
        self._stop.set()
        if self._beater is not None and self._beater is not threading.current_thread():
            self._beater.join()
        if fences(self.saver).get(self.thread_id) == self.token:
            del fences(self.saver)[self.thread_id]
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


class ServerLeases:
    """Leases for runs the API server makes (it calls the saver, not `run_thread`): taken
    at a thread's first write, released when the run waits for a review or goes idle."""

    def __init__(self, saver: SaverCore, idle: float = SERVER_IDLE_SECONDS) -> None:
        self.saver = saver
        self.idle = idle
        self.held: dict[str, Lease] = {}
        self.stopped: set[str] = set()
        """Threads waiting for a review: their next run starts with a resume or input."""
        self._lock = threading.Lock()

    def before_write(self, thread_id: str, source: str | None = None) -> None:
        """Hold the thread's lease (raises `ThreadBusy` when a live runner has it). The
        checkpoint a run saves as it stops for a review takes none; new input does."""
        with self._lock:
            if thread_id in self.stopped and source != "input":
                return
            self.stopped.discard(thread_id)
            lease = self.held.get(thread_id)
            if lease is None or lease.released or lease.lost.is_set():
                lease = Lease.acquire(
                    self.saver, thread_id, "langgraph dev", heartbeat_every=HEARTBEAT_SECONDS
                )
                lease.idle_after = self.idle
                self.held[thread_id] = lease
            lease.last_write = time.monotonic()

    def run_stopped(self, thread_id: str, *, review: bool = False) -> None:
        """The run ended or stopped for a human review: let the CLI (or Studio) go on."""
        with self._lock:
            if review:
                self.stopped.add(thread_id)
            lease = self.held.pop(thread_id, None)
        if lease is not None:
            lease.release()


def serve_leases(saver: SaverCore, idle: float = SERVER_IDLE_SECONDS) -> SaverCore:
    """Make `saver` take a lease for each thread it writes (the API server's runs)."""
    saver.__dict__["_server_leases"] = ServerLeases(saver, idle)
    return saver


def before_write(saver: SaverCore, thread_id: str, source: str | None = None) -> None:
    """What the saver does before a checkpoint: the server's lease, if it serves leases."""
    server = saver.__dict__.get("_server_leases")
    if server is not None:
        server.before_write(thread_id, source)


def resumed(saver: SaverCore, thread_id: str) -> None:
    """A run answers the thread's review (writes `__resume__`): it needs the lease again."""
    server = saver.__dict__.get("_server_leases")
    if server is not None:
        server.stopped.discard(thread_id)
        server.before_write(thread_id, "input")


def run_stopped(saver: SaverCore, thread_id: str, *, review: bool = False) -> None:
    """The server's run of the thread ended or waits for a review: release its lease."""
    server = saver.__dict__.get("_server_leases")
    if server is not None:
        server.run_stopped(thread_id, review=review)
